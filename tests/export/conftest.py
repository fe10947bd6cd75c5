"""Tiny finished runs to export, and the generated files imported by path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from nasiam_dsl.run.runner import start
from tests.run.conftest import tiny_config  # noqa: F401  (the fixture, for these tests)

# a chain projector and predictor (SimSiam's shape, frozen bias before an affine-free BN)
CHAIN_GENOTYPE = """\
genotype chain for simsiam {
  head projector(x: backbone) {
    h = linear(x, 32, bias=false) | bn | relu
    z = linear(h, 16, bias=frozen) | bn(affine=false)
  }
  head predictor(z: projector) {
    h = linear(z, 8, bias=false) | bn | relu
    p = linear(h, 16)
  }
}
"""

# a DAG projector: sum, mean and concat of named nodes, both pools, layernorm, a frozen bias
DAG_GENOTYPE = """\
genotype dag for simsiam {
  head projector(x: backbone) {
    a = linear(x, 16, bias=false) | bn | relu
    b = maxpool(a, kernel=3) | layernorm | gelu
    c = sum(a, b)
    d = avgpool(c, kernel=5) | elu
    e = concat(a, d) | linear(16) | silu
    z = mean(e, a) | linear(16, bias=frozen) | bn(affine=false)
  }
  head predictor(z: projector) {
    h = linear(z, 8, bias=false) | bn | relu
    p = linear(h, 16)
  }
}
"""


class QuietUI:
    def epoch_start(self, run): ...
    def step_done(self, run, logs): ...
    def epoch_done(self, run, record): ...


def train_run(
    make_config, tmp_path: Path, genotype: str, backbone: str | None = None, **overrides
) -> Path:
    """Train `genotype` for 2 steps of batch 8 on 64 embedded images; its run directory.

    `backbone` replaces the tiny CNN (and its options) by a registered backbone's defaults."""
    spec = tmp_path / "genotype.nas"
    spec.write_text(genotype)
    settings = {
        "command": "train",
        "spec": str(spec),
        "epochs": 1,
        "steps_per_epoch": 2,
        "batch_size": 8,
        "data": {"limit": 64},
        "knn_k": 5,
        **overrides,
    }
    config = make_config(**settings)
    if backbone is not None:
        config = config.model_copy(update={"backbone": backbone, "backbone_options": {}})
    return start(config, QuietUI()).run_dir


def import_by_path(path: Path, name: str) -> ModuleType:
    """Import a generated file as module `name` (what a user's `import heads` does)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module
