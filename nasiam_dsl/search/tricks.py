"""Forward tricks: engine parts that change how an op choice runs during the search.

Each part has the hooks of samplers and regularisers: `set_progress(progress)` with the
fraction of the search done, and `state_dict` / `load_state_dict` for resume. `FeatureTricks`
combines the parts of a run into the one object the supernet's mixed ops read
(`ArchParameters.hooks`, the `OpHooks` protocol of `compile/arch.py`):

* ``aux_skip`` — DARTS- (Chu et al., ICLR'21): each op choice whose input and output widths
  match adds ``beta * input``; beta decays from ``beta0`` to 0 over the search
  (`AuxSkipSchedule`, linear by default).
* ``partial`` — PC-DARTS (Xu et al., ICLR'20) on features: 1/K of the features go through an
  eligible op choice, the rest bypass it, then a fixed feature shuffle.

Registry: ``get_trick(name, **options)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from nasiam_dsl.search.parts import PartRegistry
from nasiam_dsl.search.schedules import AuxSkipSchedule

__all__ = [
    "AuxSkip",
    "FeatureTricks",
    "ForwardTrick",
    "PartialFeatures",
    "available_tricks",
    "get_trick",
]


class ForwardTrick:
    """Base: contributes nothing (skip weight 0, every feature searched) until overridden."""

    def __init__(self) -> None:
        self.progress = 0.0

    @property
    def skip_weight(self) -> float:
        """The auxiliary skip's weight beta at the current progress (0: no skip)."""
        return 0.0

    @property
    def partial_k(self) -> int:
        """1/K of the features are searched (1: all of them)."""
        return 1

    def set_progress(self, progress: float) -> None:
        self.progress = float(progress)

    def state_dict(self) -> dict[str, Any]:
        return {"progress": self.progress}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.set_progress(state["progress"])


class AuxSkip(ForwardTrick):
    """DARTS- auxiliary skip: beta decays from ``beta0`` to 0 over the search."""

    def __init__(self, beta0: float = 1.0, mode: Literal["linear", "cosine"] = "linear") -> None:
        super().__init__()
        if beta0 < 0:
            raise ValueError(f"beta0 must be non-negative, got {beta0}")
        self.schedule = AuxSkipSchedule(beta0, mode)

    @property
    def skip_weight(self) -> float:
        return self.schedule(min(1.0, max(0.0, self.progress)))

    def __repr__(self) -> str:
        return f"AuxSkip({self.schedule!r}, beta={self.skip_weight:.4g})"


class PartialFeatures(ForwardTrick):
    """PC-DARTS partial features: 1/``k`` of an eligible op choice's input is searched."""

    def __init__(self, k: int = 2) -> None:
        super().__init__()
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self.k = int(k)

    @property
    def partial_k(self) -> int:
        return self.k

    def __repr__(self) -> str:
        return f"PartialFeatures(k={self.k})"


class FeatureTricks:
    """The forward tricks of a run, as the one `OpHooks` object the mixed ops read."""

    def __init__(self, parts: Sequence[ForwardTrick] = ()) -> None:
        self.parts = list(parts)

    @property
    def skip_weight(self) -> float:
        return sum(p.skip_weight for p in self.parts)

    @property
    def partial_k(self) -> int:
        return max((p.partial_k for p in self.parts), default=1)

    def set_progress(self, progress: float) -> None:
        for part in self.parts:
            part.set_progress(progress)

    def state_dict(self) -> dict[str, Any]:
        return {"parts": [p.state_dict() for p in self.parts]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for part, saved in zip(self.parts, state["parts"], strict=True):
            part.load_state_dict(saved)

    def __repr__(self) -> str:
        return f"FeatureTricks({', '.join(map(repr, self.parts))})"


_PARTS: PartRegistry[ForwardTrick] = PartRegistry(
    "forward trick", {"aux_skip": AuxSkip, "partial": PartialFeatures}
)


def available_tricks() -> list[str]:
    """Registered forward trick names, sorted."""
    return _PARTS.names()


def get_trick(name: str, **options: Any) -> ForwardTrick:
    """Build the forward trick registered as ``name`` with ``options``."""
    return _PARTS.build(name, **options)
