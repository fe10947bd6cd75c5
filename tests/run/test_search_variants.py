"""Each search option reaches the engine and the run still ends with a valid genotype."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from nasiam_dsl.lang import parse_file
from nasiam_dsl.run.checkpoint import load_checkpoint
from nasiam_dsl.run.runner import start
from tests.run.test_runner import QuietUI

VARIANTS = {
    "second_order": {"engine": {"order": "second"}},
    "one_level": {"engine": {"mode": "one_level"}},
    "warmup": {"engine": {"warmup_fraction": 0.5}},
    "gumbel": {"search": {"sampler": "gumbel"}},
    "dirichlet": {"search": {"sampler": "dirichlet"}},
    "sigmoid_zero_one": {"search": {"sampler": "sigmoid", "zero_one": 10.0}},
    "beta_decay": {"search": {"beta_decay": 50.0}},
    "param_free_l1": {"search": {"param_free_l1": 0.5}},
    "aux_skip": {"search": {"aux_skip": 1.0}},
    "partial_k": {"search": {"partial_k": 2}},
    "rank_objective": {"search": {"rank_weight": 1.0}},
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_runs_and_derives(variant, tiny_config):
    config = tiny_config(name=variant, epochs=1, **VARIANTS[variant])
    run = start(config, QuietUI())
    genotype = parse_file(run.run_dir / "genotype.nas")
    assert genotype.kind == "genotype"
    assert genotype.meta.get("sampler") == config.search.sampler
    probs = run.supernet.arch.probabilities()
    assert all(torch.isfinite(p).all() for p in probs.values())
    metrics = json.loads((run.run_dir / "metrics.jsonl").read_text().splitlines()[-1])
    if variant == "one_level":
        assert "heldout/loss" not in metrics
    else:
        assert "heldout/loss" in metrics or variant == "warmup"


def test_warmup_keeps_the_architecture_frozen(tiny_config):
    run = start(tiny_config(name="frozen", epochs=1, engine={"warmup_fraction": 0.99}), QuietUI())
    state = load_checkpoint(run.run_dir / "checkpoint.pt")
    torch.manual_seed(0)
    fresh = start(tiny_config(name="fresh", epochs=1, engine={"warmup_fraction": 0.99}), QuietUI())
    for key, value in state["model"].items():
        if key.startswith("arch."):
            assert torch.equal(value, fresh.model.state_dict()[key])


def test_gumbel_temperature_survives_resume(tiny_config):
    from nasiam_dsl.run.runner import Interrupted

    with pytest.raises(Interrupted):
        start(tiny_config(name="g", search={"sampler": "gumbel"}), QuietUI(), max_steps=4)
    run_dir = Path(tiny_config().out) / "g"
    saved = load_checkpoint(run_dir / "checkpoint.pt")["sampler"]
    assert saved["tau"] < 10.0  # annealed from tau_max
    resumed = start(tiny_config(), QuietUI(), resume=run_dir)
    assert resumed.supernet.arch.sampler.tau < saved["tau"]
    # the schedule ends at its end: the last step draws at tau_min (it stopped one step short)
    assert resumed.supernet.arch.sampler.tau == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("epochs", "stop_min_epochs", "stopped_at"), [(4, None, 1), (10, None, 2), (4, 3, 3)]
)
def test_early_stop_on_parameter_free_ops(
    tiny_config, tmp_path, epochs, stop_min_epochs, stopped_at
):
    space = tmp_path / "skips.nas"
    space.write_text("""space skips for simsiam {
      head projector(x: backbone) {
        h = choose(identity(x), avgpool(x))
        z = linear(h, 16)
      }
      head predictor(z: projector) {
        p = linear(z, 16)
      }
    }""")
    # every projector genotype has one parameter-free op: a cap of 0 stops as soon as the
    # stopper may decide: epochs/5 rounded up by default (init ties are not a result)
    search = {"max_param_free": 0, "top_k": 1, "stop_min_epochs": stop_min_epochs}
    run = start(tiny_config(name="stop", spec=str(space), epochs=epochs, search=search), QuietUI())
    assert run.epoch == stopped_at
    assert run.stop_reason is not None and "param_free" in run.stop_reason
    assert parse_file(run.run_dir / "genotype.nas").kind == "genotype"
    summary = json.loads((run.run_dir / "summary.json").read_text())
    assert summary["stop_reason"] == run.stop_reason


def test_early_stop_when_the_leaders_are_stable(tiny_config):
    # DARTS+'s rule: stop once no choice's leading candidate changed for `stable_epochs`
    # epochs, never before `stop_min_epochs`; the alphas record shows why it stopped
    search = {"stable_epochs": 1, "stop_min_epochs": 3, "top_k": 1}
    run = start(tiny_config(name="stable", epochs=8, search=search), QuietUI())
    assert "unchanged for" in (run.stop_reason or "") and 3 <= run.epoch < 8
    lines = (run.run_dir / "alphas.jsonl").read_text().splitlines()
    leaders = [
        {
            k: max(range(len(p)), key=p.__getitem__)
            for k, p in json.loads(x)["probabilities"].items()
        }
        for x in lines
    ]
    assert leaders[-1] == leaders[-2]
    assert run.epoch == 3 or leaders[-2] != leaders[-3]  # it stopped at the first chance


def test_early_stop_on_collapse(tiny_config):
    # an impossible threshold (z_std·√d is about 1 when healthy) stops after patience epochs
    run = start(
        tiny_config(name="collapse", epochs=4, search={"collapse_threshold": 50.0}), QuietUI()
    )
    assert run.epoch == 2 and "collapse" in (run.stop_reason or "").lower()


def test_the_rank_objective_enters_the_architecture_step(tiny_config):
    run = start(tiny_config(name="rank", epochs=1, search={"rank_weight": 1.0}), QuietUI())
    metrics = json.loads((run.run_dir / "metrics.jsonl").read_text().splitlines()[-1])
    # the normalised entropy is in [0, 1]: the term lies in [-weight, 0]
    assert -1.0 <= metrics["heldout/objective"] < 0
    plain = start(tiny_config(name="plain", epochs=1), QuietUI())
    a = run.supernet.arch.probabilities()
    b = plain.supernet.arch.probabilities()
    assert any(not torch.allclose(a[k], b[k]) for k in a)


def test_the_rank_objective_is_refused_where_it_cannot_act(tiny_config):
    from pydantic import ValidationError

    for engine in ({"order": "second"}, {"mode": "one_level"}):
        with pytest.raises(ValidationError, match="first-order bilevel"):
            tiny_config(engine=engine, search={"rank_weight": 1.0})
