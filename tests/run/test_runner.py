"""Runs as a user has them: run directory contents, resume, interrupts, non-finite losses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

from nasiam_dsl.lang import parse_file
from nasiam_dsl.run import runner, sinks
from nasiam_dsl.run.checkpoint import load_checkpoint
from nasiam_dsl.run.problem import FrameworkProblem
from nasiam_dsl.run.record import EpochRecord
from nasiam_dsl.run.runner import Interrupted, start
from nasiam_dsl.usage import UsageProblem


class QuietUI:
    def epoch_start(self, run): ...
    def step_done(self, run, logs): ...
    def epoch_done(self, run, record): ...


def _arch(run_dir: Path) -> dict[str, torch.Tensor]:
    state = load_checkpoint(run_dir / "checkpoint.pt")
    return {k: v for k, v in state["model"].items() if k.startswith("arch.")}


def test_search_writes_a_complete_run_directory(tiny_config):
    run = start(tiny_config(name="full"), QuietUI())
    d = run.run_dir
    for name in (
        "tiny.nas",
        "config.json",
        "metrics.jsonl",
        "alphas.jsonl",
        "checkpoint.pt",
        "genotype.nas",
        "genotype-top2.nas",
        "backbone.pt",
        "model.pt",
    ):
        assert (d / name).is_file(), name
    genotype = parse_file(d / "genotype.nas")
    assert genotype.kind == "genotype"
    assert genotype.meta.get("framework") == "simsiam" and genotype.meta.get("seed") == 0
    metrics = [json.loads(x) for x in (d / "metrics.jsonl").read_text().splitlines()]
    assert [m["epoch"] for m in metrics] == [1, 2]
    assert {"train/loss", "heldout/loss", "z_std", "lr"} <= metrics[0].keys()
    # the monitor's RankMe: backbone features of the whole bank (>= 4 images per dimension),
    # not one training batch (which capped the rank at the batch size)
    assert {"knn", "rankme", "rankme_images"} <= metrics[-1].keys()
    assert metrics[-1]["rankme_images"] >= 4 * run.framework.feature_dim
    assert 1.0 <= metrics[-1]["rankme"] <= run.framework.feature_dim
    alphas = [json.loads(x) for x in (d / "alphas.jsonl").read_text().splitlines()]
    assert set(alphas[-1]["probabilities"]) == {
        "projector.h.op",
        "projector.h.act",
        "predictor.h.width",
    }
    state = torch.load(d / "backbone.pt", weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in state.values())
    second = parse_file(d / "genotype-top2.nas")
    assert second.meta.get("rank") == 2 and 0.0 < second.meta.get("score") <= 1.0
    assert second.meta.get("joint_probability") is None
    assert [EpochRecord.from_line(m).to_line() for m in metrics] == metrics


def test_architecture_moves_and_weights_train(tiny_config):
    run = start(tiny_config(name="moves"), QuietUI())
    probs = run.supernet.arch.probabilities()
    assert any(float((p - 1 / len(p)).abs().max()) > 1e-3 for p in probs.values())


def test_resume_after_interrupt_is_bit_exact(tiny_config):
    full = start(tiny_config(name="uninterrupted"), QuietUI())
    with pytest.raises(Interrupted):
        start(tiny_config(name="stopped"), QuietUI(), max_steps=4)
    stopped_dir = full.run_dir.parent / "stopped"
    assert load_checkpoint(stopped_dir / "checkpoint.pt")["interrupted"] is True
    assert (stopped_dir / "genotype.nas").is_file()
    resumed = start(tiny_config(), QuietUI(), resume=stopped_dir)
    assert resumed.step == full.step == 6
    a, b = _arch(full.run_dir), _arch(stopped_dir)
    assert a.keys() == b.keys() and a
    for key in a:
        assert torch.equal(a[key], b[key]), key
    wa = load_checkpoint(full.run_dir / "checkpoint.pt")["model"]
    wb = load_checkpoint(stopped_dir / "checkpoint.pt")["model"]
    for key in wa:
        assert torch.equal(wa[key], wb[key]), key
    # the interrupted epoch's record averages all its steps, before and after the resume
    lines = [
        [json.loads(x) for x in (d / "metrics.jsonl").read_text().splitlines()]
        for d in (full.run_dir, stopped_dir)
    ]
    for one, other in zip(*lines, strict=True):
        assert one["train/loss"] == pytest.approx(other["train/loss"], rel=1e-6)


def test_more_epochs_on_resume_say_what_the_lr_becomes(tiny_config):
    class Noting(QuietUI):
        def __init__(self) -> None:
            self.notes: list[str] = []

        def note(self, text: str) -> None:
            self.notes.append(text)

    first = start(tiny_config(name="short", epochs=2), QuietUI())
    last_lr = json.loads((first.run_dir / "metrics.jsonl").read_text().splitlines()[-1])["lr"]
    ui = Noting()
    longer = start(tiny_config(), ui, resume=first.run_dir, changes={"epochs": 4})
    assert longer.epoch == 4 and len(ui.notes) == 1
    note = ui.notes[0]
    assert "stretches this 2-epoch run's cosine lr schedule over 4 epochs" in note
    before, after = re.findall(
        r"last step ran at lr (\d(?:[\d.e-]*\d)?), the next runs at (\d(?:[\d.e-]*\d)?)\.", note
    )[0]
    assert float(before) < float(after)  # the cosine's floor, then halfway up the longer one
    assert float(before) == pytest.approx(last_lr, rel=1e-2, abs=1e-12)


def test_non_finite_loss_stops_with_a_message_and_keeps_the_last_checkpoint(
    tiny_config, monkeypatch
):
    calls = {"n": 0}
    original = FrameworkProblem.weight_loss

    def poisoned(self, batch):
        out = original(self, batch)
        calls["n"] += 1
        if calls["n"] > 4:
            out.loss = out.loss * float("nan")
        return out

    monkeypatch.setattr(FrameworkProblem, "weight_loss", poisoned)
    with pytest.raises(UsageProblem, match="not finite"):
        start(tiny_config(name="nan"), QuietUI())
    d = Path(tiny_config().out) / "nan"
    state = load_checkpoint(d / "checkpoint.pt")
    assert state["epoch"] == 1  # the good one, written after epoch 1
    assert (d / "genotype.nas").is_file()


def test_genotype_given_to_search_is_refused(tiny_config, tmp_path):
    geno = tmp_path / "g.nas"
    geno.write_text(
        "genotype g for simsiam { head projector(x: backbone) { z = linear(x, 8) } "
        "head predictor(z: projector) { p = linear(z, 8) } }"
    )
    with pytest.raises(UsageProblem, match="needs a space"):
        start(tiny_config(spec=str(geno)), QuietUI())


def test_corrupt_checkpoint_is_a_clear_error(tmp_path):
    (tmp_path / "checkpoint.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(UsageProblem, match="cannot load checkpoint"):
        load_checkpoint(tmp_path / "checkpoint.pt")


def test_tensorboard_gets_scalars_and_probabilities(tiny_config, monkeypatch):
    calls: list[tuple[str, str]] = []

    class FakeWriter:
        def add_scalar(self, tag, value, step):
            calls.append(("scalar", tag))

        def add_scalars(self, tag, values, step):
            calls.append(("scalars", tag))

        def flush(self):
            pass

    monkeypatch.setattr(runner, "require_tensorboard", lambda: None)  # installed or not
    monkeypatch.setattr(runner, "open_tensorboard", lambda run_dir: FakeWriter())
    start(tiny_config(name="tb", tensorboard=True, epochs=1), QuietUI())
    assert ("scalar", "train/loss") in calls
    assert ("scalars", "arch/projector.h.op") in calls


def test_tensorboard_missing_is_a_clear_error(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name == "torch.utils.tensorboard":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    with pytest.raises(UsageProblem, match="tensorboard"):
        sinks.open_tensorboard(tmp_path)


def test_a_fresh_run_records_the_random_init_floor_once(tiny_config):
    from nasiam_dsl.run.record import EpochRecord
    from nasiam_dsl.show.panels import random_init_knn

    run = start(tiny_config(name="floor", knn_random_init=True), QuietUI())
    lines = (run.run_dir / "metrics.jsonl").read_text().splitlines()
    records = [EpochRecord.from_line(json.loads(line)) for line in lines]
    assert "knn_random_init" in json.loads(lines[0])
    assert all("knn_random_init" not in json.loads(line) for line in lines[1:])
    floor = random_init_knn(records)
    assert floor is not None and 0.0 < floor < 1.0  # what `nasiam show` draws under the kNN


def test_no_knn_skips_the_monitor_entirely(tiny_config, monkeypatch):
    """`--no-knn`: a smoke run never reads the monitor (not at random init, not at the end)."""
    from nasiam_dsl.run import loop

    calls = []
    monkeypatch.setattr(loop, "read_monitor", lambda *a, **k: calls.append(a) or None)
    run = start(tiny_config(name="smoke", knn=False, knn_every=1), QuietUI())
    lines = [json.loads(x) for x in (run.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert calls == [] and all("knn" not in line and "rankme" not in line for line in lines)
    monkeypatch.undo()
    again = start(tiny_config(name="monitored"), QuietUI())
    last = json.loads((again.run_dir / "metrics.jsonl").read_text().splitlines()[-1])
    assert "knn" in last  # by default the monitor reads the final backbone


def test_a_taken_name_is_refused_before_any_work(tiny_config):
    """A script that reads `out/NAME/genotype.nas` after the run must read this run's."""
    from nasiam_dsl.run.rundir import free_name, new_run_dir

    config = tiny_config(name="taken")
    taken = Path(config.out) / "taken"
    taken.mkdir(parents=True)
    (taken / "genotype.nas").write_text("kept")
    with pytest.raises(UsageProblem, match=r"--name taken: .*taken already exists") as info:
        start(config, QuietUI())
    assert f"nasiam search --resume {taken}" in info.value.hint
    assert sorted(p.name for p in taken.iterdir()) == ["genotype.nas"]  # nothing touched
    assert sorted(p.name for p in Path(config.out).iterdir()) == ["taken"]
    # an unnamed run's folder is its own (a time stamp, `-2` when taken)
    assert new_run_dir(tiny_config(name=None)).name.startswith("search-")
    assert free_name(Path(config.out), "taken") == "taken-2"


def test_the_api_gives_the_stretched_schedule_as_a_python_warning(tiny_config):
    from nasiam_dsl.api import start_run

    first = start_run(tiny_config(name="api-short", epochs=1))
    with pytest.warns(UserWarning, match="stretches this 1-epoch run's cosine lr schedule"):
        start_run(tiny_config(), resume=first.run_dir, changes={"epochs": 2})
