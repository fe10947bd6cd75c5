"""Early stoppers: end the search when the architecture degenerates or stops moving.

The engine calls ``stopper.update(epoch, **observations)`` once per finished epoch (0-based,
strictly increasing) with everything it observed; each stopper reads the observations it
needs, ignores the others, and returns a ``StopDecision`` (with a human-readable reason) or
``None``. No stopper decides before epoch ``min_epochs``. ``state_dict`` /
``load_state_dict`` carry the streak counters across a resume.

* ``OpCountStopper`` — DARTS+ (Liang et al., 2019) / confopt ``SkipConnectionEarlyStopper``:
  stop once a head's derived genotype holds more than the allowed number of some ops
  (observation ``op_counts``: head → op name → count).
* ``CollapseStopper`` — SSL collapse: stop when ``z_std_normalised`` (std of the
  L2-normalised projector output × √d; ≈ 1 healthy, 0 collapsed) stays below ``threshold``
  for ``patience`` consecutive epochs.
* ``RankingStableStopper`` — DARTS+'s second rule: stop when every choice's leading
  candidate (observation ``leaders``: choice key → argmax index) has not changed for
  ``patience`` epochs (10 in DARTS+).

Registry: ``get_stopper(name, **options)`` with ``op_count``, ``collapse``, ``ranking_stable``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nasiam_dsl.search.parts import PartRegistry

__all__ = [
    "CollapseStopper",
    "EarlyStopper",
    "OpCountStopper",
    "RankingStableStopper",
    "StopDecision",
    "available_stoppers",
    "get_stopper",
]


@dataclass(frozen=True)
class StopDecision:
    """Why the search should stop, and at which epoch."""

    stopper: str
    epoch: int
    reason: str

    def __str__(self) -> str:
        return f"epoch {self.epoch}: {self.stopper}: {self.reason}"


class EarlyStopper:
    """Base: epoch bookkeeping, the ``min_epochs`` guard and state handling."""

    def __init__(self, min_epochs: int = 0) -> None:
        if min_epochs < 0:
            raise ValueError(f"min_epochs must be non-negative, got {min_epochs}")
        self.min_epochs = int(min_epochs)
        self.last_epoch: int | None = None

    def update(self, epoch: int, **observations: Any) -> StopDecision | None:
        """Record the observations of finished ``epoch``; a decision if the search must stop."""
        if self.last_epoch is not None and epoch <= self.last_epoch:
            raise ValueError(f"epochs must increase: got {epoch} after {self.last_epoch}")
        self.last_epoch = int(epoch)
        reason = self._observe(epoch, observations)
        if reason is None or epoch < self.min_epochs:
            return None
        return StopDecision(type(self).__name__, int(epoch), reason)

    def _observe(self, epoch: int, observations: Mapping[str, Any]) -> str | None:
        """Update internal state; return the reason to stop, if any."""
        raise NotImplementedError

    @staticmethod
    def _require(observations: Mapping[str, Any], name: str, owner: str) -> Any:
        if name not in observations:
            raise ValueError(f"{owner} needs the observation {name!r}")
        return observations[name]

    def state_dict(self) -> dict[str, Any]:
        return {"last_epoch": self.last_epoch}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.last_epoch = state["last_epoch"]


class OpCountStopper(EarlyStopper):
    """Stop when some head's derived genotype exceeds an op-count cap (DARTS+).

    ``max_counts`` maps an op name, or several joined by ``+`` (counted together), to the
    largest count allowed in any one head, e.g. ``{"identity+avgpool_3x3+maxpool_3x3": 2}``;
    the search stops when a count is strictly above its cap. DARTS+ stops at two skip
    connections in a normal cell (cap 1); P-DARTS keeps at most two (cap 2). ``min_epochs``
    defaults to 10 because at initialisation all logits tie and the derived genotype is an
    artefact of candidate order.
    """

    def __init__(self, max_counts: Mapping[str, int], min_epochs: int = 10) -> None:
        super().__init__(min_epochs)
        if not max_counts:
            raise ValueError("max_counts is empty: nothing to watch")
        self.max_counts = {str(k): int(v) for k, v in max_counts.items()}
        self.groups = {key: tuple(key.split("+")) for key in self.max_counts}

    def _observe(self, epoch: int, observations: Mapping[str, Any]) -> str | None:
        op_counts: Mapping[str, Mapping[str, int]] = self._require(
            observations, "op_counts", "OpCountStopper"
        )
        breaches = []
        for head in sorted(op_counts):
            counts = op_counts[head]
            for key, cap in self.max_counts.items():
                count = sum(int(counts.get(op, 0)) for op in self.groups[key])
                if count > cap:
                    breaches.append(f"head {head!r} has {count} × {key} (cap {cap})")
        return "; ".join(breaches) if breaches else None


class CollapseStopper(EarlyStopper):
    """Stop on SSL representation collapse.

    Observation ``z_std_normalised``: std over the batch of the L2-normalised projector output,
    averaged over dimensions, times √d (lightly ``std_of_l2_normalized``, solo-learn
    ``train_z_std``, rescaled so a healthy head reads ≈ 1 and a collapsed one 0). Stops once it
    has been below ``threshold`` (default 0.1: near-total collapse) for ``patience`` (default 3)
    consecutive epochs; a NaN reading counts as collapsed.
    """

    def __init__(self, threshold: float = 0.1, patience: int = 3, min_epochs: int = 0) -> None:
        super().__init__(min_epochs)
        if patience < 1:
            raise ValueError(f"patience must be at least 1, got {patience}")
        self.threshold = float(threshold)
        self.patience = int(patience)
        self.streak = 0

    def _observe(self, epoch: int, observations: Mapping[str, Any]) -> str | None:
        value = float(self._require(observations, "z_std_normalised", "CollapseStopper"))
        collapsed = math.isnan(value) or value < self.threshold
        self.streak = self.streak + 1 if collapsed else 0
        if self.streak < self.patience:
            return None
        return (
            f"z_std_normalised {value:.4g} below {self.threshold:g} for {self.streak} "
            f"consecutive epochs (representation collapse)"
        )

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "streak": self.streak}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.streak = int(state["streak"])


class RankingStableStopper(EarlyStopper):
    """Stop when no choice's leading candidate has changed for ``patience`` epochs (DARTS+).

    Observation ``leaders``: choice key → index of its current argmax candidate. The streak
    counts epochs whose leaders equal the previous epoch's; default ``patience`` 10 as in
    DARTS+.
    """

    def __init__(self, patience: int = 10, min_epochs: int = 0) -> None:
        super().__init__(min_epochs)
        if patience < 1:
            raise ValueError(f"patience must be at least 1, got {patience}")
        self.patience = int(patience)
        self.streak = 0
        self.previous: dict[str, int] | None = None

    def _observe(self, epoch: int, observations: Mapping[str, Any]) -> str | None:
        observed = self._require(observations, "leaders", "RankingStableStopper")
        leaders = {str(k): int(v) for k, v in observed.items()}
        self.streak = self.streak + 1 if leaders == self.previous else 0
        self.previous = leaders
        if self.streak < self.patience:
            return None
        return (
            f"leading candidates of all {len(leaders)} choices unchanged for {self.streak} epochs"
        )

    def state_dict(self) -> dict[str, Any]:
        previous = None if self.previous is None else dict(self.previous)
        return {**super().state_dict(), "streak": self.streak, "previous": previous}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.streak = int(state["streak"])
        previous = state["previous"]
        self.previous = None if previous is None else {str(k): int(v) for k, v in previous.items()}


_PARTS: PartRegistry[EarlyStopper] = PartRegistry(
    "stopper",
    {
        "op_count": OpCountStopper,
        "collapse": CollapseStopper,
        "ranking_stable": RankingStableStopper,
    },
)


def available_stoppers() -> list[str]:
    """Registered stopper names, sorted."""
    return _PARTS.names()


def get_stopper(name: str, **options: Any) -> EarlyStopper:
    """Build the early stopper registered as ``name`` with ``options``."""
    return _PARTS.build(name, **options)
