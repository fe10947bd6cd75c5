"""A run trained at `--image-size` is evaluated and exported at that size, and an API run with
`wandb` and no wandb installed stops before any run directory exists."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nasiam_dsl.export.run_export import _dataset_info
from nasiam_dsl.export.rundir import RunRecord
from nasiam_dsl.run.evaluation import config_dataset_info
from nasiam_dsl.usage import UsageProblem


def test_eval_and_export_read_the_run_image_size(tiny_config):
    config = tiny_config(data={"image_size": 48})
    assert config_dataset_info(config).image_size == 48
    record = RunRecord.model_validate(config.model_dump())
    assert _dataset_info(record).image_size == 48
    assert config_dataset_info(tiny_config()).image_size == 28  # the dataset's own


def test_api_run_with_wandb_missing_stops_before_the_run_directory(tiny_config, monkeypatch):
    from nasiam_dsl.run.runner import start
    from tests.run.test_runner import QuietUI

    monkeypatch.setitem(sys.modules, "wandb", None)  # import wandb raises ImportError
    config = tiny_config(name="wb", wandb=True)
    with pytest.raises(UsageProblem, match="wandb"):
        start(config, QuietUI())
    assert not Path(config.out, "wb").exists()
