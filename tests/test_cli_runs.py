"""The run commands as a user types them, through click's runner: search, show, train, eval,
diff, compile, and the refusals (exit 2, no traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomllib
from click.testing import CliRunner
from PIL import Image

from nasiam_dsl.cli import main
from nasiam_dsl.show.figures import FIGURE_DPI
from nasiam_dsl.show.plots import grid_size, heatmap_size, panel_size
from tests.conftest import TINY_SPACE

ROOT = Path(__file__).resolve().parents[1]

TINY_TOML = """
backbone = "small_cnn"
epochs = 2
batch_size = 32
steps_per_epoch = 3
device = "cpu"
knn_k = 20

[backbone_options]
width = 4

[data]
limit = 256

[engine]
arch_lr = 0.05
"""


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    (tmp / "tiny.nas").write_text(TINY_SPACE)
    (tmp / "tiny.toml").write_text(TINY_TOML)
    result = CliRunner().invoke(
        main,
        [
            "search",
            str(tmp / "tiny.nas"),
            "--config",
            str(tmp / "tiny.toml"),
            "--out",
            str(tmp / "runs"),
            "--name",
            "s",
            "--top-k",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    return tmp, tmp / "runs" / "s", result.output


def test_search_prints_the_genotype_and_the_run_directory(searched):
    _, run_dir, output = searched
    assert "genotype tiny_derived for simsiam" in output
    assert str(run_dir) in output
    assert (run_dir / "genotype.nas").read_text() in output


def test_show_writes_non_empty_pngs(searched):
    _, run_dir, _ = searched
    result = CliRunner().invoke(main, ["show", str(run_dir)])
    assert result.exit_code == 0, result.output
    expected = {
        "probabilities-projector.png": heatmap_size(2, 2, FIGURE_DPI),  # op and act, 2 each
        "probabilities-predictor.png": heatmap_size(1, 2, FIGURE_DPI),  # the width choice
        "choices.png": grid_size(3, FIGURE_DPI),
    }
    for name in (
        "probabilities-projector.png",
        "probabilities-predictor.png",
        "choices.png",
        "collapse.png",
        "losses.png",
    ):
        path = run_dir / name
        assert path.stat().st_size > 1000, name
        with Image.open(path) as img:
            assert img.format == "PNG"
            if name in expected:
                assert img.size == expected[name], name
            else:
                width, height = panel_size(1, FIGURE_DPI)
                assert img.height == height and img.width % width == 0
    assert (run_dir / "genotype.dot").read_text().startswith("digraph")


def test_train_the_genotype_then_evaluate(searched):
    tmp, run_dir, _ = searched
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "train",
            str(run_dir / "genotype.nas"),
            "--config",
            str(tmp / "tiny.toml"),
            "--epochs",
            "1",
            "--out",
            str(tmp / "runs"),
            "--name",
            "t",
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        main, ["eval", str(tmp / "runs" / "t"), "--json", "--k", "20", "--probe-epochs", "5"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert 0.0 <= report["knn"] <= 1.0 and 0.0 <= report["linear_probe"] <= 1.0
    assert report["test_images"] == 1000


def test_diff_of_the_top_two_genotypes(searched):
    _, run_dir, _ = searched
    result = CliRunner().invoke(
        main, ["diff", str(run_dir / "genotype.nas"), str(run_dir / "genotype-top2.nas")]
    )
    assert result.exit_code == 1, result.output  # they differ in one decision at least
    result = CliRunner().invoke(
        main, ["diff", str(run_dir / "genotype.nas"), str(run_dir / "genotype.nas")]
    )
    assert result.exit_code == 0


def test_compile_json_counts_the_seed_space():
    result = CliRunner().invoke(main, ["compile", str(ROOT / "spaces/nasiam.nas"), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert int(report["architectures"]) == 7**8 * 6 * 3  # one per distinct architecture


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--framework", "simsaim"], "did you mean 'simsiam'"),
        (["--backbone", "resnet19"], "unknown backbone"),
        (["--framework", "mocov2"], "is not a slot of framework mocov2"),
        (["--framework", "barlowtwins"], "is not a slot"),
        (["--epochs", "0"], "--epochs"),
        (["--batch-size", "-4"], "--batch-size"),
        (["--dataset", "imagefolder", "--data-dir", "/nonexistent/images"], "/nonexistent"),
        (["--dataset", "cifar11"], "unknown dataset"),
        (["--resume", "/nonexistent/run"], "no checkpoint"),
    ],
)
def test_bad_options_exit_2_with_a_message(searched, args, message):
    tmp, _, _ = searched
    result = CliRunner().invoke(
        main,
        [
            "search",
            str(tmp / "tiny.nas"),
            "--config",
            str(tmp / "tiny.toml"),
            "--out",
            str(tmp / "bad"),
            *args,
        ],
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_space_given_to_train_is_refused(searched):
    tmp, _, _ = searched
    result = CliRunner().invoke(main, ["train", str(tmp / "tiny.nas"), "--out", str(tmp / "x")])
    assert result.exit_code == 2
    assert "needs a genotype" in result.output


def test_unknown_config_key_names_key_and_file(searched):
    tmp, _, _ = searched
    bad = tmp / "bad.toml"
    bad.write_text("[engine]\narch_learning_rate = 1\n")
    result = CliRunner().invoke(main, ["search", str(tmp / "tiny.nas"), "--config", str(bad)])
    assert result.exit_code == 2
    assert "engine.arch_learning_rate" in result.output and str(bad) in result.output


def test_search_per_seed_then_win_counts(searched):
    tmp, _, _ = searched
    args = ["search", str(tmp / "tiny.nas"), "--config", str(tmp / "tiny.toml"), "--epochs",
            "1", "--out", str(tmp / "seeds"), "--seeds", "0,1", "--quiet"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    for seed in (0, 1):
        assert (tmp / "seeds" / "seeds-tiny" / f"seed{seed}" / "genotype.nas").is_file()
    assert "projector.h.op" in result.output  # the win table names every choice
    shown = CliRunner().invoke(main, ["show", str(tmp / "seeds" / "seeds-tiny")])
    assert shown.exit_code == 0 and "winners over 2 runs (seeds 0, 1)" in shown.output
    assert "`nasiam show" in shown.output and "shows one" in shown.output
    again = CliRunner().invoke(main, [*args[:-2], "0", "--quiet"])  # unnamed: a new folder
    assert again.exit_code == 0, again.output
    assert (tmp / "seeds" / "seeds-tiny-2" / "seed0" / "genotype.nas").is_file()
    assert "One run: agreement across seeds" in again.output


def test_seeds_must_be_integers(searched):
    tmp, _, _ = searched
    result = CliRunner().invoke(main, ["search", str(tmp / "tiny.nas"), "--seeds", "a,b"])
    assert result.exit_code == 2 and "--seeds" in result.output


def test_train_without_a_genotype_uses_the_frameworks_standard_heads(searched):
    tmp, _, _ = searched
    result = CliRunner().invoke(
        main,
        ["train", "--framework", "mocov2", "--config", str(tmp / "tiny.toml"), "--print-config"],
    )
    assert result.exit_code == 0, result.output
    assert tomllib.loads(result.output)["spec"].endswith("standard/mocov2.nas")


def test_a_head_width_that_does_not_match_the_backbone(searched):
    tmp, _, _ = searched
    space = tmp / "wide.nas"
    space.write_text(TINY_SPACE.replace("head projector(x: backbone)", "head projector(x: 512)"))
    result = CliRunner().invoke(
        main, ["search", str(space), "--config", str(tmp / "tiny.toml"), "--out", str(tmp / "bad")]
    )
    assert result.exit_code == 2, result.output
    assert "head 'projector' reads 512 features" in result.output
    assert "backbone's 16 features" in result.output and "Traceback" not in result.output


def test_show_on_a_folder_of_unreadable_seed_runs_is_a_message(tmp_path):
    for seed, text in (("seed0", "garbage"), ("seed1", "{}")):
        (tmp_path / seed).mkdir()
        (tmp_path / seed / "config.json").write_text(text)
    result = CliRunner().invoke(main, ["show", str(tmp_path)])
    assert result.exit_code == 2 and "holds 2 runs" in result.output
    assert "internal error" not in result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a crash
