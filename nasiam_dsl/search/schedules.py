"""Schedules: hyper-parameters as functions of search progress (a fraction in [0, 1]).

Stateless by design — the engine passes ``progress`` (fraction of the search done), so a
resumed run recomputes the same values without saving anything.

* ``LinearSchedule`` / ``CosineSchedule``: ``start`` → ``end`` between the fractions
  ``begin`` and ``stop`` of the search, constant outside.
* ``AuxSkipSchedule``: DARTS- (Chu et al., ICLR'21) auxiliary-skip coefficient β, decayed
  from ``beta0`` = 1 to 0 over the search, linearly or with a cosine (DARTS- ``--decay``).
* ``WarmupGate``: whether the architecture is still frozen (architecture warm-up; PC-DARTS
  trained weights alone for its first 15 of 50 epochs, a fraction of 0.3).
"""

from __future__ import annotations

import math
from typing import Literal

__all__ = ["AuxSkipSchedule", "CosineSchedule", "LinearSchedule", "WarmupGate"]

#: slack for comparing progress fractions computed as epoch / epochs
_EPS = 1e-12


def _check_progress(progress: float) -> float:
    progress = float(progress)
    if not (0.0 <= progress <= 1.0) or math.isnan(progress):
        raise ValueError(f"progress must lie in [0, 1], got {progress}")
    return progress


def _check_window(begin: float, stop: float) -> None:
    if not 0.0 <= begin < stop <= 1.0:
        raise ValueError(f"need 0 <= begin < stop <= 1, got begin={begin}, stop={stop}")


class LinearSchedule:
    """``start`` until ``begin``, linear to ``end`` at ``stop``, then ``end``."""

    def __init__(self, start: float, end: float, begin: float = 0.0, stop: float = 1.0) -> None:
        _check_window(begin, stop)
        self.start, self.end, self.begin, self.stop = float(start), float(end), begin, stop

    def fraction(self, progress: float) -> float:
        """How far into the [begin, stop] window ``progress`` is, clipped to [0, 1]."""
        progress = _check_progress(progress)
        return min(1.0, max(0.0, (progress - self.begin) / (self.stop - self.begin)))

    def shape(self, t: float) -> float:
        """Fraction of the way from ``start`` to ``end`` at window fraction ``t``."""
        return t

    def value(self, progress: float) -> float:
        return self.start + (self.end - self.start) * self.shape(self.fraction(progress))

    def __call__(self, progress: float) -> float:
        return self.value(progress)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(start={self.start}, end={self.end}, "
            f"begin={self.begin}, stop={self.stop})"
        )


class CosineSchedule(LinearSchedule):
    """Half-cosine from ``start`` to ``end`` over [begin, stop]: flat at both ends."""

    def shape(self, t: float) -> float:
        return (1.0 - math.cos(math.pi * t)) / 2.0


class AuxSkipSchedule:
    """DARTS-: coefficient β of the auxiliary skip connection, ``beta0`` → 0.

    The supernet adds ``β · x`` to each searched layer; β decays so the final network does not
    depend on it. Reference: ``beta0 = 1``, decay over the whole search, ``mode`` "linear"
    (DARTS- default) or "cosine"; ``begin``/``stop`` restrict the decay to part of the search.
    """

    def __init__(
        self,
        beta0: float = 1.0,
        mode: Literal["linear", "cosine"] = "linear",
        begin: float = 0.0,
        stop: float = 1.0,
    ) -> None:
        if mode == "linear":
            self._schedule: LinearSchedule = LinearSchedule(beta0, 0.0, begin, stop)
        elif mode == "cosine":
            self._schedule = CosineSchedule(beta0, 0.0, begin, stop)
        else:
            raise ValueError(f"unknown decay mode {mode!r}; available: cosine, linear")
        self.beta0, self.mode = float(beta0), mode

    def value(self, progress: float) -> float:
        return self._schedule.value(progress)

    def __call__(self, progress: float) -> float:
        return self.value(progress)

    def __repr__(self) -> str:
        return f"AuxSkipSchedule(beta0={self.beta0}, mode={self.mode!r})"


class WarmupGate:
    """Architecture warm-up: alphas are frozen while ``progress < warmup_fraction``.

    ``WarmupGate.from_epochs(15, 50)`` reproduces PC-DARTS (epochs 0-14 frozen). A fraction of
    0 never freezes (the NASiam seed updates alphas from the first step).
    """

    def __init__(self, warmup_fraction: float = 0.0) -> None:
        if not 0.0 <= warmup_fraction <= 1.0:
            raise ValueError(f"warmup_fraction must lie in [0, 1], got {warmup_fraction}")
        self.warmup_fraction = float(warmup_fraction)

    @classmethod
    def from_epochs(cls, warmup_epochs: int, total_epochs: int) -> WarmupGate:
        if total_epochs <= 0 or not 0 <= warmup_epochs <= total_epochs:
            raise ValueError(
                f"need 0 <= warmup_epochs <= total_epochs, total_epochs > 0; "
                f"got {warmup_epochs}, {total_epochs}"
            )
        return cls(warmup_epochs / total_epochs)

    def frozen(self, progress: float) -> bool:
        """True while the architecture must not be updated."""
        return _check_progress(progress) < self.warmup_fraction - _EPS

    def frozen_at_epoch(self, epoch: int, total_epochs: int) -> bool:
        """``frozen`` at the start of 0-based ``epoch`` of ``total_epochs``."""
        if total_epochs <= 0 or not 0 <= epoch <= total_epochs:
            raise ValueError(f"need 0 <= epoch <= total_epochs, got {epoch}, {total_epochs}")
        return self.frozen(epoch / total_epochs)

    def __repr__(self) -> str:
        return f"WarmupGate(warmup_fraction={self.warmup_fraction})"
