"""Faults that lose nothing: kills, signals, non-finite losses, full disks, bad checkpoints.

Each fault is injected for real where it can be (SIGKILL and SIGTERM to a subprocess, the
`nasiam` CLI in a subprocess) and by monkeypatching where it cannot (ENOSPC).
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import torch

from nasiam_dsl import files
from nasiam_dsl.lang import parse_file
from nasiam_dsl.run import checkpoint
from nasiam_dsl.run.checkpoint import (
    append_jsonl,
    atomic_write_text,
    load_checkpoint,
    save_checkpoint,
)
from nasiam_dsl.usage import UsageProblem
from tests.conftest import TINY_SPACE

ROOT = Path(__file__).resolve().parents[2]
FORMAT = "nasiam-checkpoint-1"

TINY_TOML = """\
backbone = "small_cnn"
epochs = {epochs}
batch_size = 32
steps_per_epoch = {steps}
deterministic = true
device = "cpu"
knn_k = 20
out = "{out}"

[backbone_options]
width = 4

[data]
dataset = "embedded"
limit = {limit}

[engine]
arch_lr = 0.05

[search]
top_k = 2
"""


def tiny_files(tmp_path: Path, epochs: int = 2, steps: int = 3, limit: int = 256):
    """The tiny search of tests/run/conftest.py as a space file and a --config TOML."""
    space = tmp_path / "tiny.nas"
    space.write_text(TINY_SPACE)
    config = tmp_path / "tiny.toml"
    out = (tmp_path / "runs").as_posix()
    config.write_text(TINY_TOML.format(epochs=epochs, steps=steps, limit=limit, out=out))
    return space, config


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NASIAM_DEBUG"}
    env["PYTHONPATH"] = str(ROOT)
    return env


def nasiam(*args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nasiam_dsl.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=cli_env(),
    )


def assert_clean_failure(done: subprocess.CompletedProcess, code: int = 2) -> None:
    both = done.stdout + done.stderr
    assert done.returncode == code, both
    assert "Traceback" not in both, both
    assert "internal error" not in both, both


def state(tag: str, n: int = 1000, fill: float = 0.0) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "config": "{}",
        "epoch": 0,
        "step": 0,
        "tag": tag,
        "model": {"w": torch.full((n,), fill)},
    }


# ---- kill -9 during a checkpoint write -----------------------------------------------------

SLOW_WRITER = textwrap.dedent("""
    import sys, time, torch
    from pathlib import Path
    from nasiam_dsl.run import checkpoint as ck

    path = Path(sys.argv[1])
    def state(tag, n, fill):
        return {"format": "nasiam-checkpoint-1", "config": "{}", "epoch": 0, "step": 0,
                "tag": tag, "model": {"w": torch.full((n,), fill)}}

    ck.save_checkpoint(path, state("A", 1000, 1.0))
    print("A saved", flush=True)

    class Slow:  # the real file, written 64 KiB at a time with a pause between chunks
        def __init__(self, f): self.f = f
        def __enter__(self): return self
        def __exit__(self, *exc): return self.f.__exit__(*exc)
        def __getattr__(self, name): return getattr(self.f, name)
        def write(self, data):
            for i in range(0, len(data), 1 << 16):
                self.f.write(data[i:i + (1 << 16)])
                self.f.flush()
                if i == 0:
                    print("B writing", flush=True)
                time.sleep(0.01)
            return len(data)

    import nasiam_dsl.files as fl
    fl.open = lambda p, mode: Slow(open(p, mode))  # a module global shadows the builtin
    ck.save_checkpoint(path, state("B", 4_000_000, 2.0))  # 16 MB: about 2.5 s of writing
    print("B saved", flush=True)
""")

SAVE_LOOP = textwrap.dedent("""
    import sys, torch
    from pathlib import Path
    from nasiam_dsl.run import checkpoint as ck

    path = Path(sys.argv[1])
    for i in range(10_000):
        ck.save_checkpoint(path, {"format": "nasiam-checkpoint-1", "config": "{}", "epoch": i,
                                  "step": i, "model": {"w": torch.full((2_000_000,), float(i))}})
        print(f"saved {i}", flush=True)
""")


def _child(script: str, path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
        cwd=path.parent,
    )


def _strays(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p.name != checkpoint.CHECKPOINT]


def test_kill_9_during_a_checkpoint_write_keeps_the_previous_checkpoint(tmp_path: Path):
    path = tmp_path / checkpoint.CHECKPOINT
    child = _child(SLOW_WRITER, path)
    try:
        assert child.stdout.readline().strip() == "A saved"
        assert child.stdout.readline().strip() == "B writing"
        time.sleep(random.uniform(0.0, 0.2))  # somewhere inside the 2.5 s write
        child.kill()
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    loaded = load_checkpoint(path)
    assert loaded["tag"] == "A" and torch.equal(loaded["model"]["w"], torch.full((1000,), 1.0))
    # the half-written B is a temp file of another name; nothing reads it as the checkpoint
    strays = _strays(tmp_path)
    assert [p.name.startswith(f".{checkpoint.CHECKPOINT}.tmp-") for p in strays] == [True]
    assert 0 < strays[0].stat().st_size < 16_000_000
    with pytest.raises(UsageProblem, match="cannot load checkpoint"):
        load_checkpoint(strays[0])
    save_checkpoint(path, state("C"))  # and the next save goes through
    assert load_checkpoint(path)["tag"] == "C"


def test_kill_9_at_random_moments_while_saving_leaves_a_whole_checkpoint(tmp_path: Path):
    rng = random.Random(0)
    paths = []
    for round_ in range(3):
        directory = tmp_path / f"round{round_}"
        directory.mkdir()
        paths.append(directory / checkpoint.CHECKPOINT)
    children = [_child(SAVE_LOOP, path) for path in paths]  # side by side: one startup
    try:
        for child in children:
            assert child.stdout.readline().strip() == "saved 0"
        for child in children:
            time.sleep(rng.uniform(0.0, 0.4))
            child.kill()
        outs = [child.communicate(timeout=30)[0] for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    for path, out in zip(paths, outs, strict=True):
        last = max(int(x.split()[1]) for x in ["saved 0", *out.splitlines()] if "saved" in x)
        loaded = load_checkpoint(path)
        i = loaded["step"]
        assert i in (last, last + 1)  # the last save announced, or one done but not announced
        assert torch.equal(loaded["model"]["w"], torch.full((2_000_000,), float(i)))


# ---- SIGTERM mid-epoch, then --resume --------------------------------------------------------


def test_sigterm_mid_epoch_leaves_a_checkpoint_and_a_genotype_then_resume_completes(
    tmp_path: Path,
):
    steps, epochs = 3, 3
    space, config = tiny_files(tmp_path, epochs=epochs, steps=steps)
    run_dir = tmp_path / "runs" / "sig"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nasiam_dsl.cli",
            "search",
            str(space),
            "--config",
            str(config),
            "--name",
            "sig",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=cli_env(),
    )
    try:
        metrics = run_dir / "metrics.jsonl"
        deadline = time.monotonic() + 150
        while not (metrics.exists() and metrics.read_text().strip()):  # epoch 1 is done
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the search never finished its first epoch"
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)  # now in epoch 2 (epoch 3 follows: never too late)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, out + err
    assert "Traceback" not in out + err
    assert "stopped by SIGTERM" in err and "checkpoint and genotype saved" in err
    saved = load_checkpoint(run_dir / "checkpoint.pt")
    assert saved["interrupted"] is True
    assert steps < saved["step"] < epochs * steps, saved["step"]
    genotype = parse_file(run_dir / "genotype.nas")
    assert genotype.kind == "genotype"
    assert genotype.meta.get("steps") == saved["step"]

    done = nasiam("search", str(space), "--resume", str(run_dir), "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    final = load_checkpoint(run_dir / "checkpoint.pt")
    assert final["interrupted"] is False and final["step"] == epochs * steps
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["steps"] == epochs * steps and summary["epochs"] == epochs
    logged = [json.loads(x)["epoch"] for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert logged == [1, 2, 3]
    assert parse_file(run_dir / "genotype.nas").meta.get("steps") == epochs * steps


# ---- a non-finite loss through the CLI -------------------------------------------------------


@pytest.fixture(scope="module")
def nan_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """lr 1e30 (with weight decay) makes the weights overflow after the first step: step 1 is
    finite (its loss is taken before any update), so epoch 1 (one step) checkpoints, then
    step 2's loss is NaN. The kNN monitor reads at the end only (it would see the diverged
    features after epoch 1: the next test)."""
    tmp_path = tmp_path_factory.mktemp("nan")
    space, config = tiny_files(tmp_path, epochs=3, steps=1)
    done = nasiam(
        "search",
        str(space),
        "--config",
        str(config),
        "--name",
        "nan",
        "--lr",
        "1e30",
        "--knn-every",
        "0",
        "--quiet",
        cwd=tmp_path,
    )
    return done, tmp_path / "runs" / "nan"


def test_features_that_diverge_before_the_loss_stop_the_run_at_the_monitor(tmp_path):
    space, config = tiny_files(tmp_path, epochs=3, steps=1)
    done = nasiam(
        "search", str(space), "--config", str(config), "--name", "nan", "--lr", "1e30",
        "--knn-every", "1", "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert_clean_failure(done)
    assert "error: the backbone's features are not finite" in done.stderr
    assert "after epoch 1" in done.stderr and "at step 1" in done.stderr
    assert "lower the learning rate" in done.stderr
    # the weights of epoch 1 are the diverged ones: no checkpoint claims to be good
    assert not (tmp_path / "runs" / "nan" / "checkpoint.pt").exists()
    assert "No checkpoint was written" in done.stderr


def test_a_non_finite_loss_exits_2_with_a_message_and_keeps_the_last_good_checkpoint(nan_run):
    done, run_dir = nan_run
    assert_clean_failure(done)
    assert "error: the loss is not finite" in done.stderr
    assert "at step 2" in done.stderr and str(run_dir) in done.stderr
    assert "lower the learning rate" in done.stderr
    saved = load_checkpoint(run_dir / "checkpoint.pt")
    assert (saved["epoch"], saved["step"], saved["interrupted"]) == (1, 1, False)
    assert all(torch.isfinite(v).all() for v in saved["model"].values() if v.is_floating_point())
    assert (run_dir / "genotype.nas").is_file()


def test_the_genotype_written_after_a_non_finite_loss_is_the_last_good_one(nan_run):
    _, run_dir = nan_run
    saved = load_checkpoint(run_dir / "checkpoint.pt")
    genotype = parse_file(run_dir / "genotype.nas")
    assert genotype.meta.get("steps") == saved["step"]


class QuietUI:
    def epoch_start(self, run): ...
    def step_done(self, run, logs): ...
    def epoch_done(self, run, record): ...


def test_a_non_finite_loss_before_any_checkpoint_claims_none(tiny_config):
    from nasiam_dsl.run.runner import start

    config = tiny_config(name="early", epochs=1, optim={"lr": 1e30})
    with pytest.raises(UsageProblem, match="the loss is not finite") as info:
        start(config, QuietUI())
    assert not (Path(config.out) / "early" / "checkpoint.pt").exists()
    assert "last good checkpoint" not in str(info.value)


# ---- a full disk -------------------------------------------------------------------------------


class _OsWith:
    """`os` with some functions replaced, for the `nasiam_dsl.files` module only."""

    def __init__(self, **replaced):
        self._replaced = replaced

    def __getattr__(self, name):
        return self._replaced.get(name) or getattr(os, name)


def enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _FullFile:
    """A file that takes some bytes, then reports a full disk."""

    def __init__(self, f, room: int):
        self.f, self.room = f, room

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self.f.__exit__(*exc)

    def __getattr__(self, name):
        return getattr(self.f, name)

    def write(self, data):
        self.f.write(data[: self.room])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _full_disk_cases(monkeypatch) -> dict[str, Any]:
    return {
        "rename": lambda: monkeypatch.setattr(files, "os", _OsWith(replace=enospc)),
        "write": lambda: monkeypatch.setattr(
            files,
            "open",
            lambda p, mode="r", *a, **k: _FullFile(open(p, mode), 4096),
            raising=False,
        ),
        "fsync": lambda: monkeypatch.setattr(files, "os", _OsWith(fsync=enospc)),
        "open": lambda: monkeypatch.setattr(files, "open", enospc, raising=False),
    }


@pytest.mark.parametrize("where", ["rename", "write", "fsync", "open"])
def test_a_full_disk_keeps_the_previous_checkpoint_and_leaves_no_temp_file(
    where: str, tmp_path: Path, monkeypatch
):
    path = tmp_path / checkpoint.CHECKPOINT
    save_checkpoint(path, state("A", fill=1.0))
    _full_disk_cases(monkeypatch)[where]()
    with pytest.raises(UsageProblem) as info:
        save_checkpoint(path, state("B", n=100_000, fill=2.0))
    assert str(info.value) == f"cannot write {path}: No space left on device"
    assert "disk full" in info.value.hint
    monkeypatch.undo()
    assert load_checkpoint(path)["tag"] == "A"
    assert _strays(tmp_path) == []


def test_a_full_disk_keeps_the_previous_genotype(tmp_path: Path, monkeypatch):
    path = tmp_path / "genotype.nas"
    atomic_write_text(path, "genotype A\n")
    monkeypatch.setattr(files, "os", _OsWith(replace=enospc))
    with pytest.raises(UsageProblem, match="No space left on device"):
        atomic_write_text(path, "genotype B\n")
    assert path.read_text() == "genotype A\n"
    assert [p.name for p in tmp_path.iterdir()] == ["genotype.nas"]


def test_a_full_disk_while_logging_metrics_is_a_usage_problem(tmp_path: Path, monkeypatch):
    path = tmp_path / "metrics.jsonl"
    append_jsonl(path, {"epoch": 1})

    def full(p, mode="r", *args, **kwargs):
        return _FullFile(open(p, mode, *args, **kwargs), 0)

    monkeypatch.setattr(files, "open", full, raising=False)
    with pytest.raises(UsageProblem, match=f"cannot write {path}: No space left on device"):
        append_jsonl(path, {"epoch": 2})
    monkeypatch.undo()
    assert [json.loads(x) for x in path.read_text().splitlines()] == [{"epoch": 1}]


def test_a_full_disk_mid_search_exits_2_naming_the_file(tmp_path: Path, monkeypatch):
    from click.testing import CliRunner

    from nasiam_dsl.cli import main

    space, config = tiny_files(tmp_path)
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if Path(dst).name == checkpoint.CHECKPOINT:
            enospc()
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(files, "os", _OsWith(replace=replace))
    result = CliRunner().invoke(
        main, ["search", str(space), "--config", str(config), "--name", "full", "--quiet"]
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    run_dir = tmp_path / "runs" / "full"
    assert f"cannot write {run_dir / 'checkpoint.pt'}: No space left on device" in result.output
    assert "Traceback" not in result.output
    assert not (run_dir / "checkpoint.pt").exists()
    assert (run_dir / "metrics.jsonl").read_text().count("\n") == 1  # epoch 1 ran, then its save
    assert _strays(run_dir) and not [p for p in run_dir.iterdir() if ".tmp-" in p.name]


# ---- bad checkpoints given to --resume -------------------------------------------------------


class _Evil:
    """A pickle that would run a command when unpickled without weights_only."""

    def __init__(self, sentinel: Path):
        self.sentinel = sentinel

    def __reduce__(self):
        return (os.system, (f"touch {self.sentinel}",))


def _bad_checkpoints(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good.pt"
    save_checkpoint(good, state("good", n=50_000))
    data = good.read_bytes()
    sentinel = tmp_path / "pwned"

    def write(name: str, content: bytes | None = None, obj: Any = None) -> Path:
        d = tmp_path / name
        d.mkdir()
        if obj is not None:
            torch.save(obj, d / checkpoint.CHECKPOINT)
        elif content is not None:
            (d / checkpoint.CHECKPOINT).write_bytes(content)
        return d

    flipped = bytearray(data)
    for i in range(0, 64):
        flipped[i] ^= 0xFF
    return {
        "truncated": write("truncated", data[: len(data) // 2]),
        "corrupt header": write("corrupt", bytes(flipped)),
        "empty file": write("empty", b""),
        "text file": write("text", b"I am not a checkpoint\n"),
        "torch.save of a list": write("list", obj=[1, 2, 3]),
        "another format": write("other", obj={"format": "someone-else-1", "model": {}}),
        "format tag only": write("tagonly", obj={"format": FORMAT}),
        "config not JSON": write("badconfig", obj={**state("x"), "config": "garbage"}),
        "a pickle that runs code": write(
            "evil", obj={"format": FORMAT, "payload": _Evil(sentinel)}
        ),
        "no checkpoint in the directory": write("nothing"),
    }


BAD_CHECKPOINTS = [
    "truncated",
    "corrupt header",
    "empty file",
    "text file",
    "torch.save of a list",
    "another format",
    "format tag only",
    "config not JSON",
    "a pickle that runs code",
    "no checkpoint in the directory",
]


@pytest.mark.parametrize("name", BAD_CHECKPOINTS)
def test_a_bad_checkpoint_is_a_usage_problem_naming_the_file(name: str, tmp_path: Path):
    run_dir = _bad_checkpoints(tmp_path)[name]
    path = run_dir / checkpoint.CHECKPOINT
    with pytest.raises(UsageProblem) as info:
        load_checkpoint(path)
    assert str(path) in str(info.value)
    assert not (tmp_path / "pwned").exists()


def test_bad_checkpoints_given_to_resume_exit_2_naming_the_file(tmp_path: Path):
    space, _ = tiny_files(tmp_path)
    cases = _bad_checkpoints(tmp_path)
    chosen = ["truncated", "format tag only", "a pickle that runs code"]

    def resume(name: str) -> subprocess.CompletedProcess:
        return nasiam("search", str(space), "--resume", str(cases[name]), cwd=tmp_path)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(zip(chosen, pool.map(resume, chosen), strict=True))
    for name, done in results.items():
        assert_clean_failure(done)
        assert done.stderr.startswith("error: "), (name, done.stderr)
        assert str(cases[name] / checkpoint.CHECKPOINT) in done.stderr, (name, done.stderr)
    assert "incomplete nasiam checkpoint" in results["format tag only"].stderr
    assert "cannot load checkpoint" in results["a pickle that runs code"].stderr
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("what", ["config", "weights"])
def test_a_checkpoint_of_another_shape_given_to_resume_is_a_usage_problem(what: str, tiny_config):
    from nasiam_dsl.run.runner import Interrupted, start

    config = tiny_config(name="donor")
    with pytest.raises(Interrupted):  # one step and a checkpoint is all a donor needs
        start(config, QuietUI(), max_steps=1)
    run_dir = Path(config.out) / "donor"
    path = run_dir / checkpoint.CHECKPOINT
    saved = load_checkpoint(path)
    if what == "config":
        saved["config"] = json.dumps({"command": "search", "no_such_key": 1})
    else:
        saved["model"] = {"w": torch.zeros(3)}
    save_checkpoint(path, saved)
    with pytest.raises(UsageProblem, match=str(path)):
        start(tiny_config(), QuietUI(), resume=run_dir)
