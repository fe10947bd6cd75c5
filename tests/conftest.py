"""Shared test settings: a tiny search, and one torch thread for the tests that run many."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):  # `pytest -n 2`: one torch thread per worker
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")

#: NASIAM_TEST_DEPTH=4 runs the generated-input tests on 4x their examples (a long run
#: before a release); the default keeps the suite within CI's time
TEST_DEPTH = float(os.environ.get("NASIAM_TEST_DEPTH", "1"))


def examples(n: int) -> int:
    """How many generated examples a property test draws: `n`, times NASIAM_TEST_DEPTH."""
    return max(1, round(n * TEST_DEPTH))


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


def tiny_settings(tmp_path: Path) -> dict[str, Any]:
    """A search that runs in seconds: the space above over a 4-wide CNN (16 features) on
    256 embedded images, 2 epochs of 3 steps, deterministic on CPU."""
    space = tmp_path / "tiny.nas"
    space.write_text(TINY_SPACE)
    return {
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
        "knn_k": 20,
        "knn_random_init": False,  # one monitor read less per tiny run
    }


@pytest.fixture
def one_thread():
    """One torch thread: two cores shared with other runs make more threads much slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
