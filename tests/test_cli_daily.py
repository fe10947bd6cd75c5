"""A researcher's daily use of the CLI: shipped spaces by name, run directories found the way
users point at them, a resume that refuses what it would ignore, `--print-config` that
`--config` reads back, names checked before torch, genotypes against their spaces, export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from click.testing import CliRunner

from nasiam_dsl.cli import main
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.resolve import with_nones
from tests.conftest import TINY_SPACE

ROOT = Path(__file__).resolve().parents[1]
TINY = [
    "--backbone-options", '{"width": 4}', "--limit", "256", "--epochs", "1",
    "--batch-size", "32", "--steps-per-epoch", "2", "--device", "cpu", "--knn-k", "10",
]  # fmt: skip


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def searched(tmp_path_factory) -> tuple[Path, Path, Path]:
    """`nasiam search tiny.nas --out OUT` (one run inside OUT): (tmp, OUT, the run)."""
    tmp = tmp_path_factory.mktemp("daily")
    (tmp / "tiny.nas").write_text(TINY_SPACE)
    result = invoke("search", tmp / "tiny.nas", *TINY, "--out", tmp / "out1", "--quiet")
    assert result.exit_code == 0, result.output
    (run,) = (tmp / "out1").iterdir()
    return tmp, tmp / "out1", run


def config_of(output: str) -> RunConfig:
    return RunConfig.model_validate(with_nones(tomllib.loads(output)))


# ---- shipped spaces by name -------------------------------------------------------------------


def test_shipped_spaces_are_listed_and_addressable_by_name() -> None:
    listed = invoke("spaces")
    assert listed.exit_code == 0
    lines = dict(line.split(maxsplit=1) for line in listed.output.splitlines())
    assert {"demo", "nasiam", "standard/simsiam"} <= set(lines)
    assert "SimSiam" in lines["nasiam"] and "\n" not in lines["nasiam"]  # its header comment
    checked = invoke("check", "demo.nas", "standard/simsiam")
    assert checked.exit_code == 0, checked.output
    assert "space 'demo'" in checked.output and "genotype 'simsiam'" in checked.output
    printed = invoke("search", "demo", "--print-config")
    assert printed.exit_code == 0, printed.output
    assert Path(config_of(printed.output).spec).resolve() == ROOT / "spaces/demo.nas"


# ---- print-config and --config ---------------------------------------------------------------


@pytest.mark.parametrize("command", ["search", "train"])
def test_print_config_is_toml_that_config_reads_back(command: str, tmp_path: Path) -> None:
    spec = "demo" if command == "search" else "standard/simsiam"
    flags = ["--lr", "0.1", "--grad-clip", "none", "--limit", "64", "--top-k", "1"]
    flags = flags if command == "search" else flags[:2] + flags[4:6]
    first = invoke(command, spec, *flags, "--print-config")
    assert first.exit_code == 0, first.output
    (tmp_path / "c.toml").write_text(first.output)
    again = invoke(command, "--config", tmp_path / "c.toml", "--print-config")
    assert again.exit_code == 0, again.output
    assert again.output == first.output
    config = config_of(first.output)
    assert config.optim.lr == 0.1 and config.data.limit == 64
    assert config.framework_options == {"fix_pred_lr": True}  # the framework's, filled in
    if command == "search":
        assert config.engine.grad_clip is None and config.search.top_k == 1


def test_config_accepts_a_runs_config_json(searched) -> None:
    _, _, run = searched
    result = invoke("search", "--config", run / "config.json", "--print-config")
    assert result.exit_code == 0, result.output
    saved = RunConfig.model_validate_json((run / "config.json").read_text())
    assert config_of(result.output) == saved


def test_misspelt_names_are_refused_together_before_torch_is_imported() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from nasiam_dsl.cli import main\n"
        "r = CliRunner().invoke(main, ['search', 'demo', '--framework', 'moco2', '--backbone',"
        " 'resnet-18', '--dataset', 'mnist', '--print-config'])\n"
        "print(r.exit_code, 'torch' in sys.modules)\n"
        "print(r.output)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    head, _, output = done.stdout.partition("\n")
    assert head == "2 False", done.stdout + done.stderr
    assert "did you mean 'mocov2'" in output
    assert "did you mean 'resnet18'" in output
    assert "did you mean 'fashion-mnist'" in output
    assert "3 problems" in output and "Traceback" not in output


def test_unknown_keys_of_a_config_file_are_listed_with_the_closest_key(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text("epoch = 3\n[optim]\nlearning_rate = 1\n[data]\nlimt = 4\n")
    result = invoke("search", "demo", "--config", tmp_path / "c.toml")
    assert result.exit_code == 2
    assert "unknown config key 'epoch'; did you mean 'epochs'?" in result.output
    assert "unknown config key 'data.limt'; did you mean 'data.limit'?" in result.output
    assert "optim.learning_rate" in result.output


def test_the_declared_names_are_the_registries_names() -> None:
    """The command line reads each registry's own registrations from their source (no
    torch); importing the registries finds exactly those names."""
    import subprocess

    # a fresh process: tests before this one may register names of their own
    same = (
        "from nasiam_dsl.backbones import available_backbones as b; "
        "from nasiam_dsl.data import list_datasets as d; "
        "from nasiam_dsl.frameworks.registry import available_frameworks as f; "
        "from nasiam_dsl.names import declared_names as n; "
        "from nasiam_dsl.search.samplers import available_samplers as s; "
        "print(n('frameworks', 'register_framework') == tuple(f()), "
        "n('backbones', 'register_backbone') == tuple(b()), "
        "n('data', 'register_dataset') == tuple(d()), "
        "n('search', 'register_sampler') == tuple(s()))"
    )
    out = subprocess.run([sys.executable, "-c", same], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True"] * 4
    check = (
        "import sys; from nasiam_dsl.run.resolve import problems_of; "
        "p = problems_of({'command': 'search', 'spec': 'x', 'framework': 'simsam', "
        "'search': {'sampler': 'gumbl'}}); print(p); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert "did you mean 'simsiam'" in out.stdout and "did you mean 'gumbel'" in out.stdout
    assert out.stdout.strip().endswith("False")  # refused before torch loads


def test_a_name_registered_from_python_is_known(tmp_path: Path) -> None:
    from nasiam_dsl.run.known_names import name_problem
    from nasiam_dsl.search.samplers import SoftmaxSampler, register_sampler, unregister_sampler

    assert name_problem(("search", "sampler"), "warm_softmax") is not None
    register_sampler("warm_softmax", SoftmaxSampler)
    try:
        assert name_problem(("search", "sampler"), "warm_softmax") is None
    finally:
        unregister_sampler("warm_softmax")


# ---- run directories as users point at them -----------------------------------------------------


def test_show_finds_the_run_inside_an_out_folder(searched) -> None:
    _, out1, run = searched
    result = invoke("show", out1, "--no-plots")
    assert result.exit_code == 0, result.output
    assert f"holds one run: using {run}" in result.output


def test_a_folder_of_several_runs_lists_them(searched, tmp_path: Path) -> None:
    _, _, run = searched
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text((run / "config.json").read_text())
    for command in (["show"], ["eval"], ["export"], ["search", "--resume"]):
        extra = ["--to", str(tmp_path / "x")] if command == ["export"] else []
        result = invoke(*command, tmp_path, *extra)
        assert result.exit_code == 2, (command, result.output)
        assert "holds 2 runs" in result.output, (command, result.output)
        assert str(tmp_path / "a") in result.output and str(tmp_path / "b") in result.output


# ---- resume -----------------------------------------------------------------------------------


def test_resume_refuses_flags_that_conflict_with_the_run(searched, tmp_path: Path) -> None:
    _, _, run = searched
    other = tmp_path / "other.nas"
    other.write_text(TINY_SPACE.replace("width{8, 16}", "width{8, 24}"))
    result = invoke("search", other, "--resume", run, "--epochs", "5", "--lr", "7")
    assert result.exit_code == 2, result.output
    assert "--lr (optim.lr) 7.0 differs from the run's 0.06" in result.output
    assert f"{other} (sha256 " in result.output and "is not the run's space" in result.output
    assert "--epochs" in result.output  # named among those that may change
    assert json.loads((run / "summary.json").read_text())["epochs"] == 1  # untouched


def test_resume_needs_no_space_and_extends_the_epochs(searched) -> None:
    tmp, out1, _ = searched
    copy = tmp / "extended"
    import shutil

    shutil.copytree(out1, copy)
    (run,) = copy.iterdir()
    result = invoke("search", "--resume", copy, "--epochs", "2", "--quiet", "--device", "cpu")
    assert result.exit_code == 0, result.output
    # --quiet hides progress, not the warning; a line of its own, no Python warning
    assert "warning: --epochs 2 stretches this 1-epoch run's cosine lr schedule" in result.stderr
    summary = json.loads((run / "summary.json").read_text())
    assert summary["epochs"] == 2 and summary["steps"] == 4
    assert RunConfig.model_validate_json((run / "config.json").read_text()).epochs == 2
    lines = (run / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines] == [1, 2]
    fewer = invoke("search", "--resume", run, "--epochs", "1")
    assert fewer.exit_code == 2 and "already done 2 epochs" in fewer.output


def test_resume_reads_the_runs_own_space_from_any_directory(tmp_path: Path, monkeypatch) -> None:
    """Started in A with a relative SPACE; resumed from B, even when B holds an edited file
    of that name: the run reads its own copy, and a SPACE given that differs is refused."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "sp.nas").write_text(TINY_SPACE)
    monkeypatch.chdir(first)
    started = invoke("search", "sp.nas", *TINY, "--out", "runs", "--name", "r", "--quiet")
    assert started.exit_code == 0, started.output
    run = first / "runs" / "r"
    edited = TINY_SPACE.replace("act{relu, silu}", "act{relu, sigmoid}")
    (second / "sp.nas").write_text(edited)
    monkeypatch.chdir(second)
    resumed = invoke("search", "--resume", run, "--epochs", "2", "--quiet", "--device", "cpu")
    assert resumed.exit_code == 0, resumed.output
    genotype = (run / "genotype.nas").read_text()
    assert "sigmoid" not in genotype
    checked = invoke("check", run / "genotype.nas", "--space", run / "sp.nas")
    assert checked.exit_code == 0, checked.output
    refused = invoke("search", "sp.nas", "--resume", run, "--epochs", "3")
    assert refused.exit_code == 2, refused.output
    assert "sp.nas (sha256 " in refused.output and str(run / "sp.nas") in refused.output
    assert json.loads((run / "summary.json").read_text())["epochs"] == 2  # untouched


def test_train_does_not_resume_a_search(searched) -> None:
    _, _, run = searched
    result = invoke("train", "--resume", run, "--epochs", "3")
    assert result.exit_code == 2, result.output
    assert "is a search run" in result.output
    assert f"nasiam search --resume {run}" in result.output


def test_a_printed_config_runs_from_another_directory(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "sp.nas").write_text(TINY_SPACE)
    monkeypatch.chdir(tmp_path)
    printed = invoke("search", "sp.nas", *TINY, "--print-config")
    assert printed.exit_code == 0, printed.output
    (tmp_path / "run.toml").write_text(printed.output)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = invoke("search", "--config", tmp_path / "run.toml", "--out", "o", "--quiet")
    assert result.exit_code == 0, result.output


def test_show_of_a_run_without_a_genotype_yet_says_so(tmp_path: Path) -> None:
    (tmp_path / "tiny.nas").write_text(TINY_SPACE)
    result = invoke("search", tmp_path / "tiny.nas", *TINY, "--out", tmp_path, "--name", "r",
                    "--stop-after", "1", "--quiet")  # fmt: skip
    assert result.exit_code == 130
    (tmp_path / "r" / "genotype.nas").unlink()  # killed before its first genotype, say
    shown = invoke("show", tmp_path / "r", "--no-plots")
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    assert "no genotype yet (0 of 1 epochs done" in text
    assert f"nasiam search --resume {tmp_path / 'r'}" in text
    assert "space tiny for simsiam" in text and "act: relu, silu" in text


def test_an_edited_copy_of_a_runs_space_is_named_in_its_errors(searched, tmp_path) -> None:
    import shutil

    _, _, run = searched
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    (copy / "tiny.nas").write_text(TINY_SPACE.replace("| bn | relu", "| bn | rleu"))
    result = invoke("export", copy, "--to", tmp_path / "x")
    assert result.exit_code == 2, result.output
    assert "<text>" not in result.output
    assert f"{copy / 'tiny.nas'}:7:52" in result.output and "unknown op 'rleu'" in result.output
    shown = invoke("show", copy)  # the figures read the space: its errors name it too
    assert "<text>" not in shown.output


def test_framework_options_are_checked_before_anything_runs(tmp_path: Path) -> None:
    (tmp_path / "m.nas").write_text(
        "space m for mocov2 { head projector(x: backbone) { z = linear(x, 32) } }\n"
    )
    options = '{"temperature": "x", "tempreature": 1}'
    for extra in (["--print-config"], [*TINY, "--out", tmp_path]):
        result = invoke("search", tmp_path / "m.nas", "--framework", "mocov2",
                        "--framework-options", options, *extra)  # fmt: skip
        assert result.exit_code == 2, result.output
        text = " ".join(result.output.split())
        assert "--framework-options: temperature: input should be a valid number" in text
        assert "'tempreature' is not an option of mocov2 (did you mean 'temperature'?" in text
        assert "errors.pydantic.dev" not in text and "validation error" not in text
    assert not any(tmp_path.glob("search-*"))  # refused before a run directory exists


def test_an_interrupted_run_prints_its_resume_command(tmp_path: Path) -> None:
    (tmp_path / "tiny.nas").write_text(TINY_SPACE)
    result = invoke("search", tmp_path / "tiny.nas", *TINY, "--out", tmp_path, "--name", "r",
                    "--stop-after", "1", "--quiet")  # fmt: skip
    assert result.exit_code == 130
    assert f"resume with: nasiam search --resume {tmp_path / 'r'}" in result.output


# ---- genotypes and their spaces; export ----------------------------------------------------------


def test_check_and_train_with_space_list_every_mismatch(tmp_path: Path) -> None:
    result = invoke("check", "standard/simsiam", "--space", "demo")
    assert result.exit_code == 2
    assert "3 mismatches between" in result.output and "the space's side" in result.output
    trained = invoke("train", "standard/simsiam", "--space", "demo", "--out", tmp_path)
    assert trained.exit_code == 2 and "3 mismatches" in trained.output
    assert not any(tmp_path.iterdir())  # refused before a run directory is made


def test_pin_then_check_then_diff_ignoring_probabilities(tmp_path: Path) -> None:
    pinned = tmp_path / "p.nas"
    decisions = ["projector.h1.act=gelu", "projector.h2.op=1", "predictor.h.width=64",
                 "predictor.h.act=relu"]  # fmt: skip
    result = invoke("pin", "demo", *decisions, "--out", pinned)
    assert result.exit_code == 2 and "is not a candidate of projector.h1.act" in result.output
    decisions[0] = "projector.h1.act=silu"
    result = invoke("pin", "demo", *decisions, "--out", pinned)
    assert result.exit_code == 0, result.output
    assert invoke("check", pinned, "--space", "demo").exit_code == 0
    derived = {p: tmp_path / f"{p}.nas" for p in ("0.7", "0.6")}
    for p, path in derived.items():  # as two searches derive the same decision
        text = pinned.read_text().replace("| silu", f"| act{{silu @{p}}}")
        searched = (  # and the meta a search writes from its probabilities
            f"meta {{\n    rank = 2\n    score = {p}\n    decided = 1\n    undecided = 3\n"
            f'    decided_ratio = 2.0\n    margin_projector_h1_act = "silu {p} vs relu 0.1"\n'
        )
        path.write_text(text.replace("meta {\n", searched, 1))
    assert "score = 0.7" in derived["0.7"].read_text()
    assert invoke("diff", *derived.values()).exit_code == 1
    assert invoke("diff", *derived.values(), "--ignore-probs").exit_code == 0
    other = tmp_path / "other.nas"  # another decision still differs
    other.write_text(derived["0.6"].read_text().replace("silu @0.6", "relu @0.6"))
    differs = invoke("diff", derived["0.7"], other, "--ignore-probs")
    assert differs.exit_code == 1 and "projector.h1.act" in differs.output


def test_import_nasiam_writes_a_member_of_the_seed_space(tmp_path: Path) -> None:
    text = (
        "Genotype(encoder=[('relu', 0), ('relu', 1), ('relu', 2), ('relu', 3), ('relu', 4)],"
        " encoder_concat=[], predictor=[('relu', 0), ('relu', 1), ('relu', 2)],"
        " predictor_concat=[])"
    )
    result = invoke("import-nasiam", text, "--space", "nasiam", "--out", tmp_path / "g.nas")
    if result.exit_code != 0:  # the seed's layer counts: show what it says
        assert "Traceback" not in result.output and result.exit_code == 2, result.output
        return
    assert invoke("check", tmp_path / "g.nas", "--space", "nasiam").exit_code == 0


def test_export_a_run_from_its_out_folder(searched, tmp_path: Path) -> None:
    _, out1, _ = searched
    result = invoke("export", out1, "--to", tmp_path / "x")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "x" / "heads.py").is_file()
    again = invoke("export", out1, "--to", tmp_path / "x")
    assert again.exit_code == 2 and "is not empty" in again.output
    assert "--force" in again.output  # the hint names the flag that allows it
    assert invoke("export", out1, "--to", tmp_path / "x", "--force").exit_code == 0
    assert "backbone_model.py" in result.output  # small_cnn: trainable source


# ---- logs -------------------------------------------------------------------------------------


def test_metrics_csv_sits_beside_metrics_jsonl(searched) -> None:
    import csv

    _, _, run = searched
    lines = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    rows = list(csv.DictReader((run / "metrics.csv").read_text().splitlines()))
    assert len(rows) == len(lines) == 1
    assert float(rows[0]["train/loss"]) == pytest.approx(lines[0]["train/loss"])
    assert "knn" in rows[0] and "op_counts" not in rows[0]


def test_tensorboard_missing_is_a_hint_and_leaves_no_run_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # as if not installed
    (tmp_path / "tiny.nas").write_text(TINY_SPACE)
    out = tmp_path / "runs"
    result = invoke("search", tmp_path / "tiny.nas", *TINY, "--out", out, "--tensorboard")
    assert result.exit_code == 2
    assert "pip install 'nasiam[tensorboard]'" in result.output
    assert not out.exists()


def test_epoch_lines_do_not_wrap_under_a_pipe(tmp_path: Path) -> None:
    (tmp_path / "tiny.nas").write_text(TINY_SPACE)
    deep = tmp_path / ("a-long-folder-name-" * 4)
    done = subprocess.run(
        [sys.executable, "-m", "nasiam_dsl.cli", "search", str(tmp_path / "tiny.nas"), *TINY,
         "--out", str(deep)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "COLUMNS": "80"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (epoch,) = [line for line in done.stdout.splitlines() if line.startswith("epoch 1/1")]
    assert "  loss " in epoch and epoch.endswith("s") and len(epoch) > 80
    assert f"run directory: {deep}" in done.stdout


def test_every_option_of_every_command_says_what_it_does() -> None:
    import click

    from nasiam_dsl.cli import main

    ctx = click.Context(main)
    silent = []

    def walk(command, path):
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                walk(command.get_command(ctx, name), [*path, name])
            return
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and not param.help:
                silent.append(f"nasiam {' '.join(path)} {param.opts[0]}")

    walk(main, [])
    assert not silent, "options without help: " + ", ".join(silent)


def test_the_framework_a_file_names_is_the_runs_unless_a_flag_says_otherwise(tmp_path) -> None:
    moco = invoke("search", "nasiam_moco", "--print-config")
    assert moco.exit_code == 0, moco.output
    assert tomllib.loads(moco.output)["framework"] == "mocov2"  # `space ... for mocov2`
    flag = invoke("search", "nasiam_moco", "--framework", "byol", "--print-config")
    assert tomllib.loads(flag.output)["framework"] == "byol"
    genotype = tmp_path / "g.nas"
    genotype.write_text((ROOT / "spaces" / "standard" / "byol.nas").read_text())
    trained = invoke("train", genotype, "--print-config")
    assert tomllib.loads(trained.output)["framework"] == "byol"
