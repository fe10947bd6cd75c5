"""What a run tells its user: one name per metric on the bar and the epoch line, the kNN
monitor as a visible phase counted in the epoch's time, a whole-run ETA, and W&B."""

from __future__ import annotations

import io
import sys
import time
import types
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from nasiam_dsl.cli import main
from nasiam_dsl.run.record import DISPLAY_NAMES, EPOCH_METRICS, STEP_METRICS, EpochRecord, shown
from nasiam_dsl.run.resolve import config_toml
from nasiam_dsl.run.runner import start
from nasiam_dsl.ui import RichUI, RunClock, clock


class PhaseUI:
    def __init__(self) -> None:
        self.phases: list[str] = []
        self.records: list[EpochRecord] = []

    def epoch_start(self, run): ...
    def step_done(self, run, logs): ...

    def phase(self, run, text):
        self.phases.append(text)

    def epoch_done(self, run, record):
        self.records.append(record)


def test_the_knn_monitor_is_a_named_phase_counted_in_the_epoch(tiny_config, monkeypatch):
    from nasiam_dsl.evaluate import KnnMonitor

    read = KnnMonitor.read

    def slow_read(self, *args, **kwargs):
        time.sleep(0.5)
        return read(self, *args, **kwargs)

    monkeypatch.setattr(KnnMonitor, "read", slow_read)
    ui = PhaseUI()
    start(tiny_config(name="phase", epochs=1), ui)
    assert ui.phases == ["kNN monitor (k=20) …"]
    assert ui.records[0].knn is not None and ui.records[0].seconds >= 0.5


def test_bar_and_epoch_line_name_each_metric_alike() -> None:
    logs = {"train/loss": -0.5, "heldout/loss": -0.4, "train/z_std_normalised": 0.96}
    record = EpochRecord(epoch=1, step=3, extra=logs, knn=0.5, rankme=12.0)
    assert shown(logs, STEP_METRICS) == shown(record, STEP_METRICS)
    assert shown(record, EPOCH_METRICS) == [
        "loss -0.5000", "held-out loss -0.4000", "z_std·√d 0.9600", "kNN 0.5000", "RankMe 12.0000"
    ]  # fmt: skip
    assert set(EPOCH_METRICS) <= set(DISPLAY_NAMES)


def test_run_eta_from_this_sessions_pace(monkeypatch) -> None:
    now = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    run_clock = RunClock()
    run_clock.begin(step=10)  # a resumed run: 10 steps were done before
    assert run_clock.eta(10, 100) is None
    now[0] = 120.0
    assert run_clock.eta(20, 100) == "2:40"  # 2 s a step, 80 steps left
    assert clock(3725) == "1:02:05"


def test_epoch_lines_under_a_pipe_one_each_with_the_eta(tiny_config) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=40, force_terminal=False)
    start(tiny_config(name="piped", epochs=2), RichUI(console))
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 2, lines  # no bar, no wrapping at 40 columns
    assert lines[0].startswith("epoch 1/2  loss ") and "run ETA " in lines[0]
    assert "kNN " in lines[1] and "run ETA" not in lines[1]


def _tiny_toml(tiny_config, tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(config_toml(tiny_config(epochs=1)))
    return path


def test_wandb_gets_every_epoch_and_finishes(tiny_config, tmp_path, monkeypatch) -> None:
    calls: list[tuple] = []

    class FakeRun:
        def log(self, values, step):
            calls.append(("log", step, dict(values)))

        def finish(self):
            calls.append(("finish",))

    def init(**kwargs):
        calls.append(("init", kwargs))
        return FakeRun()

    monkeypatch.setitem(sys.modules, "wandb", types.SimpleNamespace(init=init))
    config = _tiny_toml(tiny_config, tmp_path)
    result = CliRunner().invoke(
        main, ["search", "--config", str(config), "--wandb", "--wandb-project", "heads"]
    )
    assert result.exit_code == 0, result.output
    (kind, kwargs), (_, step, values), finish = calls
    assert kind == "init" and kwargs["project"] == "heads" and kwargs["resume"] == "allow"
    assert kwargs["config"]["wandb"] is True and Path(kwargs["dir"]).is_dir()
    assert step == 1 and "train/loss" in values and "knn" in values
    assert any(k.startswith("arch/projector.h.op/") for k in values)
    assert finish == ("finish",)


def test_wandb_missing_is_refused_before_a_run_directory(tiny_config, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "wandb", None)  # `import wandb` raises ImportError
    config = _tiny_toml(tiny_config, tmp_path)
    result = CliRunner().invoke(main, ["search", "--config", str(config), "--wandb"])
    assert result.exit_code == 2
    assert (
        "--wandb needs the wandb package" in result.output and "pip install wandb" in result.output
    )
    assert not (tmp_path / "runs").exists()
