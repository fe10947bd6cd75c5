"""Ranking the members of a space: one score, and exact k-best enumeration.

A *member* is a distinct architecture: the options of the decisions it leaves visible (a
decision inside an unchosen candidate of an op choice, or in a layer past a chosen depth
(`lang/reach.py`), is hidden, and any value of it builds
the same heads). Its *score* is the probability of the most probable full decision vector that
realises it: the product of the probabilities of its visible options times, for every hidden
decision, that decision's largest probability (for `pick k of n`, an option's probability is the
product of its picked candidates'; a sigmoid sampler's scores are not normalised, and the
product is still the score). So no member gets a hidden factor for free, a score never exceeds
1, and the member of the per-decision argmax is rank 1.

Dividing by the constant product of every decision's largest probability, a score is the
product over the visible decisions of `p(option) / p(best option)`, each at most 1. That makes
exact k-best a Murty partition over members (Lawler's scheme): after the best member `m` of a
part, whose visible decisions in walk order are `v1..vn` (an op choice before the decisions
its candidate reveals), the rest of the part splits into the parts "`v1..v(i-1)` as in `m`,
`vi` visible but not as in `m`". The decisions fixed there keep `vi` visible, so the best
member of such a part is `m` with `vi` moved to its next option and every other free decision
at its best: each part's best costs one step, parts never share a member, and members come
out best first. Options of a decision are generated best first on demand (`pick k of n`
subsets by a lazy best-first walk), so nothing is truncated.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import torch

from nasiam_dsl.lang.members import signature, visible_keys
from nasiam_dsl.lang.plan import Plan
from nasiam_dsl.lang.score import log_probabilities, log_score

__all__ = ["Member", "Options", "RankingSpace", "ranked_members", "with_rank"]

Decisions = dict[str, tuple[int, ...]]
Shape = tuple[tuple[str, tuple[int, ...]], ...]


def with_rank(ranks: tuple[int, ...], i: int, rank: int) -> tuple[int, ...]:
    """`ranks` with entry `i` replaced by `rank`."""
    return (*ranks[:i], rank, *ranks[i + 1 :])


class Options:
    """One decision's options (sorted candidate-index tuples), best first, made on demand.

    Ties keep the candidates' order (a lower index first), as `argmax` does.
    """

    def __init__(self, logp: Sequence[float], pick: int = 1) -> None:
        self.logp = list(logp)
        self.pick = pick
        self.order = sorted(range(len(self.logp)), key=lambda i: (-self.logp[i], i))
        start = tuple(range(pick))
        self._found: list[tuple[float, tuple[int, ...]]] = []
        self._frontier = [(-self._sum(start), start)]
        self._seen = {start}

    def _sum(self, positions: tuple[int, ...]) -> float:
        return math.fsum(self.logp[self.order[p]] for p in positions)

    def _grow(self) -> None:
        neg, positions = heapq.heappop(self._frontier)
        self._found.append((-neg, tuple(sorted(self.order[p] for p in positions))))
        n = len(self.order)
        for j, p in enumerate(positions):  # move one picked candidate to the next worse one
            nxt = p + 1
            if nxt < n and (j == len(positions) - 1 or nxt < positions[j + 1]):
                moved = with_rank(positions, j, nxt)
                if moved not in self._seen:
                    self._seen.add(moved)
                    heapq.heappush(self._frontier, (-self._sum(moved), moved))

    def has(self, rank: int) -> bool:
        while len(self._found) <= rank and self._frontier:
            self._grow()
        return rank < len(self._found)

    def option(self, rank: int) -> tuple[int, ...]:
        if not self.has(rank):
            raise IndexError(rank)
        return self._found[rank][1]

    def log_prob(self, rank: int) -> float:
        if not self.has(rank):
            raise IndexError(rank)
        return self._found[rank][0]


@dataclass(frozen=True)
class Member:
    """One architecture: every decision's option rank (hidden ones at their best), what it
    leaves visible (walk order) and its log score."""

    ranks: tuple[int, ...]
    decisions: Decisions
    visible: tuple[str, ...]
    log_score: float
    architecture: Hashable = None  # what it builds (`members.signature`)

    @property
    def shape(self) -> Shape:
        """What the architecture is: its visible decisions (equal shapes, equal heads)."""
        return tuple((key, self.decisions[key]) for key in self.visible)

    @property
    def score(self) -> float:
        return math.exp(self.log_score)


class RankingSpace:
    """The decisions of a plan with their options ranked by the given probabilities."""

    def __init__(self, plan: Plan, probs: Mapping[str, torch.Tensor]) -> None:
        self.plan = plan
        self.keys = list(plan.choices)
        self.index = {key: i for i, key in enumerate(self.keys)}
        self.logp = log_probabilities({k: probs[k].double().tolist() for k in self.keys})
        self.picks = {key: plan.choices[key].pick for key in self.keys}
        self.options = [Options(self.logp[key], self.picks[key]) for key in self.keys]

    def decisions(self, ranks: Sequence[int]) -> Decisions:
        return {
            key: self.options[i].option(r)
            for i, (key, r) in enumerate(zip(self.keys, ranks, strict=True))
        }

    def log_score(self, ranks: Sequence[int]) -> float:
        """The log score of a member given with its hidden decisions at rank 0."""
        return math.fsum(opts.log_prob(r) for opts, r in zip(self.options, ranks, strict=True))

    def visible(self, decisions: Mapping[str, tuple[int, ...]]) -> tuple[str, ...]:
        """The decisions that shape the architecture, in walk order (`members.visible_keys`):
        a decision comes after every decision that can hide it."""
        return visible_keys(self.plan, decisions)

    def member(self, ranks: Sequence[int]) -> Member:
        """The member `ranks` builds, its hidden decisions put back at their best."""
        visible = self.visible(self.decisions(ranks))
        shown = {self.index[key] for key in visible}
        canonical = tuple(r if i in shown else 0 for i, r in enumerate(ranks))
        decisions = self.decisions(canonical)
        score = log_score(self.logp, self.picks, decisions, visible)  # the one definition
        return Member(canonical, decisions, visible, score, signature(self.plan, decisions))


@dataclass(frozen=True)
class _Part:
    """A part of the member partition: decisions in `fixed` keep their rank, every other
    decision at a rank > 0 stays visible (what reveals it is fixed) and may only move further
    down; `member` is its best."""

    member: Member
    fixed: frozenset[str]


def ranked_members(space: RankingSpace) -> Iterator[Member]:
    """Every member of the space exactly once, best score first (see module docs). Members
    that build one architecture (equal candidates) all come: the first is its best."""
    root = space.member(tuple(0 for _ in space.keys))
    heap: list[tuple[float, int, _Part, int]] = [(-root.log_score, 0, _Part(root, frozenset()), -1)]
    pushed = 1
    while heap:
        _, _, parent, i = heapq.heappop(heap)
        part = parent if i < 0 else _child(space, parent, i)
        member = part.member
        yield member
        for j, key in enumerate(member.visible):
            if key in part.fixed:
                continue
            k = space.index[key]
            rank = member.ranks[k] + 1
            if space.options[k].has(rank):
                ranks = with_rank(member.ranks, k, rank)
                heapq.heappush(heap, (-space.log_score(ranks), pushed, part, j))
                pushed += 1


def _child(space: RankingSpace, parent: _Part, j: int) -> _Part:
    """Part `j` of `parent`: its visible decisions before the j-th fixed, the j-th moved on."""
    member = parent.member
    key = member.visible[j]
    k = space.index[key]
    ranks = with_rank(member.ranks, k, member.ranks[k] + 1)
    return _Part(space.member(ranks), parent.fixed | frozenset(member.visible[:j]))
