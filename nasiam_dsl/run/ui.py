"""Terminal progress for runs: a rich bar per epoch and a live table of the leading
candidate of every choice. Nothing is printed per step when output is not a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from nasiam_dsl.run.record import EpochRecord


class RichUI:
    def __init__(self, console: Console | None = None, quiet: bool = False) -> None:
        self.console = console or Console()
        self.quiet = quiet
        self.live: Live | None = None
        self.progress: Progress | None = None
        self.task = None
        self.labels: dict[str, list[str]] = {}

    def leaders(self, run) -> Table:
        table = Table(title="leading candidates", expand=False)
        table.add_column("choice")
        table.add_column("leader")
        table.add_column("p", justify="right")
        probabilities = run.side.probabilities()
        if probabilities and not self.labels:
            from nasiam_dsl.show.choices import candidate_names

            self.labels = candidate_names(run.doc)
        for key, probs in probabilities.items():
            i = max(range(len(probs)), key=probs.__getitem__)
            names = self.labels.get(key, [])
            name = names[i] if i < len(names) else str(i)
            table.add_row(key, name if len(name) < 60 else name[:57] + "...", f"{probs[i]:.3f}")
        return table

    def epoch_start(self, run) -> None:
        if self.quiet or not run.dist.is_main:
            return
        self.progress = Progress(
            TextColumn(f"epoch {run.epoch + 1}/{run.config.epochs}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeRemainingColumn(),
            console=self.console,
        )
        self.task = self.progress.add_task(
            "steps", total=run.steps_per_epoch, info="", completed=run.streams.train.position
        )
        self.live = Live(
            Group(self.progress, self.leaders(run)),
            console=self.console,
            refresh_per_second=4,
            transient=True,
        )
        self.live.start()

    def step_done(self, run, logs: dict[str, Any]) -> None:
        if self.progress is None:
            return
        info = " ".join(
            f"{k.split('/')[0][:5]}:{v:.3f}" for k, v in logs.items() if k.endswith("/loss")
        )
        z = logs.get("train/z_std")
        if z is not None:
            info += f" z_std:{z:.3f}"
        self.progress.update(self.task, advance=1, info=info)
        if self.live is not None and run.step % 5 == 0:
            self.live.update(Group(self.progress, self.leaders(run)))

    def epoch_done(self, run, record: EpochRecord) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
            self.progress = None
        if self.quiet or not run.dist.is_main:
            return
        parts = [f"epoch {record.epoch}/{run.config.epochs}"]
        for key in ("train/loss", "heldout/loss", "z_std_normalised", "rankme", "knn"):
            value = record.get(key)
            if value is not None:
                parts.append(f"{key} {value:.4f}")
        parts.append(f"{record.seconds:.1f}s")
        # one line per epoch, never wrapped: logs under a pipe or a scheduler are grepped
        self.console.print("  ".join(parts), markup=False, highlight=False, soft_wrap=True)


def print_decisions(console: Console, run_dir: Path) -> None:
    """The end-of-search summary: how decided each choice of the run's genotype is, as a
    table and one plain sentence (read back from the run directory)."""
    from nasiam_dsl.show.decisions import decisions_view, run_margins
    from nasiam_dsl.show.rundir import load_run

    found = run_margins(load_run(run_dir))
    if found:
        console.print(decisions_view(found))
