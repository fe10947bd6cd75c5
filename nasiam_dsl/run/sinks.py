"""Where an epoch's record goes: `metrics.jsonl` and `metrics.csv`, TensorBoard and W&B
(optional) and the terminal UI."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from nasiam_dsl.files import append_jsonl, atomic_write_text
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.run.record import EpochRecord
from nasiam_dsl.usage import UsageProblem


class RunUI(Protocol):
    """What the loop tells a user interface (`ui.RichUI`)."""

    def epoch_start(self, run: Any) -> None: ...

    def step_done(self, run: Any, logs: dict[str, float]) -> None: ...

    def phase(self, run: Any, text: str) -> None:
        """A named pause of the steps (the kNN monitor); optional for a user's UI."""

    def epoch_done(self, run: Any, record: EpochRecord) -> None: ...

    def note(self, text: str) -> None:
        """A plain warning about the run; optional for a user's UI."""


def require_tensorboard() -> None:
    """Refuse `--tensorboard` before anything is written when the package is missing."""
    try:
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401
    except ImportError:
        raise UsageProblem(
            "--tensorboard needs the tensorboard package", "pip install 'nasiam[tensorboard]'"
        ) from None


def open_tensorboard(run_dir: Path) -> Any:
    """A SummaryWriter in run_dir/tensorboard; the `tensorboard` extra must be installed."""
    require_tensorboard()
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(str(run_dir / "tensorboard"))


def require_wandb() -> Any:
    """The `wandb` module, or a message with the install hint (before any run directory)."""
    try:
        import wandb
    except ImportError:
        raise UsageProblem(
            "--wandb needs the wandb package",
            "pip install wandb (WANDB_MODE=offline logs without network; `wandb sync` uploads)",
        ) from None
    return wandb


class WandbSink:
    """An epoch's record and the choices' probabilities in a W&B run, opened on the first
    record. The W&B run is named after the run directory and keeps one id per directory, so
    a resumed run continues its W&B run; `WANDB_MODE` (offline, disabled) is left to wandb."""

    def __init__(self, run_dir: Path, project: str | None) -> None:
        self.run_dir, self.project = run_dir, project or "nasiam"
        self.handle: Any = None

    def open(self, config: Any) -> Any:
        import hashlib

        wandb = require_wandb()
        run_id = hashlib.sha1(str(self.run_dir.resolve()).encode()).hexdigest()[:16]
        return wandb.init(
            project=self.project,
            name=self.run_dir.name,
            id=run_id,
            resume="allow",
            dir=str(self.run_dir),
            config=config.model_dump(mode="json"),
        )

    def log(self, run: Any, record: EpochRecord, probabilities: dict[str, list[float]]) -> None:
        if self.handle is None:
            self.handle = self.open(run.config)
        values: dict[str, float] = dict(record.scalars())
        for key, probs in probabilities.items():
            values.update({f"arch/{key}/{i}": p for i, p in enumerate(probs)})
        self.handle.log(values, step=record.epoch)
        if record.epoch >= run.config.epochs or run.stop_reason is not None:
            self.close()

    def close(self) -> None:
        if self.handle is not None:
            self.handle.finish()
            self.handle = None


def write_csv(run_dir: Path, lines: list[dict[str, Any]]) -> None:
    """`metrics.csv`: every metrics line, one column per key seen (rewritten each epoch, so a
    key that appears late, like the final kNN, gets its column)."""
    import csv
    import io

    columns: list[str] = []
    for line in lines:
        columns += [k for k, v in line.items() if k not in columns and not isinstance(v, dict)]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(lines)
    atomic_write_text(RunFiles(run_dir).metrics_csv, buffer.getvalue())


def log_tensorboard(
    writer: Any, record: EpochRecord, probabilities: dict[str, list[float]]
) -> None:
    """Scalars of an epoch record, and each choice's probabilities as one chart per choice."""
    for key, value in record.scalars().items():
        writer.add_scalar(key, value, record.epoch)
    for key, probs in probabilities.items():
        writer.add_scalars(f"arch/{key}", {str(i): p for i, p in enumerate(probs)}, record.epoch)
    writer.flush()


def read_records(path: Path) -> list[EpochRecord]:
    """The records of a `metrics.jsonl` (a resumed run's earlier epochs; none when absent)."""
    import json

    if not path.is_file():
        return []
    lines = [line for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [EpochRecord.from_line(json.loads(line)) for line in lines]


class Sinks:
    """The record's destinations; only rank 0 writes files."""

    def __init__(self, run_dir: Path, is_main: bool, ui: RunUI, tensorboard: Any | None) -> None:
        self.run_dir, self.is_main, self.ui, self.tensorboard = run_dir, is_main, ui, tensorboard
        self.lines = (
            [r.to_line() for r in read_records(RunFiles(run_dir).metrics)] if is_main else []
        )
        self.wandb: WandbSink | None = None

    def epoch_done(
        self, run: Any, record: EpochRecord, probabilities: dict[str, list[float]]
    ) -> None:
        if self.is_main:
            append_jsonl(RunFiles(self.run_dir).metrics, record.to_line())
            self.lines.append(record.to_line())
            write_csv(self.run_dir, self.lines)
        if self.tensorboard is not None:
            log_tensorboard(self.tensorboard, record, probabilities)
        if self.is_main and run.config.wandb:
            if self.wandb is None:
                self.wandb = WandbSink(self.run_dir, run.config.wandb_project)
            self.wandb.log(run, record, probabilities)
        self.ui.epoch_done(run, record)
