"""A tiny search: a 2-choice SimSiam space over an 8-wide CNN on 256 embedded images."""

from __future__ import annotations

from pathlib import Path

import pytest

from nasiam_dsl.run.config import RunConfig

TINY_SPACE = """\
space tiny for simsiam {
  head projector(x: backbone) {
    h = choose(linear(x, 32, bias=false) | bn | act{relu, silu}, linear(x, 32) | bn)
    z = linear(h, 32, bias=frozen) | bn(affine=false)
  }
  head predictor(z: projector) {
    h = linear(z, width{8, 16}, bias=false) | bn | relu
    p = linear(h, 32)
  }
}
"""


@pytest.fixture
def tiny_config(tmp_path: Path):
    space = tmp_path / "tiny.nas"
    space.write_text(TINY_SPACE)

    def make(**overrides) -> RunConfig:
        data = {
            "command": "search",
            "spec": str(space),
            "backbone": "small_cnn",
            "backbone_options": {"width": 4},
            "data": {"dataset": "embedded", "limit": 256},
            "epochs": 2,
            "batch_size": 32,
            "steps_per_epoch": 3,
            "deterministic": True,
            "device": "cpu",
            "out": str(tmp_path / "runs"),
            "engine": {"arch_lr": 0.05},
            "search": {"top_k": 2},
            "knn_k": 20,
        }
        for key, value in overrides.items():
            if isinstance(value, dict):
                data[key] = {**data.get(key, {}), **value}
            else:
                data[key] = value
        return RunConfig.model_validate(data)

    return make
