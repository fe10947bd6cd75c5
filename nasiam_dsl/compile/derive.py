"""Derivation: from a searched supernet to genotype documents in the same language.

`derive` and `top_k` read one ranking (`ranking.py`): a member (a distinct architecture)
scores the probability of the most probable full decision vector that builds it, i.e. its
visible options' probabilities times every hidden decision's largest probability, from the
sampler's deterministic `probabilities`. `derive` is exactly rank 1 of `top_k(..., k)` for
every `k`, and `top_k` returns distinct members, best first. A genotype's closed choices keep
their one candidate annotated with its probability (4 decimals): `act{gelu @0.7132}`,
`choose(identity(h1) @0.61)`, `width{512 @0.8}`, `sum(pick 2 of {h1 @0.6, x @0.55})`, and a
depth `depth(pick 1 of {h2 @0.7})` (two layers; the layers past it are left out). Labels,
lets and constraints are kept; blocks are written out as plain nodes. The writing is
membership's (`membership.write.AnnotatedWriter`, torch-free); torch here is the supernet's
probabilities.

Without constraints the ranking is exact. With constraints (`count`, `params`, `flops`) the
members are enumerated best first and filtered by the constraints, up to `EXACT_SPACE` members
on a space that has no more (so always exact there) and up to `PROBE_MEMBERS` on a larger one
(exact when the `k` best feasible members are among them). Ranks still missing then come from
greedy repair inside Murty's partition (`repair.py`): approximate. The genotype of a
constrained space says which in its meta: `ranking = "exact"` or `"greedy"`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from nasiam_dsl.compile.build import Supernet
from nasiam_dsl.compile.constraints import ConstraintCheck
from nasiam_dsl.compile.count import count_architectures
from nasiam_dsl.compile.ranking import Member, RankingSpace, ranked_members
from nasiam_dsl.compile.repair import repaired_members
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.plan import Plan
from nasiam_dsl.lang.printer import print_document
from nasiam_dsl.membership.write import AnnotatedWriter, written_genotype
from nasiam_dsl.version import __version__

Decisions = dict[str, tuple[int, ...]]
Probabilities = Mapping[str, torch.Tensor]

__all__ = [
    "EXACT_SPACE",
    "PROBE_MEMBERS",
    "Ranked",
    "derive",
    "derive_decisions",
    "genotype_document",
    "rank_members",
    "space_hash",
    "top_k",
]

EXACT_SPACE = 20_000  # a constrained space with at most this many members is ranked in full
PROBE_MEMBERS = 2_000  # members a larger constrained space enumerates before the greedy


@dataclass(frozen=True)
class Ranked:
    """One derived architecture: its genotype, decisions and score (see module docs);
    `exact` is False for a rank that the greedy repair found."""

    genotype: ast.Document
    decisions: Decisions
    probability: float
    exact: bool = True


def space_hash(doc: ast.Document) -> str:
    """A short content hash of a document's canonical text (comments excluded)."""
    bare = doc.model_copy(update={"comments": ast.Comments()})
    return hashlib.sha256(print_document(bare).encode()).hexdigest()[:16]


# ---- the ranking ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    member: Member
    exact: bool


def _best_members(
    plan: Plan, probs: Probabilities, doc: ast.Document, k: int, max_solves: int
) -> tuple[list[_Found], bool]:
    """The `k` best feasible members (fewer if the space has fewer), and whether the whole
    space was enumerated. The list for `k` is a prefix of the list for any larger `k`."""
    space = RankingSpace(plan, probs)
    check = ConstraintCheck(doc, plan)
    found: list[_Found] = []
    if k <= 0:
        return found, False
    budget = EXACT_SPACE if count_architectures(plan) <= EXACT_SPACE else PROBE_MEMBERS
    seen: set = set()  # architectures found: the first member of each is its best
    for enumerated, member in enumerate(ranked_members(space), 1):
        if member.architecture in seen:
            continue
        seen.add(member.architecture)
        if not check or check.feasible(member.decisions):
            found.append(_Found(member, True))
            if len(found) == k:
                return found, False
        if enumerated >= budget and check:
            break
    else:
        return found, True
    feasible = {f.member.architecture for f in found}
    for member in repaired_members(space, check, max_solves):
        if member.architecture not in feasible:
            feasible.add(member.architecture)
            found.append(_Found(member, False))
            if len(found) == k:
                break
    return found, False


def _ranking_meta(doc: ast.Document, found: _Found) -> dict[str, str]:
    if not doc.constraints:
        return {}
    return {"ranking": "exact" if found.exact else "greedy"}


def derive_decisions(supernet: Supernet, doc: ast.Document | None = None) -> Decisions:
    """Key -> chosen candidate indices of rank 1 (hidden decisions at their most probable)."""
    probs = supernet.arch.probabilities()
    return _rank_one(supernet.plan, probs, doc or supernet.doc).member.decisions


def _rank_one(plan: Plan, probs: Probabilities, doc: ast.Document) -> _Found:
    found, whole = _best_members(plan, probs, doc, 1, 10_000)
    if found:
        return found[0]
    if whole:
        raise ValueError("no architecture of the space satisfies its constraints")
    raise ValueError(
        "no architecture satisfying the constraints was found among the most probable ones "
        "nor by greedy repair; check the constraints against the space"
    )


# ---- documents ----------------------------------------------------------------------------


def derive(
    supernet: Supernet,
    doc: ast.Document | None = None,
    *,
    meta: Mapping[str, Any] | None = None,
    name: str | None = None,
) -> ast.Document:
    """The genotype of rank 1: the most probable (constraint-respecting) architecture.

    `doc` is the space the supernet was compiled from (default: `supernet.doc`); `meta`
    (framework, dataset, seed, epochs, ...) goes into the genotype's meta block beside the
    source space's name and hash and the nasiam version.
    """
    doc = doc or supernet.doc
    probs = supernet.arch.probabilities()
    best = _rank_one(supernet.plan, probs, doc)
    meta = {**(meta or {}), **_ranking_meta(doc, best)}
    return genotype_document(doc, best.member.decisions, probs, meta=meta, name=name)


def top_k(
    supernet: Supernet,
    doc: ast.Document | None = None,
    k: int = 5,
    *,
    meta: Mapping[str, Any] | None = None,
    max_solves: int = 10_000,
) -> list[Ranked]:
    """The `k` best distinct feasible architectures, best first (fewer if there are fewer).

    Exact without constraints; with them, exact as the module docs say, else completed by
    greedy repair inside Murty's partition (at most `max_solves` repairs, `exact=False`).
    Rank 1 is `derive`'s genotype.
    """
    return rank_members(
        doc or supernet.doc,
        supernet.plan,
        supernet.arch.probabilities(),
        k,
        meta=meta,
        max_solves=max_solves,
    )


def rank_members(
    doc: ast.Document,
    plan: Plan,
    probs: Probabilities,
    k: int,
    *,
    meta: Mapping[str, Any] | None = None,
    max_solves: int = 10_000,
) -> list[Ranked]:
    """`top_k` from a space's plan and the probabilities of its decisions (key -> one
    probability per candidate), without a supernet."""
    found, _ = _best_members(plan, probs, doc, k, max_solves)
    ranked = []
    for i, f in enumerate(found):
        meta_i = {**(meta or {}), **_ranking_meta(doc, f)}
        genotype = genotype_document(
            doc, f.member.decisions, probs, meta=meta_i, name=_ranked_name(doc, i)
        )
        ranked.append(Ranked(genotype, f.member.decisions, f.member.score, f.exact))
    return ranked


def _ranked_name(doc: ast.Document, i: int) -> str:
    return f"{doc.name}_derived" if i == 0 else f"{doc.name}_top{i + 1}"


def genotype_document(
    doc: ast.Document,
    decisions: Mapping[str, tuple[int, ...]],
    probs: Mapping[str, torch.Tensor],
    *,
    meta: Mapping[str, Any] | None = None,
    name: str | None = None,
) -> ast.Document:
    """Rewrite a space into the genotype that `decisions` select (see module docs)."""
    entries: dict[str, ast.Scalar] = {
        "source_space": doc.name,
        "space_hash": space_hash(doc),
        "version": __version__,
    }
    if doc.framework:
        entries["framework"] = doc.framework
    for key, value in (meta or {}).items():
        entries[key] = value if isinstance(value, (bool, int, float, str)) else str(value)
    return written_genotype(
        doc,
        AnnotatedWriter(doc, decisions, probs).heads(),
        name=name or f"{doc.name}_derived",
        entries=entries,
        lets=doc.lets,
    )
