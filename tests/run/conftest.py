"""`tiny_config`: RunConfigs of the shared tiny search (tests/conftest.py), overridable."""

from __future__ import annotations

from pathlib import Path

import pytest

from nasiam_dsl.run.config import RunConfig
from tests.conftest import tiny_settings


@pytest.fixture
def tiny_config(tmp_path: Path):
    base = {**tiny_settings(tmp_path), "engine": {"arch_lr": 0.05}, "search": {"top_k": 2}}

    def make(**overrides) -> RunConfig:
        data = dict(base)
        for key, value in overrides.items():
            if isinstance(value, dict):
                data[key] = {**data.get(key, {}), **value}
            else:
                data[key] = value
        return RunConfig.model_validate(data)

    return make
