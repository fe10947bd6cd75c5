"""How decided a search's choices are, read from a space, its genotype and the
architecture probabilities; written into the genotype's meta block, read back from it,
and shown as a rich table.

The margins themselves are computed by `nasiam_dsl.search.margins`; this module names
the candidates (as the space does), knows which choices the genotype kept and which
candidate it kept there, and turns the result into text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rich import box
from rich.table import Table
from rich.text import Text

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.walk import iter_choices
from nasiam_dsl.search.margins import (
    DECIDED_MARGIN,
    Margin,
    count_verdicts,
    margins,
    summary_sentence,
)
from nasiam_dsl.show.choices import align_genotype, candidate_names
from nasiam_dsl.show.rundir import RunDir

__all__ = [
    "MARGIN_PREFIX",
    "decisions_table",
    "decisions_view",
    "document_margins",
    "genotype_with_margins",
    "meta_verdicts",
    "picks",
    "run_margins",
    "run_sampler",
    "with_margins",
]

MARGIN_PREFIX = "margin_"


def picks(space: ast.Document) -> dict[str, int]:
    """Key -> k for every `pick k of {...}` input choice of the space."""
    out: dict[str, int] = {}
    for site in iter_choices(space):
        if isinstance(site.choice, ast.Combine) and site.choice.pick is not None:
            out.setdefault(site.key, site.choice.pick)
    return out


def document_margins(
    space: ast.Document | None,
    probabilities: Mapping[str, Sequence[float]],
    *,
    genotype: ast.Document | None = None,
    sampler: str = "softmax",
    kept_only: bool = True,
) -> dict[str, Margin]:
    """Key -> margin of each decision. With a genotype (and its space), choices are
    measured for the candidate(s) the genotype kept, and only the choices it still has
    are given unless `kept_only` is false; otherwise every key, for its most probable."""
    probs = {k: list(v) for k, v in probabilities.items() if len(v)}
    if space is None:
        return margins(probs, sampler=sampler)
    names = candidate_names(space)
    order = [k for k in names if k in probs] + [k for k in probs if k not in names]
    chosen: dict[str, tuple[int, ...]] = {}
    if genotype is not None:
        aligned = align_genotype(space, genotype)
        order = [k for k in order if k in aligned or not kept_only]
        chosen = {k: c.indices for k, c in aligned.items() if c.indices is not None}
    probs = {k: probs[k] for k in order}
    return margins(probs, names, picks=picks(space), chosen=chosen, sampler=sampler)


def run_sampler(run: RunDir) -> str:
    """The sampler a run's config names (softmax when it names none)."""
    search = run.config.get("search")
    sampler = search.get("sampler") if isinstance(search, dict) else None
    return sampler if isinstance(sampler, str) else "softmax"


def run_margins(run: RunDir, *, kept_only: bool = True) -> dict[str, Margin]:
    """The margins of a run directory's last architecture probabilities ({} if none)."""
    return document_margins(
        run.space,
        run.final_probabilities(),
        genotype=run.genotype,
        sampler=run_sampler(run),
        kept_only=kept_only,
    )


# ---- the genotype's meta block -------------------------------------------------------------


def _meta_key(key: str, taken: set[str]) -> str:
    base = MARGIN_PREFIX + re.sub(r"\W", "_", key)
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name


def with_margins(doc: ast.Document, found: Mapping[str, Margin]) -> ast.Document:
    """`doc` with `decided`, `undecided`, `decided_margin` and one `margin_KEY` entry per
    decision (`"KEY: gelu 0.27 vs relu 0.25: ..."`) appended to its meta block."""
    meta = doc.meta or ast.Meta(entries=())
    counts = count_verdicts(found)
    taken = {e.key for e in meta.entries}
    extra = [
        ast.MetaEntry(key="decided", value=counts["decided"]),
        ast.MetaEntry(key="undecided", value=counts["undecided"]),
        ast.MetaEntry(key="decided_margin", value=DECIDED_MARGIN),
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


# ---- the terminal table --------------------------------------------------------------------


def _cut(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def decisions_table(
    found: Mapping[str, Margin], *, title: str = "how decided each choice is"
) -> Table:
    """One row per decision: chosen (p), runner-up (p), margin over it, verdict."""
    table = Table(title=title, header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("decision", style="cyan", no_wrap=True)
    table.add_column("chosen", overflow="fold", min_width=8)
    table.add_column("p", justify="right", no_wrap=True)
    table.add_column("runner-up", overflow="fold", min_width=8)
    table.add_column("p", justify="right", no_wrap=True)
    table.add_column("margin", justify="right", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    for key, m in found.items():
        style = "" if m.decided else "yellow"
        table.add_row(
            key,
            Text(", ".join(_cut(n) for n in m.chosen_names), style=style),
            f"{m.p:.3f}",
            _cut(m.runner_up_name) if m.runner_up_name is not None else "-",
            f"{m.runner_up_p:.3f}" if m.runner_up_p is not None else "-",
            Text(f"{m.over_runner_up:+.3f}", style=style),
            Text(m.verdict, style="green" if m.decided else "bold yellow"),
        )
    return table


def decisions_view(found: Mapping[str, Margin]) -> Table:
    """The table with its one-sentence reading as the caption, ready to print."""
    table = decisions_table(found)
    table.caption = summary_sentence(found)
    table.caption_justify = "left"
    return table


def genotype_with_margins(
    space: ast.Document,
    genotype: ast.Document,
    probabilities: Mapping[str, Sequence[float]],
    *,
    sampler: str = "softmax",
) -> ast.Document:
    """`genotype` with the margins of its choices (against `space`'s candidates) in its
    meta block: what a search writes as `genotype.nas`."""
    found = document_margins(space, probabilities, genotype=genotype, sampler=sampler)
    return with_margins(genotype, found)
