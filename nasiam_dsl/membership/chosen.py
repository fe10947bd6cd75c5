"""Candidates and chosen candidates of a document's choices, by choice key.

One naming for every view: a candidate is named by its canonical text without
probabilities (`gelu`, `512`, `h1`, `linear(h1, 64) | bn | act(acts)`), so a heatmap
row, a seeds table column and a diff line all say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.printer import format_input, format_pipeline, format_set_item
from nasiam_dsl.lang.score import log_probabilities
from nasiam_dsl.lang.tree import strip_probs
from nasiam_dsl.lang.walk import ChoiceNode, is_open, iter_choices, resolve_set
from nasiam_dsl.membership.check import member_decisions

N = TypeVar("N", bound=ast.Node)

__all__ = [
    "Chosen",
    "align_genotype",
    "candidate_names",
    "choice_heads",
    "chosen_candidates",
]


@dataclass(frozen=True)
class Chosen:
    """What a genotype kept at one choice: candidate names, their probabilities and,
    when aligned with the space, their indices among the space's candidates."""

    key: str
    kind: str
    names: tuple[str, ...]
    probs: tuple[float | None, ...]
    indices: tuple[int, ...] | None = None

    @property
    def prob(self) -> float | None:
        """The probability of the (first) kept candidate."""
        return self.probs[0] if self.probs else None

    def text(self) -> str:
        """`gelu @0.71`, or `h1 @0.6, x @0.55` for a pick."""
        return ", ".join(
            n + ("" if p is None else f" @{p:g}")
            for n, p in zip(self.names, self.probs, strict=True)
        )


def _lets(doc: ast.Document) -> dict[str, ast.LetDef]:
    return {let.name: let for let in doc.lets}


def _names_and_probs(
    choice: ChoiceNode, lets: dict[str, ast.LetDef]
) -> tuple[list[str], list[float | None]]:
    if isinstance(choice, ast.Choose):
        return (
            [format_pipeline(strip_probs(c), width=10**9) for c in choice.candidates],
            [c.prob for c in choice.candidates],
        )
    if isinstance(choice, ast.Combine):
        return [format_input(r) for r in choice.inputs], [r.prob for r in choice.inputs]
    items = resolve_set(choice.options, lets)
    return [format_set_item(strip_probs(i)) for i in items], [i.prob for i in items]


def candidate_names(doc: ast.Document, *, open_only: bool = False) -> dict[str, list[str]]:
    """Key -> candidate names, in the walk's order (the first site of a shared key wins).

    For a space these are the names the architecture probabilities index.
    """
    lets = _lets(doc)
    out: dict[str, list[str]] = {}
    for site in iter_choices(doc):
        if open_only and not is_open(site.choice, lets):
            continue
        out.setdefault(site.key, _names_and_probs(site.choice, lets)[0])
    return out


def choice_heads(doc: ast.Document) -> dict[str, list[str]]:
    """Key -> the heads it occurs in (a shared key may occur in several)."""
    out: dict[str, list[str]] = {}
    for site in iter_choices(doc):
        heads = out.setdefault(site.key, [])
        if site.head.name not in heads:
            heads.append(site.head.name)
    return out


def chosen_candidates(doc: ast.Document) -> dict[str, Chosen]:
    """Key -> what the document keeps at that choice: for a genotype the chosen
    candidate(s) and probabilities, for a space every candidate (probabilities None)."""
    lets = _lets(doc)
    out: dict[str, Chosen] = {}
    for site in iter_choices(doc):
        if site.key not in out:
            names, probs = _names_and_probs(site.choice, lets)
            out[site.key] = Chosen(site.key, site.kind, tuple(names), tuple(probs))
    return out


# ---- aligning a genotype with its space --------------------------------------------------


def align_genotype(
    space: ast.Document,
    genotype: ast.Document,
    probabilities: Mapping[str, Sequence[float]] | None = None,
) -> dict[str, Chosen]:
    """Key (the space's) -> the candidate(s) the genotype chose, with their indices among
    the space's candidates and the probabilities the genotype wrote for them.

    The genotype is matched by membership, the one notion of member: only the decisions
    its member shows appear (not those inside unchosen candidates or past a chosen depth),
    among equal candidates the most probable under the search's `probabilities` (key -> each
    candidate's), else the first; a genotype that is not a member aligns with nothing.
    """
    logp = log_probabilities(probabilities) if probabilities is not None else None
    decisions = member_decisions(genotype, space, logp=logp)
    if decisions is None:
        return {}
    names = candidate_names(space)
    kinds = {site.key: site.kind for site in iter_choices(space)}
    written = chosen_candidates(genotype)
    out: dict[str, Chosen] = {}
    for key in names:
        if key not in decisions:
            continue
        indices = decisions[key]
        kept = tuple(names[key][i] for i in indices)
        own = written.get(key)
        probs = own.probs if own is not None and len(own.probs) == len(indices) else None
        out[key] = Chosen(key, kinds[key], kept, probs or (None,) * len(indices), indices)
    return out
