"""How decided a search's choices are, in the terms of its space and genotype: margins by
choice key, measured for the candidates the genotype kept, and the genotype's meta block
that carries them (`margin_KEY = "KEY: gelu 0.27 vs relu 0.25: ..."`).

The margins themselves are `search.margins` (plain numbers); this module aligns the
genotype with its space by membership, the one notion of member, and turns the result into
meta entries a search writes into `genotype.nas` and `show` reads back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.walk import iter_choices, keeps
from nasiam_dsl.membership.chosen import align_genotype, candidate_names
from nasiam_dsl.search.margins import DECIDED_RATIO, Margin, count_verdicts, margins

__all__ = [
    "MARGIN_PREFIX",
    "PROBABILITY_META",
    "RANK",
    "SCORE",
    "document_margins",
    "genotype_with_margins",
    "meta_verdicts",
    "picks",
    "with_margins",
]

MARGIN_PREFIX = "margin_"
DECIDED, UNDECIDED, RATIO = "decided", "undecided", "decided_ratio"  # with_margins' counts
RANK, SCORE = "rank", "score"  # a top-k genotype's place in the ranking and its score
#: meta entries a search writes from its probabilities, besides the `margin_*` ones
#: (`decided_margin` is the absolute-lead rule genotypes of earlier versions carry)
PROBABILITY_META = (DECIDED, UNDECIDED, RATIO, "decided_margin", RANK, SCORE)


def picks(space: ast.Document) -> dict[str, int]:
    """Key -> how many candidates its decision keeps (k for `pick k of {...}`, else 1)."""
    out: dict[str, int] = {}
    for site in iter_choices(space):
        out.setdefault(site.key, keeps(site.choice))
    return out


def document_margins(
    space: ast.Document | None,
    probabilities: Mapping[str, Sequence[float]],
    *,
    genotype: ast.Document | None = None,
    normalised: bool = True,
    kept_only: bool = True,
) -> dict[str, Margin]:
    """Key -> margin of each decision. With a genotype (and its space), choices are
    measured for the candidate(s) the genotype kept, and only the choices it still has
    are given unless `kept_only` is false; otherwise every key, for its most probable."""
    probs = {k: list(v) for k, v in probabilities.items() if len(v)}
    if space is None:
        return margins(probs, normalised=normalised)
    names = candidate_names(space)
    order = [k for k in names if k in probs] + [k for k in probs if k not in names]
    chosen: dict[str, tuple[int, ...]] = {}
    if genotype is not None:
        aligned = align_genotype(space, genotype, probs)
        order = [k for k in order if k in aligned or not kept_only]
        chosen = {k: c.indices for k, c in aligned.items() if c.indices is not None}
    probs = {k: probs[k] for k in order}
    return margins(probs, names, picks=picks(space), chosen=chosen, normalised=normalised)


def _meta_key(key: str, taken: set[str]) -> str:
    base = MARGIN_PREFIX + re.sub(r"\W", "_", key)
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name


def with_margins(doc: ast.Document, found: Mapping[str, Margin]) -> ast.Document:
    """`doc` with `decided`, `undecided`, `decided_ratio` and one `margin_KEY` entry per
    decision (`"KEY: gelu 0.27 vs relu 0.25: ..."`) appended to its meta block."""
    meta = doc.meta or ast.Meta(entries=())
    counts = count_verdicts(found)
    taken = {e.key for e in meta.entries}
    extra = [
        ast.MetaEntry(key=DECIDED, value=counts["decided"]),
        ast.MetaEntry(key=UNDECIDED, value=counts["undecided"]),
        ast.MetaEntry(key=RATIO, value=DECIDED_RATIO),
    ]
    extra = [e for e in extra if e.key not in taken]
    taken |= {e.key for e in extra}
    extra += [
        ast.MetaEntry(key=_meta_key(k, taken), value=f"{k}: {m.text()}") for k, m in found.items()
    ]
    meta = meta.model_copy(update={"entries": meta.entries + tuple(extra)})
    return doc.model_copy(update={"meta": meta})


def meta_verdicts(doc: ast.Document) -> dict[str, str]:
    """Key -> the margin text a genotype's meta block holds for it (see `with_margins`)."""
    out: dict[str, str] = {}
    for entry in doc.meta.entries if doc.meta is not None else ():
        if entry.key.startswith(MARGIN_PREFIX) and isinstance(entry.value, str):
            key, sep, text = entry.value.partition(": ")
            if sep:
                out[key] = text
    return out


def genotype_with_margins(
    space: ast.Document,
    genotype: ast.Document,
    probabilities: Mapping[str, Sequence[float]],
    *,
    normalised: bool = True,
) -> ast.Document:
    """`genotype` with the margins of its choices (against `space`'s candidates) in its
    meta block: what a search writes as `genotype.nas`."""
    found = document_margins(space, probabilities, genotype=genotype, normalised=normalised)
    return with_margins(genotype, found)
