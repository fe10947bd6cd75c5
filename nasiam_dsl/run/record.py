"""The per-epoch record: what `metrics.jsonl` holds per line, typed.

One `EpochRecord` is built by the loop at the end of each epoch, printed by the terminal UI,
written to `metrics.jsonl` and TensorBoard, observed by the early stoppers, and read back by
`show`. Named fields are the measurements every reader knows; `extra` holds the averaged step
logs (`train/loss`, `heldout/loss`, a framework's own keys). A field left None is not written.
This module imports no torch, so readers of run directories stay light.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: the keys of a metrics line that are named fields, in the order they are written
_LEADING = ("epoch", "step", "seconds")
_TRAILING = (
    "z_std",
    "z_std_normalised",
    "lr",
    "knn",
    "knn_chance",
    "rankme",
    "rankme_images",
    "op_counts",
)


class EpochRecord(BaseModel):
    """One finished epoch of a run (1-based `epoch`, `step` counted over the run)."""

    model_config = ConfigDict(extra="forbid")

    epoch: int
    step: int = 0
    seconds: float = 0.0
    extra: dict[str, float] = Field(default_factory=dict, description="averaged step logs")
    z_std: float | None = Field(None, description="std of the L2-normalised projector output")
    z_std_normalised: float | None = Field(
        None, description="z_std times √d: 1 healthy, 0 collapsed"
    )
    lr: float | None = Field(None, description="the weights' lr at the end of the epoch")
    knn: float | None = Field(None, description="kNN monitor accuracy")
    knn_chance: float | None = Field(None, description="the kNN accuracy of a guess: 1 / classes")
    rankme: float | None = Field(None, description="RankMe of the kNN bank's features")
    rankme_images: float | None = Field(None, description="images in the RankMe bank")
    op_counts: dict[str, dict[str, int]] | None = Field(
        None, description="parameter-free ops per head of the epoch's genotype (search)"
    )

    def get(self, key: str, default: Any = None) -> Any:
        """A named field or an `extra` log by its metrics key (None fields count as absent)."""
        if key in _LEADING or key in _TRAILING:
            value = getattr(self, key)
            return default if value is None else value
        return self.extra.get(key, default)

    def scalars(self) -> dict[str, float]:
        """Every numeric value but `epoch` and `step`, by metrics key (TensorBoard)."""
        line = self.to_line()
        return {
            k: v
            for k, v in line.items()
            if k not in ("epoch", "step")
            and isinstance(v, (int, float))
            and not isinstance(v, bool)
        }

    def observations(self) -> dict[str, Any]:
        """What the early stoppers observe (a run without a projector output reads healthy)."""
        seen: dict[str, Any] = {
            "z_std_normalised": 1.0 if self.z_std_normalised is None else self.z_std_normalised
        }
        if self.op_counts is not None:
            seen["op_counts"] = self.op_counts
        return seen

    def to_line(self) -> dict[str, Any]:
        """The flat JSON object of a `metrics.jsonl` line."""
        line: dict[str, Any] = {key: getattr(self, key) for key in _LEADING}
        line.update(self.extra)
        for key in _TRAILING:
            value = getattr(self, key)
            if value is not None:
                line[key] = value
        return line

    @classmethod
    def from_line(cls, line: dict[str, Any]) -> EpochRecord:
        """A `metrics.jsonl` line read back; unknown numeric keys land in `extra`, op counts
        written per head as one number (`{head: n}`) read as `{head: {"param_free": n}}`."""
        named = {k: line[k] for k in (*_LEADING, *_TRAILING) if k in line}
        counts = named.get("op_counts")
        if isinstance(counts, dict):
            named["op_counts"] = {
                head: value if isinstance(value, dict) else {"param_free": value}
                for head, value in counts.items()
            }
        extra = {
            k: float(v)
            for k, v in line.items()
            if k not in named and isinstance(v, (int, float)) and not isinstance(v, bool)
        }
        return cls(**named, extra=extra)


#: how the terminal names each metric (the progress bar and the epoch line alike)
DISPLAY_NAMES: dict[str, str] = {
    "train/loss": "loss",
    "heldout/loss": "held-out loss",
    "train/z_std_normalised": "z_std·√d",
    "knn": "kNN",
    "rankme": "RankMe",
}
#: the step logs the progress bar shows, and what the epoch line adds
STEP_METRICS = ("train/loss", "heldout/loss", "train/z_std_normalised")
EPOCH_METRICS = (*STEP_METRICS, "knn", "rankme")


def shown(values: dict[str, Any] | EpochRecord, keys: tuple[str, ...]) -> list[str]:
    """`name value` for each of `keys` that `values` holds, named by `DISPLAY_NAMES`."""
    parts = []
    for key in keys:
        value = values.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            parts.append(f"{DISPLAY_NAMES.get(key, key)} {value:.4f}")
    return parts
