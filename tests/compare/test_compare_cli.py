"""`nasiam compare` end to end on a tiny budget: cells, resume, --cell, --jobs, outputs."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from nasiam_dsl.cli import main
from tests.conftest import TINY_SPACE

GENOTYPE = """\
genotype {name} for simsiam {{
  head projector(x: backbone) {{
    h = linear(x, 32, bias=false) | bn | {act}
    z = linear(h, 32, bias=frozen) | bn(affine=false)
  }}
  head predictor(z: projector) {{
    h = linear(z, 16, bias=false) | bn | relu
    p = linear(h, 32)
  }}
}}
"""

TINY = ["--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "32", "--limit", "256"]
TINY += ["--device", "cpu", "--probe-epochs", "5", "--k", "20", "--deterministic"]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("compare")
    (root / "tiny.nas").write_text(TINY_SPACE)
    (root / "relu.nas").write_text(GENOTYPE.format(name="relu", act="relu"))
    (root / "silu.nas").write_text(GENOTYPE.format(name="silu", act="silu"))
    (root / "tiny.toml").write_text("backbone_options = {width = 4}\n")
    return root


def compare(files: Path, out: Path, *args: str, seeds: str = "0,1"):
    argv = ["compare", str(files / "relu.nas"), str(files / "silu.nas"), "--seeds", seeds]
    argv += ["--config", str(files / "tiny.toml"), "--out", str(out), *TINY, *args]
    return CliRunner().invoke(main, argv)


class Counting:
    """Counts the training runs the cells start."""

    def __init__(self, monkeypatch) -> None:
        from nasiam_dsl.run import runner

        self.calls = 0
        real = runner.start

        def start(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(runner, "start", start)


@pytest.fixture(scope="module")
def study(files, one_thread_module) -> Path:
    out = files / "study"
    with pytest.MonkeyPatch.context() as mp:
        runs = Counting(mp)
        result = compare(files, out, "--random", "1", "--space", str(files / "tiny.nas"))
    assert result.exit_code == 0, result.output
    assert runs.calls == 6  # 3 candidates x 2 seeds; the baselines train nothing
    (out / "output.txt").write_text(result.output)
    return out


@pytest.fixture(scope="module")
def one_thread_module():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_every_cell_is_a_run_directory_with_a_result(study: Path) -> None:
    for name in ("relu", "silu", "random-01"):
        for seed in (0, 1):
            cell = study / name / f"seed{seed}"
            assert (cell / "backbone.pt").exists() and (cell / "config.json").exists()
            result = json.loads((cell / "result.json").read_text())
            assert result["seed"] == seed and 0 <= result["knn"] <= 1
            assert json.loads((cell / "config.json").read_text())["seed"] == seed
    assert (study / "random-init" / "seed1" / "result.json").exists()
    assert sorted(p.name for p in (study / "raw-pixels").iterdir()) == ["seed0"]  # seed-free
    metrics = (study / "relu" / "seed0" / "metrics.jsonl").read_text().splitlines()
    assert all("knn" not in json.loads(line) for line in metrics)  # no monitor pass: compare
    assert (study / "random" / "sample-01.nas").read_text().startswith("genotype tiny_sample01")


def test_csv_json_plot_and_verdict(study: Path) -> None:
    rows = list(csv.DictReader((study / "compare.csv").open()))
    assert [r["candidate"] for r in rows] == [
        "relu",
        "silu",
        "random-01",
        "random-init",
        "raw-pixels",
    ]
    assert rows[0]["knn_diff"] == ""  # the reference
    silu = rows[1]
    assert float(silu["knn_diff_low"]) <= float(silu["knn_diff"]) <= float(silu["knn_diff_high"])
    assert int(silu["head_params"]) > 0 and int(silu["head_flops"]) > 0
    document = json.loads((study / "compare.json").read_text())
    assert document["reference"] == "relu"
    assert document["test_images"] == 1000
    assert document["linear_probe"] == "linear probe on frozen features, 5 epochs, no augmentation"
    relu = document["candidates"][0]
    means = sum(relu["values"]["knn"].values()) / 2
    assert relu["knn_mean"] == pytest.approx(means)
    assert any("cannot be resolved" in line for line in document["verdict"])
    assert (study / "compare.png").read_bytes()[:4] == b"\x89PNG"
    output = (study / "output.txt").read_text()
    assert "with 2 seed(s) and 1,000 test images, differences below" in output
    assert (study / "compare.pdf").read_bytes()[:4] == b"%PDF"
    # the cost up front, then what is left after each cell
    assert "9 cells: 3 candidate(s) x 2 seed(s) of 1 epochs each, and 3 baseline cell(s)" in (
        output
    )
    assert "8 left, about" in output and "every cell done" in output


def test_show_on_the_comparisons_folder_prints_its_table_and_verdict(study: Path) -> None:
    shown = CliRunner().invoke(main, ["show", str(study)])
    assert shown.exit_code == 0, shown.output
    assert f"comparison in {study}" in shown.output
    verdict = json.loads((study / "compare.json").read_text())["verdict"]
    assert all(line in shown.output for line in verdict)
    assert str(study / "compare.png") in shown.output
    exported = CliRunner().invoke(main, ["export", str(study), "--to", str(study / "x")])
    assert exported.exit_code == 2 and f"`nasiam show {study}` summarises" in exported.output


def test_candidates_named_on_the_command_line(files) -> None:
    out = files / "named"
    argv = ["compare", f"mine={files / 'relu.nas'}", f"theirs={files / 'silu.nas'}"]
    argv += ["--seeds", "0", "--out", str(out), "--list-cells", *TINY]
    listing = CliRunner().invoke(main, argv)
    assert listing.exit_code == 0, listing.output
    names = [line.split("\t")[1] for line in listing.output.splitlines() if "\t" in line]
    assert names[:2] == ["mine", "theirs"]
    taken = ["compare", f"raw-pixels={files / 'relu.nas'}", "--out", str(out), *TINY]
    refused = CliRunner().invoke(main, taken)
    assert refused.exit_code == 2 and "already taken" in refused.output


def test_rerun_skips_finished_cells_and_finishes_broken_ones(files, study, monkeypatch) -> None:
    runs = Counting(monkeypatch)
    assert compare(files, study, "--random", "1", "--space", str(files / "tiny.nas")).exit_code == 0
    assert runs.calls == 0
    (study / "silu" / "seed1" / "result.json").unlink()  # trained, evaluation lost
    (study / "silu" / "seed0" / "result.json").unlink()  # cut short: only a checkpoint left
    (study / "silu" / "seed0" / "backbone.pt").unlink()
    result = compare(files, study, "--random", "1", "--space", str(files / "tiny.nas"))
    assert result.exit_code == 0, result.output
    assert "cell 2: silu seed 0" in result.output and "cell 3: silu seed 1" in result.output
    assert runs.calls == 1  # seed0 resumed from its checkpoint; seed1 only evaluated again
    assert (study / "silu" / "seed0" / "backbone.pt").exists()
    listing = compare(
        files, study, "--list-cells", "--random", "1", "--space", str(files / "tiny.nas")
    )
    assert listing.output.count("\tdone") == 9  # raw pixels once, not per seed


def test_one_cell_at_a_time_like_a_job_array(files, monkeypatch) -> None:
    out = files / "array"
    listing = compare(files, out, "--list-cells", seeds="0")
    assert listing.exit_code == 0
    assert listing.output.splitlines()[0].split("\t") == ["0", "relu", "seed0", "pending"]
    runs = Counting(monkeypatch)
    result = compare(files, out, "--cell", "3", seeds="0")  # raw pixels: no training
    assert result.exit_code == 0, result.output
    assert "3 of 4 still pending" in result.output and runs.calls == 0
    assert (out / "raw-pixels" / "seed0" / "result.json").exists()
    assert compare(files, out, "--cell", "9", seeds="0").exit_code == 2


def test_two_worker_processes(files) -> None:
    out = files / "jobs"
    result = compare(files, out, "--jobs", "2", seeds="0")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "compare.json").read_text())["candidates"][1]["seeds"] == 1


def test_the_same_heads_twice_are_trained_once(files, monkeypatch) -> None:
    """Two searches that found the same heads: other names, meta, comments, probabilities."""
    first = GENOTYPE.format(name="found0", act="act{relu @0.9}")
    again = GENOTYPE.format(name="found1", act="act{relu @0.6}").replace(
        "for simsiam {\n", "for simsiam {\n  meta {\n    seed = 1\n  }\n# found again\n", 1
    )
    (files / "found0.nas").write_text(first)
    (files / "again.nas").write_text(again)
    out = files / "same"
    runs = Counting(monkeypatch)
    argv = ["compare", str(files / "found0.nas"), str(files / "again.nas"), "--seeds", "0"]
    argv += ["--config", str(files / "tiny.toml"), "--out", str(out), *TINY]
    result = CliRunner().invoke(main, [*argv, "--reference", "again"])
    assert result.exit_code == 0, result.output
    assert "again has the same heads as found0: trained once, as found0" in result.output
    assert runs.calls == 1
    rows = json.loads((out / "compare.json").read_text())["candidates"]
    assert [r["candidate"] for r in rows] == ["found0", "random-init", "raw-pixels"]


def test_candidates_without_a_known_architecture_are_never_merged() -> None:
    from nasiam_dsl.compare import Candidate, same_heads

    unknown = [Candidate(name="a", spec="a.nas"), Candidate(name="b", spec="b.nas")]
    assert same_heads(unknown) == (unknown, {})
    known = [Candidate(name=n, spec=f"{n}.nas", architecture="h") for n in ("a", "b")]
    assert same_heads(known) == (known[:1], {"b": "a"})


def test_moved_genotype_files_resume_the_same_comparison(files, study, tmp_path, monkeypatch):
    """A comparison is its candidates' heads, not their paths: a shipped genotype moves with
    every install, a study directory with its user; an edited genotype is another study."""
    import shutil

    moved, copy = tmp_path / "moved", tmp_path / "study"
    shutil.copytree(files, moved, ignore=shutil.ignore_patterns("study", "array", "jobs", "same"))
    shutil.copytree(study, copy)
    plan = json.loads((copy / "comparison.json").read_text())
    for candidate in plan["candidates"]:  # as written before the field existed
        candidate.pop("architecture", None)
    (copy / "comparison.json").write_text(json.dumps(plan))
    runs = Counting(monkeypatch)
    space = ["--random", "1", "--space", str(moved / "tiny.nas")]
    result = compare(moved, copy, *space)
    assert result.exit_code == 0, result.output
    assert runs.calls == 0
    (moved / "silu.nas").write_text(GENOTYPE.format(name="silu", act="gelu"))
    edited = compare(moved, copy, *space)
    assert edited.exit_code == 2 and "holds another comparison" in edited.output


def test_user_errors_exit_2(files, study) -> None:
    assert "--random needs --space" in compare(files, study, "--random", "1").output
    bad = compare(files, study, "--reference", "nope")
    assert bad.exit_code == 2 and "--reference 'nope' is not a candidate" in bad.output
    other = compare(files, study, seeds="0,1,2")
    assert other.exit_code == 2 and "holds another comparison" in other.output
    space = CliRunner().invoke(main, ["compare", str(files / "tiny.nas"), "--out", str(study)])
    assert space.exit_code == 2 and "is a space" in space.output
    assert compare(files, study, "--seed", "3").exit_code == 2


def test_eval_standard_protocol_on_a_cell(study: Path) -> None:
    argv = ["eval", str(study / "relu" / "seed0"), "--protocol", "standard", "--json"]
    result = CliRunner().invoke(main, [*argv, "--probe-epochs", "1", "--k", "20"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["probe"].startswith("standard linear protocol: frozen backbone, random resized")
    assert 0.1 < report["linear_probe"] <= 1  # 10 classes: above chance after one epoch


def test_an_unreadable_result_is_evaluated_again_with_a_line_saying_so(
    files, study, tmp_path, monkeypatch
) -> None:
    import shutil

    copy = tmp_path / "study"
    shutil.copytree(study, copy)
    (copy / "silu" / "seed1" / "result.json").write_text("")  # a full disk, say
    (copy / "relu" / "seed0" / "result.json").write_text('{"candidate": "re')  # cut short
    runs = Counting(monkeypatch)
    result = compare(files, copy, "--random", "1", "--space", str(files / "tiny.nas"))
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    assert f"{copy / 'silu' / 'seed1' / 'result.json'} is empty; evaluating it again" in (
        result.output.replace("\n", "")
    )
    assert "is not a result this nasiam reads; evaluating it again" in result.output
    assert runs.calls == 0  # both were trained: only their evaluation is redone
    assert json.loads((copy / "silu" / "seed1" / "result.json").read_text())["seed"] == 1


def test_a_refused_resume_names_what_differs_and_the_device_may_change(
    files, study, tmp_path
) -> None:
    import shutil

    copy = tmp_path / "study"
    shutil.copytree(study, copy)
    space = ["--random", "1", "--space", str(files / "tiny.nas")]
    moved = compare(files, copy, *space, "--device", "auto")  # a GPU machine, say
    assert moved.exit_code == 0, moved.output
    longer = compare(files, copy, *space, "--epochs", "2", "--lr", "0.01")
    assert longer.exit_code == 2, longer.output
    text = " ".join(longer.output.split())
    assert "--epochs (epochs) 2 (was 1)" in text
    assert "--lr (optim.lr) 0.01" in text
    assert "the device and --jobs may change" in text


def test_a_search_scores_the_members_and_says_how_it_ranks_them(files, study, monkeypatch):
    """`--search RUN` on a finished comparison: no cell trains again; every candidate that is
    a member of the run's space gets the search's score (the one its genotype.nas is ranked
    by), the table gains the column, and the report gives τ, the found genotype's rank and
    regret."""
    import math

    from nasiam_dsl.compare.search_rank import kendall_tau, permutation_p

    searched = CliRunner().invoke(
        main,
        ["search", str(files / "tiny.nas"), "--config", str(files / "tiny.toml"), "--out",
         str(files / "searched"), "--name", "s", "--quiet", *TINY[:10]],
    )  # fmt: skip
    assert searched.exit_code == 0, searched.output
    run = files / "searched" / "s"
    runs = Counting(monkeypatch)
    space = ["--random", "1", "--space", str(files / "tiny.nas")]
    result = compare(files, study, *space, "--search", str(run))
    assert result.exit_code == 0, result.output
    assert runs.calls == 0
    text = " ".join(result.output.split())
    assert "search score" in result.output
    assert f"search ranking ({run}): Kendall τ" in text and "over 3 members" in text
    document = json.loads((study / "compare.json").read_text())
    scores = {c["candidate"]: c["search_score"] for c in document["candidates"]}
    assert scores["random-init"] is None and all(
        0 < scores[n] <= 1 for n in ("relu", "silu", "random-01")
    )
    # the score is the one the search ranked by: its genotype scores at least every member
    from nasiam_dsl.compare import Candidate, search_scores

    found = search_scores(run, [Candidate(name="found", spec=str(run / "genotype.nas"))])
    assert found["found"].score >= max(scores[n] for n in ("relu", "silu", "random-01")) - 1e-12
    search = document["search"]
    assert sorted(search["members"]) == ["random-01", "relu", "silu"]
    by_name = {c["candidate"]: c for c in document["candidates"]}
    knn = [by_name[n] for n in search["members"]]
    tau = kendall_tau([scores[c["candidate"]] for c in knn], [c["knn_mean"] for c in knn])
    assert math.isclose(search["kendall_tau"]["knn"]["value"], tau)
    assert search["kendall_tau"]["knn"]["p_value"] == permutation_p(
        [scores[c["candidate"]] for c in knn], [c["knn_mean"] for c in knn]
    )
    rows = list(csv.DictReader((study / "compare.csv").open()))
    assert rows[0]["search_score"] != "" and rows[-1]["search_score"] == ""
    wrong = compare(files, study, *space, "--search", str(files / "relu.nas"))
    assert wrong.exit_code == 2


def test_kendall_tau_and_its_permutation_test() -> None:
    from nasiam_dsl.compare.search_rank import kendall_tau, permutation_p

    assert kendall_tau([1, 2, 3, 4], [10, 20, 30, 40]) == 1.0
    assert kendall_tau([1, 2, 3, 4], [40, 30, 20, 10]) == -1.0
    assert kendall_tau([1, 2, 3], [1, 1, 2]) == pytest.approx(2 / 6**0.5)  # tau-b with a tie
    assert permutation_p([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(2 / 24)
    assert math.isnan(kendall_tau([1, 1], [2, 3]))
