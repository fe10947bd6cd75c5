"""examples/ runs: the two Python examples at their tiny default, the shell recipes as
`--print-config` (their commands parse and resolve, nothing trains), and run.toml as a
complete, valid run configuration."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import tomllib
from click.testing import CliRunner

from nasiam_dsl.cli import main
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.resolve import with_nones

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture(autouse=True)
def one_thread(monkeypatch: pytest.MonkeyPatch):
    """One thread here and in subprocesses: two shared cores make more threads much slower."""
    import torch

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_search_api_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = example("search_api").main(["--out", str(tmp_path), "--device", "cpu"])
    printed = capsys.readouterr().out
    assert result.run_dir.parent == tmp_path
    assert result.genotype_text in printed
    assert "epoch 2: train/loss" in printed and "kNN: searched" in printed
    assert result.config.data.limit == 256 and result.config.epochs == 2


def test_custom_framework_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = example("custom_framework").main(["--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert "framework: my_framework:NNSiam {" in printed and "'support_size': 256" in printed
    genotype = (run_dir / "genotype.nas").read_text()
    assert 'framework = "my_framework:NNSiam"' in genotype
    metrics = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert len(metrics) == 2 and all(m["train/loss"] == m["train/loss"] for m in metrics)


def test_my_framework_keeps_the_support_set_out_of_head_loss() -> None:
    import torch

    from nasiam_dsl.backbones import build_backbone
    from nasiam_dsl.compile import compile_genotype

    sys.path.insert(0, str(EXAMPLES))
    try:
        from my_framework import NNSiam
    finally:
        sys.path.remove(str(EXAMPLES))
    backbone = build_backbone("small_cnn", in_channels=1, width=4)
    heads = compile_genotype(
        (ROOT / "spaces/standard/simsiam.nas").read_text(), backbone.feature_dim, seed=0
    )
    fw = NNSiam(backbone, dict(heads.heads), {"support_size": 12})
    before = fw.support.clone()
    out = fw.head_loss(fw.encode(torch.randn(8, 1, 28, 28), torch.randn(8, 1, 28, 28)))
    assert torch.equal(fw.support, before)  # head_loss is pure
    fw.on_step_end(out, 0.0)
    fw.on_step_end(out, 0.0)
    assert int(fw.support_ptr) == 4  # 16 rows written into a ring of 12
    assert torch.allclose(fw.support[:4], out.commit["support"][4:])


def script_config(name: str, **env: str) -> RunConfig:
    """Run a shell example with its command swapped for `--print-config`."""
    done = subprocess.run(
        ["bash", str(EXAMPLES / name), "--print-config"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return RunConfig.model_validate(with_nones(tomllib.loads(done.stdout)))


def test_cifar10_seed_recipe_parses() -> None:
    cli = f"{sys.executable} -m nasiam_dsl.cli"
    config = script_config("cifar10_seed_recipe.sh", NASIAM=cli)
    assert Path(config.spec).resolve() == ROOT / "spaces/nasiam.nas"
    assert (config.framework, config.backbone) == ("simsiam", "cifar_resnet18")
    assert (config.data.dataset, config.data.download) == ("cifar10", True)
    assert (config.epochs, config.batch_size, config.optim.lr) == (100, 512, 0.06)
    assert config.optim.weight_decay == 5e-4 and config.engine.arch_lr == 1e-3
    assert config.engine.arch_weight_decay == 1e-3 and config.train_portion == 0.5


def test_torchrun_script_parses() -> None:
    text = (EXAMPLES / "torchrun_multi_gpu.sh").read_text()
    assert "torchrun --standalone --nproc_per_node $GPUS" in text and "GPUS=${GPUS:-4}" in text
    config = script_config("torchrun_multi_gpu.sh", TORCHRUN=sys.executable)
    assert Path(config.spec).resolve() == ROOT / "spaces/nasiam.nas"
    assert config.name == "cifar10-ddp-4gpu" and config.batch_size == 512


def test_run_toml_is_complete_and_valid() -> None:
    import tomllib

    text = (EXAMPLES / "run.toml").read_text()
    data = tomllib.loads(text)
    config = RunConfig.model_validate({"spec": "spaces/demo.nas", **data})
    assert config.data.limit == 2000 and config.backbone_options == {"width": 32}
    documented = set(re.findall(r"^#?\s*(\w+)\s*=|^\[(\w+)\]", text, re.M))
    documented = {key or table for key, table in documented}
    sections = {"data", "augmentation", "optim", "engine", "search"}
    fields = set(RunConfig.model_fields) - sections
    for section in sections:
        fields |= set(type(getattr(config, section)).model_fields)
    assert fields <= documented, f"run.toml does not mention {sorted(fields - documented)}"
    result = CliRunner().invoke(
        main,
        ["search", "spaces/demo.nas", "--config", str(EXAMPLES / "run.toml"), "--epochs", "9",
         "--print-config"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    printed = RunConfig.model_validate(with_nones(tomllib.loads(result.output)))
    assert printed.epochs == 9 and printed.data.limit == 2000
