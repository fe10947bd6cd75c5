"""Terminal progress for runs: a rich bar per epoch and a live table of the leading
candidate of every choice, one line per finished epoch. Nothing is printed per step when
output is not a terminal. Metrics are named as `record.DISPLAY_NAMES` says, everywhere."""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nasiam_dsl.run.record import EPOCH_METRICS, STEP_METRICS, EpochRecord, shown


def clock(seconds: float) -> str:
    """`h:mm:ss` (or `m:ss` under an hour)."""
    whole = max(round(seconds), 0)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


#: the width of tables printed under a pipe (logs are read in editors, not 80-column terminals)
PIPE_WIDTH = 200


class RunClock:
    """The whole run's ETA from this session's pace (steps and kNN time alike), so a resumed
    run estimates from what it does now."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.first_step = 0

    def begin(self, step: int) -> None:
        if self.started is None:
            self.started, self.first_step = time.monotonic(), step

    def eta(self, step: int, total: int) -> str | None:
        done = step - self.first_step
        if self.started is None or done <= 0:
            return None
        pace = (time.monotonic() - self.started) / done
        return clock(pace * max(total - step, 0))


class RichUI:
    """A bar per epoch (steps, the step metrics, the run's ETA; the kNN monitor as a named
    phase) over the leading candidates; one plain line per finished epoch."""

    def __init__(
        self, console: Console | None = None, quiet: bool = False, *, warn: bool = False
    ) -> None:
        self.console = console or Console()
        self.quiet = quiet
        self.warn = warn  # notes as Python warnings (the API's UI), not printed lines
        self.live: Live | None = None
        self.progress: Progress | None = None
        self.task = None
        self.labels: dict[str, list[str]] = {}
        self.clock = RunClock()

    def leaders(self, run) -> Table:
        table = Table(title="leading candidates", expand=False)
        table.add_column("choice")
        table.add_column("leader")
        table.add_column("p", justify="right")
        probabilities = run.side.probabilities()
        if probabilities and not self.labels:
            from nasiam_dsl.membership.chosen import candidate_names

            self.labels = candidate_names(run.doc)
        for key, probs in probabilities.items():
            i = max(range(len(probs)), key=probs.__getitem__)
            names = self.labels.get(key, [])
            name = names[i] if i < len(names) else str(i)
            table.add_row(key, name if len(name) < 60 else name[:57] + "...", f"{probs[i]:.3f}")
        return table

    def _live_view(self, run) -> Group:
        assert self.progress is not None
        return (
            Group(self.progress, self.leaders(run)) if run.side.probabilities() else self.progress
        )

    def _eta(self, run) -> str:
        eta = self.clock.eta(run.step, run.steps_per_epoch * run.config.epochs)
        return f"run ETA {eta}" if eta is not None else "run ETA …"

    def epoch_start(self, run) -> None:
        self.clock.begin(run.step)
        if self.quiet or not run.dist.is_main or not self.console.is_terminal:
            return  # under a pipe: the epoch lines only
        self.progress = Progress(
            TextColumn(f"epoch {run.epoch + 1}/{run.config.epochs}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[eta]}"),
            console=self.console,
        )
        self.task = self.progress.add_task(
            "steps",
            total=run.steps_per_epoch,
            info="",
            eta=self._eta(run),
            completed=run.streams.train.position,
        )
        self.live = Live(
            self._live_view(run), console=self.console, refresh_per_second=4, transient=True
        )
        self.live.start()

    def step_done(self, run, logs: dict[str, Any]) -> None:
        if self.progress is None:
            return
        info = "  ".join(shown(logs, STEP_METRICS))
        self.progress.update(self.task, advance=1, info=info, eta=self._eta(run))
        if self.live is not None and run.step % 5 == 0:
            self.live.update(self._live_view(run))

    def note(self, text: str) -> None:
        """A plain warning about the run (a stretched lr schedule on resume), printed on
        stderr even when quiet; the API's UI raises it as a Python warning instead."""
        if self.warn:
            warnings.warn(text, UserWarning, stacklevel=2)
            return
        Console(stderr=True).print(
            f"warning: {text}", style="yellow", markup=False, highlight=False, soft_wrap=True
        )

    def phase(self, run, text: str) -> None:
        """A named pause of the steps (the kNN monitor): said on the bar, whose elapsed time
        keeps counting."""
        if self.progress is not None:  # under a pipe the epoch line follows instead
            self.progress.update(self.task, info=text)
            if self.live is not None:
                self.live.refresh()

    def epoch_done(self, run, record: EpochRecord) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
            self.progress = None
        if self.quiet or not run.dist.is_main:
            return
        parts = [f"epoch {record.epoch}/{run.config.epochs}", *shown(record, EPOCH_METRICS)]
        parts.append(f"{record.seconds:.1f}s")
        eta = self.clock.eta(run.step, run.steps_per_epoch * run.config.epochs)
        if eta is not None and record.epoch < run.config.epochs and run.stop_reason is None:
            parts.append(f"run ETA {eta}")
        # one line per epoch, never wrapped: logs under a pipe or a scheduler are grepped
        self.console.print("  ".join(parts), markup=False, highlight=False, soft_wrap=True)


def print_decisions(console: Console, run_dir: Path) -> None:
    """The end-of-search summary: how decided each choice of the run's genotype is, as a
    table and one plain sentence (read back from the run directory)."""
    from nasiam_dsl.show.decisions import decisions_view, run_margins
    from nasiam_dsl.show.rundir import load_run

    found = run_margins(load_run(run_dir))
    if found:
        if console.is_terminal:
            console.print(decisions_view(found))
            return
        width = console.width  # under a pipe, 80 columns would break candidate texts mid-word
        console.width = max(width, PIPE_WIDTH)
        try:
            console.print(decisions_view(found))
        finally:
            console.width = width
