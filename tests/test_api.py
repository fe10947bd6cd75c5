"""The Python API: its doctests, and a tiny search -> train -> evaluate through it."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import nasiam_dsl.api as api
from nasiam_dsl.lang import DSLError, parse
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.usage import UsageProblem
from tests.conftest import TINY_SPACE, tiny_settings

pytestmark = pytest.mark.usefixtures("one_thread")


def tiny(tmp_path: Path) -> dict:
    """The shared tiny settings (tests/conftest.py), without the command the API adds."""
    settings = tiny_settings(tmp_path)
    del settings["command"]
    return settings


def test_doctests() -> None:
    result = doctest.testmod(api, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10
    assert result.failed == 0


def test_search_train_evaluate(tmp_path: Path) -> None:
    found = api.search(tiny(tmp_path), search={"top_k": 2})
    assert isinstance(found, api.SearchResult)
    assert found.config.command == "search" and found.config.search.top_k == 2
    assert found.run_dir.parent == tmp_path / "runs"
    assert (found.run_dir / "genotype-top2.nas").exists()
    assert found.genotype == parse(found.genotype_text)
    assert found.genotype.kind == "genotype"
    assert [m["epoch"] for m in found.metrics] == [1, 2]
    assert "train/loss" in found.metrics[0] and "knn" in found.metrics[-1]
    assert found.stop_reason is None

    # train the genotype: the search's config with the spec swapped, one override
    trained = api.train(found.config, spec=found.run_dir / "genotype.nas", epochs=1, name="t")
    assert trained.config.command == "train" and trained.config.epochs == 1
    assert trained.run_dir == tmp_path / "runs" / "t"
    assert (trained.run_dir / "backbone.pt").exists()
    assert len(trained.metrics) == 1
    assert not hasattr(trained, "genotype")

    ours = api.evaluate(trained.run_dir, k=20, probe_epochs=2, max_train=256)
    base = api.evaluate(trained.run_dir, random_init=True, k=20, probe_epochs=2, max_train=256)
    assert ours.weights.endswith("backbone.pt") and base.weights == "random init"
    assert 0.0 <= ours.knn <= 1.0 and 0.0 <= base.linear_probe <= 1.0
    assert ours.train_images == base.train_images == 256


def test_config_sources(tmp_path: Path) -> None:
    settings = tiny(tmp_path)
    toml = tmp_path / "run.toml"
    toml.write_text('epochs = 7\n[data]\nlimit = 100\ndataset = "embedded"\n')
    cfg = api.run_config("search", toml, {"spec": Path(settings["spec"]), "data": {"limit": 5}})
    assert cfg.epochs == 7 and cfg.data.limit == 5 and cfg.data.dataset == "embedded"
    assert cfg.spec == settings["spec"]
    cfg = api.run_config("train", Path(settings["spec"]), {})
    assert cfg.command == "train" and cfg.spec == settings["spec"]
    cfg = api.run_config("search", RunConfig.model_validate(settings), {"seed": 3})
    assert cfg.seed == 3 and cfg.backbone_options == {"width": 4}


def test_the_cli_builds_its_config_with_the_api(tmp_path: Path) -> None:
    """One builder: `--print-config` writes what `api.run_config` gives, framework options,
    standard heads and augmentation included."""
    from click.testing import CliRunner

    from nasiam_dsl.cli import main
    from nasiam_dsl.run.resolve import config_toml

    args = ["train", "--framework", "byol", "--epochs", "3", "--lr", "0.01", "--print-config"]
    printed = CliRunner().invoke(main, args)
    assert printed.exit_code == 0, printed.output
    cfg = api.run_config("train", None, {"framework": "byol", "epochs": 3, "optim": {"lr": 0.01}})
    assert printed.output == config_toml(cfg)
    assert Path(cfg.spec).name == "byol.nas" and cfg.framework_options["momentum_base"] == 0.99


def test_search_refuses_a_genotype(tmp_path: Path) -> None:
    genotype = tmp_path / "g.nas"
    genotype.write_text("genotype g { head projector(x: backbone) { z = linear(x, 8) } }")
    with pytest.raises(UsageProblem, match="needs a space"):
        api.search(tiny(tmp_path), spec=genotype)


def test_load_text_and_files(tmp_path: Path) -> None:
    path = tmp_path / "tiny.nas"
    path.write_text(TINY_SPACE)
    assert api.load(path) == api.load(str(path)) == api.load(TINY_SPACE)
    assert api.load(api.to_text(api.load(path))) == api.load(path)
    with pytest.raises(DSLError, match="cannot read file"):
        api.load(tmp_path / "missing.nas")
    with pytest.raises(DSLError, match="width mismatch"):
        api.load(TINY_SPACE.replace("linear(x, 32) | bn)", "linear(x, 16) | bn)"))


def test_compile_space_and_genotype(tmp_path: Path) -> None:
    import torch

    from nasiam_dsl.compile import FixedNet, Supernet

    net = api.compile(TINY_SPACE, backbone_dim=16, seed=0)
    assert isinstance(net, Supernet)
    assert set(net.arch.probabilities()) == {
        "projector.h.op",
        "projector.h.act",
        "predictor.h.width",
    }
    outs = net(torch.randn(4, 16))
    assert outs["predictor"].shape == (4, 32)
    path = tmp_path / "g.nas"
    path.write_text("genotype g { head projector(x: backbone) { z = linear(x, 8) | relu } }")
    fixed = api.compile(path, 16)
    assert isinstance(fixed, FixedNet) and not hasattr(fixed, "arch")
    assert fixed.heads["projector"](torch.randn(3, 16)).shape == (3, 8)


def test_importing_the_api_leaves_torch_alone() -> None:
    """`load` and `to_text` work without torch, so the package may re-export them cheaply."""
    import subprocess
    import sys

    code = (
        "import sys, nasiam_dsl.api as api; "
        "api.to_text(api.load('space s { head h(x: 8) { y = linear(x, 4) } }')); "
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
