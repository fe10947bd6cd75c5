"""Scaling options as wired into runs: the optimiser (SGD, AdamW, LARS) and its bias/norm
groups, published recipes as a merge layer (defaults < recipe < TOML < flags), synchronised
BatchNorm, and the numeric precision with its device checks, through the CLI and the API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import torch
from click.testing import CliRunner
from torch import nn

from nasiam_dsl.backbones.norm import SyncedBatchNorm1d, SyncedBatchNorm2d
from nasiam_dsl.cli import main
from nasiam_dsl.frameworks import get_recipe
from nasiam_dsl.optim import LARS
from nasiam_dsl.run.build import build, uses_sync_bn, weight_optimizer
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.distributed import DistInfo


def printed(tmp_path: Path, *words: str) -> dict:
    """The resolved config `nasiam search` prints (as TOML) for `words`; unset optional
    values are left out."""
    result = CliRunner().invoke(main, ["search", str(tmp_path / "s.nas"), *words, "--print-config"])
    assert result.exit_code == 0, result.output
    return tomllib.loads(result.output)


def refused(tmp_path: Path, *words: str) -> str:
    """The message of a search the CLI refuses (exit 2, no traceback)."""
    result = CliRunner().invoke(main, ["search", str(tmp_path / "s.nas"), *words])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    return result.output


# ---- the optimiser -------------------------------------------------------------------------


def test_optimizer_flags_reach_the_config(tmp_path) -> None:
    lars = printed(tmp_path, "--optimizer", "lars", "--eta", "0.02", "--clip-lr")["optim"]
    assert (lars["optimizer"], lars["eta"], lars["clip_lr"]) == ("lars", 0.02, True)
    assert lars["exclude_bias_norm"] is True  # every LARS recipe excludes biases and norms
    assert printed(tmp_path)["optim"]["exclude_bias_norm"] is False  # SGD: decay everything
    sgd = printed(tmp_path, "--exclude-bias-norm")["optim"]
    assert (sgd["optimizer"], sgd["exclude_bias_norm"]) == ("sgd", True)


def test_lars_run_keeps_biases_and_norms_out_of_decay(tiny_config, one_thread) -> None:
    from nasiam_dsl.api import start_run

    config = tiny_config(
        epochs=1,
        steps_per_epoch=2,
        knn_k=5,
        optim={"optimizer": "lars", "lr": 0.4, "weight_decay": 1e-4, "eta": 0.02},
    )
    run = start_run(config)
    assert run.epoch == 1 and (run.run_dir / "genotype.nas").exists()
    optimizer = run.engine.weight_optimizer
    assert isinstance(optimizer, LARS)
    seen: set[int] = set()
    for group in optimizer.param_groups:
        one_d = [p.ndim <= 1 for p in group["params"]]
        assert all(one_d) or not any(one_d), group["name"]  # each group is one kind
        if all(one_d):
            assert group["weight_decay"] == 0.0 and group["lars_exclude"], group["name"]
            assert group["name"].endswith("/no_decay")
        else:
            assert group["weight_decay"] == 1e-4 and "lars_exclude" not in group
        seen |= {id(p) for p in group["params"]}
    trainable = {id(p) for p in run.framework.parameters() if p.requires_grad}
    assert seen == trainable
    # SimSiam's predictor keeps its fixed lr in both of its parts
    predictor = [g for g in optimizer.param_groups if g["name"].startswith("predictor")]
    assert {g["name"] for g in predictor} == {"predictor", "predictor/no_decay"}
    assert all(g["fix_lr"] and g["lr"] == 0.4 * 32 / 256 for g in predictor)


class OneLayer(nn.Module):
    """A framework's optimiser interface over one linear layer (a matrix and a bias)."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(3, 3)

    def param_groups(self, lr: float) -> list[dict]:
        return [{"name": "all", "params": list(self.parameters()), "lr": lr}]


def test_lr_is_scaled_by_batch_for_sgd_and_lars_only(tiny_config) -> None:
    for name, expected in (("sgd", 0.5), ("lars", 0.5), ("adamw", 0.25)):
        config = tiny_config(batch_size=512, optim={"optimizer": name, "lr": 0.25})
        optimizer = weight_optimizer(config, OneLayer())
        assert {g["lr"] for g in optimizer.param_groups} == {expected}, name


def test_no_decay_lr_is_the_bias_groups_lr(tiny_config) -> None:
    config = tiny_config(
        batch_size=512, optim={"optimizer": "lars", "lr": 0.2, "no_decay_lr": 0.0048}
    )
    groups = {g["name"]: g for g in weight_optimizer(config, OneLayer()).param_groups}
    assert groups["all"]["lr"] == pytest.approx(0.4)
    assert groups["all/no_decay"]["lr"] == pytest.approx(0.0096)


# ---- recipes: defaults < recipe < TOML < flags ---------------------------------------------


def test_recipe_fills_what_is_not_set(tmp_path) -> None:
    got = printed(tmp_path, "--framework", "byol", "--recipe", "imagenet", "--batch-size", "64")
    recipe = get_recipe("byol", "imagenet")
    assert got["batch_size"] == 64  # the flag wins
    assert (got["epochs"], got["optim"]["warmup_epochs"]) == (recipe.epochs, 10)
    optim = got["optim"]
    assert (optim["optimizer"], optim["lr"], optim["weight_decay"]) == ("lars", 0.2, 1.5e-6)
    assert (optim["eta"], optim["exclude_bias_norm"]) == (0.001, True)
    assert recipe.framework_options.items() <= got["framework_options"].items()


def test_toml_wins_over_the_recipe_and_flags_over_toml(tmp_path) -> None:
    toml = tmp_path / "run.toml"
    toml.write_text(
        'framework = "mocov2"\nrecipe = "imagenet"\nepochs = 7\n'
        "[optim]\nlr = 0.1\n[framework_options]\ntemperature = 0.5\n"
    )
    got = printed(tmp_path, "--config", str(toml), "--weight-decay", "0.002")
    assert (got["epochs"], got["optim"]["lr"], got["optim"]["weight_decay"]) == (7, 0.1, 0.002)
    assert got["batch_size"] == 256 and got["optim"]["optimizer"] == "sgd"  # the recipe's
    options = got["framework_options"]
    assert options["temperature"] == 0.5 and options["queue_size"] == 65536  # key by key
    assert printed(tmp_path, "--config", str(toml), "--recipe", "none")["batch_size"] == 128


def test_recipe_through_the_api_and_a_stored_config(tmp_path) -> None:
    from nasiam_dsl.api import run_config

    config = run_config("search", {"spec": "s.nas"}, {"framework": "vicreg", "recipe": "cifar"})
    assert (config.optim.optimizer, config.optim.lr, config.optim.eta) == ("lars", 0.3, 0.02)
    assert config.optim.clip_lr and config.framework_options["sim_weight"] == 25.0
    stored = RunConfig.model_validate_json(config.model_dump_json())
    assert stored == config  # resuming a run re-reads the same values


def test_a_framework_without_a_recipe_is_a_message(tmp_path) -> None:
    output = refused(tmp_path, "--framework", "simsam", "--recipe", "cifar", "--print-config")
    assert "--recipe cifar" in output and "did you mean 'simsiam'" in output


# ---- synchronised BatchNorm ----------------------------------------------------------------


def test_sync_bn_default_per_framework_and_process_count() -> None:
    ddp, one = DistInfo(rank=0, world_size=2), DistInfo()
    config = RunConfig(spec="x")
    simsiam = type("F", (), {"config": type("C", (), {"fix_pred_lr": True})()})()
    mocov2 = type("F", (), {"config": type("C", (), {"shuffle_bn": True})()})()
    assert uses_sync_bn(config, simsiam, ddp) and not uses_sync_bn(config, simsiam, one)
    assert not uses_sync_bn(config, mocov2, ddp)  # shuffle-BN is its cross-GPU BatchNorm
    assert uses_sync_bn(RunConfig(spec="x", sync_bn=True), mocov2, ddp)
    assert not uses_sync_bn(RunConfig(spec="x", sync_bn=False), simsiam, ddp)


def test_sync_bn_flag_converts_backbone_heads_and_momentum_copies(tiny_config, tmp_path) -> None:
    assert printed(tmp_path, "--sync-bn")["sync_bn"] is True
    assert "sync_bn" not in printed(tmp_path)  # unset: decided by the process count
    run = build(tiny_config(framework="byol", sync_bn=True), tmp_path / "run")
    norms = [m for m in run.framework.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert norms and all(isinstance(m, SyncedBatchNorm1d | SyncedBatchNorm2d) for m in norms)
    kinds = {type(m) for m in run.framework.target.modules()}
    assert {SyncedBatchNorm1d, SyncedBatchNorm2d} <= kinds  # the momentum copy's too
    plain = build(tiny_config(framework="byol"), tmp_path / "plain")
    assert not any(isinstance(m, SyncedBatchNorm1d) for m in plain.framework.modules())


# ---- precision and devices -----------------------------------------------------------------


def test_precision_flags_and_the_no_amp_alias(tmp_path) -> None:
    assert printed(tmp_path)["precision"] == "auto"
    assert printed(tmp_path, "--precision", "bf16")["precision"] == "bf16"
    assert printed(tmp_path, "--no-amp")["precision"] == "fp32"  # older scripts keep running
    assert printed(tmp_path, "--no-amp", "--precision", "bf16")["precision"] == "bf16"


def test_precision_and_devices_the_machine_lacks_are_messages(tmp_path) -> None:
    (tmp_path / "s.nas").write_text("space s for simsiam { }\n")
    out = refused(tmp_path, "--device", "cpu", "--precision", "fp16")
    assert "--precision fp16 needs a CUDA device" in out and "--precision fp32" in out
    assert "--device gpu: not a device name" in refused(tmp_path, "--device", "gpu")
    if not torch.cuda.is_available():
        out = refused(tmp_path, "--device", "cuda", "--precision", "bf16")
        assert "no CUDA GPU is visible" in out and "--device cpu" in out


def test_cpu_run_uses_fp32_and_no_loss_scaling(tiny_config, tmp_path) -> None:
    run = build(tiny_config(), tmp_path / "run")
    assert not run.engine.scaler.is_enabled()
    with run.problem.autocast():
        assert not torch.is_autocast_enabled("cpu")


def test_torchrun_example_shows_sync_bn_and_precision() -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        ["bash", str(root / "examples/torchrun_multi_gpu.sh"), "--print-config"],
        env={**os.environ, "TORCHRUN": sys.executable},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    config = RunConfig.model_validate(tomllib.loads(done.stdout))
    assert config.sync_bn is True and config.precision == "auto"


def test_scale_page_names_only_real_flags_and_every_unconfirmed_value() -> None:
    import re

    from nasiam_dsl.frameworks.recipes import recipes
    from nasiam_dsl.run.options import config_options

    page = (Path(__file__).resolve().parents[2] / "docs/scale.md").read_text()
    flags = {f"--{o.flag}" for o in config_options("search")} | {"--print-config"}
    named = set(re.findall(r"`(--[a-z][a-z-]*)", page))
    # other programs' flags the page quotes: the MoCo demo, the benchmark, torchrun
    foreign = {"--bn-splits", "--cpu-smoke", "--mlp", "--node"}
    assert not named - flags - foreign, named - flags - foreign
    assert {"--sync-bn", "--precision", "--recipe", "--optimizer", "--no-amp"} <= named
    marked = [r for r in recipes().values() if r.unconfirmed]
    assert {r.framework for r in marked} == {"byol", "simclr", "barlowtwins", "vicreg"}
    assert all(r.scale == "imagenet" for r in marked) and page.count("†") >= 5 * len(marked)
