"""Bad run directories are usage problems naming the path, never tracebacks."""

from __future__ import annotations

import pytest

from nasiam_dsl.export import export_run
from nasiam_dsl.usage import UsageProblem


def test_a_missing_directory_is_named(tmp_path):
    missing = tmp_path / "no-such-run"
    with pytest.raises(UsageProblem, match=f"{missing}: no such run directory"):
        export_run(missing, tmp_path / "out")


def test_a_directory_that_is_not_a_run_is_named(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UsageProblem, match=f"{tmp_path} is not a nasiam run directory"):
        export_run(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_run_without_final_weights_is_named(tiny_config, tmp_path):
    run_dir = tmp_path / "unfinished"
    run_dir.mkdir()
    (run_dir / "config.json").write_text(tiny_config(command="train").model_dump_json())
    with pytest.raises(UsageProblem, match=f"{run_dir} holds no final weights.*backbone.pt"):
        export_run(run_dir, tmp_path / "out")


def test_unreadable_weights_are_named(tiny_config, tmp_path):
    run_dir = tmp_path / "torn"
    run_dir.mkdir()
    (run_dir / "config.json").write_text(tiny_config(command="train").model_dump_json())
    (run_dir / "backbone.pt").write_bytes(b"not a torch file")
    with pytest.raises(UsageProblem, match=f"cannot read {run_dir / 'backbone.pt'}"):
        export_run(run_dir, tmp_path / "out")


def test_a_config_that_is_not_a_run_config_is_named(tmp_path):
    (tmp_path / "config.json").write_text('{"name": "something else"}')
    with pytest.raises(UsageProblem, match=r"config\.json: not a nasiam run config"):
        export_run(tmp_path, tmp_path / "out")
