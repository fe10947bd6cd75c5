"""Reading run directories back, and the errors for what is not one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nasiam_dsl.show.rundir import load_run, read_jsonl
from nasiam_dsl.usage import UsageProblem
from tests.show.conftest import FINAL, MakeRun


def test_load_run_reads_every_file(make_run: MakeRun) -> None:
    run = load_run(make_run(seed=7))
    assert run.seed == 7
    assert run.spec is not None and run.spec.kind == "space" and run.space is run.spec
    assert run.genotype is not None and run.genotype.name == "tiny_derived"
    assert [r["epoch"] for r in run.alphas] == [1, 2, 3]
    assert run.final_probabilities() == FINAL
    assert [r.epoch for r in run.metrics] == [1, 2, 3]


def test_absent_optional_files_are_empty(make_run: MakeRun) -> None:
    path = make_run(space=None, genotype=None, final=None)
    (path / "metrics.jsonl").unlink()
    run = load_run(path)
    assert (run.spec, run.space, run.genotype, run.alphas, run.metrics) == (
        None,
        None,
        None,
        [],
        [],
    )
    assert run.final_probabilities() == {}


def test_a_training_run_has_a_genotype_spec_but_no_space(make_run: MakeRun) -> None:
    from tests.show.conftest import GENOTYPE

    run = load_run(make_run(space=GENOTYPE, genotype=None, final=None))
    assert run.spec is not None and run.spec.kind == "genotype"
    assert run.space is None


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageProblem, match="no such directory"):
        load_run(tmp_path / "nope")


def test_a_file_is_not_a_run_directory(tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("x")
    with pytest.raises(UsageProblem, match="not a directory"):
        load_run(f)


def test_directory_without_config_is_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(UsageProblem, match=r"not a run directory \(it has no config.json\)") as e:
        load_run(tmp_path)
    assert e.value.hint and "nasiam search" in e.value.hint


def test_corrupt_config_names_the_file(make_run: MakeRun) -> None:
    path = make_run()
    (path / "config.json").write_text("{not json", "utf-8")
    with pytest.raises(UsageProblem, match=r"config.json: not valid JSON"):
        load_run(path)
    (path / "config.json").write_text("[1, 2]", "utf-8")
    with pytest.raises(UsageProblem, match=r"config.json: expected a JSON object"):
        load_run(path)


def test_corrupt_jsonl_line_names_file_and_line(make_run: MakeRun) -> None:
    path = make_run()
    lines = (path / "alphas.jsonl").read_text().splitlines()
    lines[1] = lines[1][:20]
    (path / "alphas.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(UsageProblem, match=r"alphas.jsonl:2: not a JSON line"):
        load_run(path)


def test_a_last_line_cut_short_is_skipped(make_run: MakeRun) -> None:
    path = make_run()
    text = (path / "metrics.jsonl").read_text()
    (path / "metrics.jsonl").write_text(text + '{"epoch": 4, "train/lo')
    assert [r["epoch"] for r in read_jsonl(path / "metrics.jsonl")] == [1, 2, 3]
    assert len(load_run(path).metrics) == 3


def test_a_line_that_is_not_an_object(make_run: MakeRun) -> None:
    path = make_run()
    (path / "metrics.jsonl").write_text('{"epoch": 1}\n[1, 2]\n')
    with pytest.raises(UsageProblem, match=r"metrics.jsonl:2: expected a JSON object"):
        load_run(path)


@pytest.mark.parametrize(
    "record",
    [
        {"epoch": 1, "step": 1},
        {"epoch": 1, "probabilities": {"a": "x"}},
        {"epoch": 1, "probabilities": {"a": []}},
        {"epoch": 1, "probabilities": {"a": [0.5, None]}},
        {"epoch": "one", "probabilities": {"a": [1.0]}},
    ],
)
def test_alphas_records_are_checked(make_run: MakeRun, record: dict) -> None:
    path = make_run()
    with open(path / "alphas.jsonl", "a") as f:
        f.write(json.dumps(record) + "\n")
    with pytest.raises(UsageProblem, match=r"alphas.jsonl:4: not an architecture record"):
        load_run(path)


def test_metrics_need_an_epoch(make_run: MakeRun) -> None:
    path = make_run(metrics=[{"epoch": 1}, {"step": 3}])
    with pytest.raises(UsageProblem, match=r"metrics.jsonl:2: .*numeric 'epoch'"):
        load_run(path)


def test_bad_genotype_text_names_the_file(make_run: MakeRun) -> None:
    path = make_run(genotype="genotype g for simsiam { head projector(x: 64) { z = ")
    with pytest.raises(UsageProblem, match=r"genotype.nas: not valid nasiam text") as e:
        load_run(path)
    assert e.value.hint and "nasiam check" in e.value.hint


def test_a_space_in_genotype_nas_is_refused(make_run: MakeRun) -> None:
    from tests.show.conftest import SPACE

    with pytest.raises(UsageProblem, match=r"genotype.nas: is a space, not a genotype"):
        load_run(make_run(genotype=SPACE))


def test_undecodable_file(make_run: MakeRun) -> None:
    path = make_run()
    (path / "alphas.jsonl").write_bytes(b"\xff\xfe\x00garbage\n")
    with pytest.raises(UsageProblem, match=r"alphas.jsonl: cannot be read"):
        load_run(path)


def test_metrics_are_read_as_epoch_records(make_run: MakeRun) -> None:
    run = load_run(make_run())
    assert run.metrics[0].knn == pytest.approx(0.4) and run.metrics[0].get("train/loss") < 0
    assert run.metrics[-1].op_counts == {
        "projector": {"param_free": 1},
        "predictor": {"param_free": 0},
    }
    path = make_run(name="bad", metrics=[{"epoch": 1}, {"epoch": 2, "knn": "high"}])
    with pytest.raises(UsageProblem, match=r"metrics.jsonl:2: bad metrics value 'knn'"):
        load_run(path)
