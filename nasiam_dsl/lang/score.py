"""The search's score of one member of a space: what derivation and the top-k files rank by.

A member's score is the probability of the most probable full decision vector that builds
it: the product of the probabilities of its visible options (for `pick k of n`, of each
picked candidate) times, for every decision it hides, that decision's largest probability
(its `k` largest for a pick). So a member never gets a hidden factor for free, a score never
exceeds 1, and the member of the per-decision argmax scores highest. Kept as a log, floored
at `LOG_FLOOR` so that a probability of 0 still ranks below every positive one. Plain
numbers in, no tensors: `nasiam compare --search` scores genotypes from a run's record.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["LOG_FLOOR", "best_log", "log_probabilities", "log_score"]

LOG_FLOOR = 1e-30


def log_probabilities(probs: Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    """Each decision's candidates' log probabilities (floored)."""
    return {k: [math.log(max(float(p), LOG_FLOOR)) for p in row] for k, row in probs.items()}


def best_log(row: Sequence[float], pick: int = 1) -> float:
    """The log probability of a decision's best option: its `pick` most probable candidates."""
    return math.fsum(sorted(row, reverse=True)[:pick])


def log_score(
    logp: Mapping[str, Sequence[float]],
    picks: Mapping[str, int],
    decisions: Mapping[str, tuple[int, ...]],
    visible: Iterable[str],
) -> float:
    """The log score of the member `decisions` builds (`visible`: the decisions it shows)."""
    shown = set(visible)
    return math.fsum(
        math.fsum(row[i] for i in decisions[key]) if key in shown else best_log(row, picks[key])
        for key, row in logp.items()
    )
