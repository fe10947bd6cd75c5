"""Greedy repair inside Murty's partition: the approximate ranking under constraints.

Used only when the exact enumeration (`ranking.ranked_members`, filtered by the constraints)
has not found enough feasible members within its budget. A part of the member partition is
given by decisions kept fixed and ranks ruled out; its member is found by starting from the
best allowed option of every decision and changing one visible decision at a time, always the
change that loses the least log score per unit of violation removed (`constraints.py`), until
every constraint holds. Greedy, so neither the best feasible member of a part nor members in
score order are guaranteed: members come out in the order the parts are opened (best repaired
score first), which is the same for every `k`.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from nasiam_dsl.compile.constraints import ConstraintCheck
from nasiam_dsl.compile.ranking import Member, RankingSpace, with_rank

__all__ = ["MAX_REPAIR_OPTIONS", "Bounds", "repair", "repaired_members"]

MAX_REPAIR_OPTIONS = 256  # options a repair step tries per decision (`pick k of n` has many)
MAX_REPAIR_STEPS = 10_000


@dataclass(frozen=True)
class Bounds:
    """What a part allows: decisions kept at a rank, and ranks ruled out per decision."""

    fixed: Mapping[str, int] = field(default_factory=dict)
    excluded: Mapping[str, frozenset[int]] = field(default_factory=dict)

    def allowed(self, space: RankingSpace, key: str) -> Iterator[int]:
        if key in self.fixed:
            yield self.fixed[key]
            return
        options = space.options[space.index[key]]
        ruled_out = self.excluded.get(key, frozenset())
        rank = 0
        while rank < MAX_REPAIR_OPTIONS and options.has(rank):
            if rank not in ruled_out:
                yield rank
            rank += 1


def repair(space: RankingSpace, check: ConstraintCheck, bounds: Bounds) -> Member | None:
    """A feasible member of the part `bounds`, found greedily; None when the greedy fails."""
    start = []
    for key in space.keys:
        first = next(bounds.allowed(space, key), None)
        if first is None:
            return None
        start.append(first)
    member = space.member(start)
    bad = check.violation(member.decisions)
    for _ in range(MAX_REPAIR_STEPS):
        if bad == 0.0:
            return member
        best: tuple[float, Member, float] | None = None
        for key in member.visible:
            k = space.index[key]
            for rank in bounds.allowed(space, key):
                if rank == member.ranks[k]:
                    continue
                trial = space.member(with_rank(member.ranks, k, rank))
                after = check.violation(trial.decisions)
                if after >= bad:
                    continue
                cost = (member.log_score - trial.log_score) / (bad - after)
                if best is None or cost < best[0]:
                    best = (cost, trial, after)
        if best is None:
            return None
        _, member, bad = best
    return None


def repaired_members(
    space: RankingSpace, check: ConstraintCheck, max_solves: int
) -> Iterator[Member]:
    """Distinct feasible members, each the greedy repair of one part of Murty's partition
    (the parts as in `ranking.py`, with ruled-out ranks kept as sets), at most `max_solves`
    repairs in all."""
    root = repair(space, check, Bounds())
    if root is None:
        return
    solves = 1
    heap: list[tuple[float, int, Member, Bounds]] = [(-root.log_score, 0, root, Bounds())]
    while heap:
        _, _, member, bounds = heapq.heappop(heap)
        yield member
        fixed = dict(bounds.fixed)
        for key in member.visible:
            rank = member.ranks[space.index[key]]
            if key not in bounds.fixed and solves < max_solves:
                ruled_out = bounds.excluded.get(key, frozenset()) | {rank}
                part = Bounds(dict(fixed), {**bounds.excluded, key: ruled_out})
                solved = repair(space, check, part)
                solves += 1
                if solved is not None:
                    heapq.heappush(heap, (-solved.log_score, solves, solved, part))
            fixed[key] = rank
