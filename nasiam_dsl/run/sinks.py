"""Where an epoch's record goes: `metrics.jsonl`, TensorBoard (optional) and the terminal UI."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from nasiam_dsl.files import append_jsonl
from nasiam_dsl.run.record import EpochRecord
from nasiam_dsl.usage import UsageProblem

METRICS = "metrics.jsonl"


class RunUI(Protocol):
    """What the loop tells a user interface (`ui.RichUI`)."""

    def epoch_start(self, run: Any) -> None: ...

    def step_done(self, run: Any, logs: dict[str, float]) -> None: ...

    def epoch_done(self, run: Any, record: EpochRecord) -> None: ...


def open_tensorboard(run_dir: Path) -> Any:
    """A SummaryWriter in run_dir/tensorboard; the `tensorboard` extra must be installed."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise UsageProblem(
            "--tensorboard needs the tensorboard package", "pip install 'nasiam[tensorboard]'"
        ) from None
    return SummaryWriter(str(run_dir / "tensorboard"))


def log_tensorboard(
    writer: Any, record: EpochRecord, probabilities: dict[str, list[float]]
) -> None:
    """Scalars of an epoch record, and each choice's probabilities as one chart per choice."""
    for key, value in record.scalars().items():
        writer.add_scalar(key, value, record.epoch)
    for key, probs in probabilities.items():
        writer.add_scalars(f"arch/{key}", {str(i): p for i, p in enumerate(probs)}, record.epoch)
    writer.flush()


class Sinks:
    """The record's destinations; only rank 0 writes files."""

    def __init__(self, run_dir: Path, is_main: bool, ui: RunUI, tensorboard: Any | None) -> None:
        self.run_dir, self.is_main, self.ui, self.tensorboard = run_dir, is_main, ui, tensorboard

    def epoch_done(
        self, run: Any, record: EpochRecord, probabilities: dict[str, list[float]]
    ) -> None:
        if self.is_main:
            append_jsonl(self.run_dir / METRICS, record.to_line())
        if self.tensorboard is not None:
            log_tensorboard(self.tensorboard, record, probabilities)
        self.ui.epoch_done(run, record)
