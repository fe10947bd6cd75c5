"""A fake run directory: a small space, its genotype, alphas and metrics for 3 epochs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SPACE = """\
space tiny for simsiam {
  let acts = {relu, gelu, silu}

  head projector(x: 64) {
    h1 = linear(x, 32) | bn | act(acts)
    h2 = choose(linear(h1, 32) | bn | act(acts), identity(h1), avgpool(h1) | bn)
    h3 = sum(pick 1 of {h1, h2})
    z = linear(h3, 16) | bn(affine=false)
  }

  head predictor(z: projector) {
    h = linear(z, width{8, 16}) | norm{bn, layernorm} | act{relu, gelu} as hidden
    p = linear(h, 16)
  }
}
"""

GENOTYPE = """\
genotype tiny_derived for simsiam {
  meta {
    seed = 0
  }

  head projector(x: 64) {
    h1 = linear(x, 32) | bn | act{gelu @0.71}
    h2 = choose(identity(h1) @0.6)
    h3 = sum(pick 1 of {h2 @0.55})
    z = linear(h3, 16) | bn(affine=false)
  }

  head predictor(z: projector) {
    h = linear(z, width{16 @0.8}) | norm{bn @0.9} | act{gelu @0.7} as hidden
    p = linear(h, 16)
  }
}
"""

# the last epoch's probabilities agree with GENOTYPE
FINAL = {
    "projector.h1.act": [0.19, 0.71, 0.10],
    "projector.h2.op": [0.3, 0.6, 0.1],
    "projector.h2.act": [0.5, 0.25, 0.25],
    "projector.h3.inputs": [0.45, 0.55],
    "predictor.h.width": [0.2, 0.8],
    "predictor.h.norm": [0.9, 0.1],
    "shared.hidden": [0.3, 0.7],
}

#: near-uniform final probabilities: silu leads the genotype's gelu
NEAR_UNIFORM = {
    **FINAL,
    "projector.h1.act": [0.24, 0.27, 0.49],  # silu leads: the genotype's gelu trails it
    "projector.h3.inputs": [0.48, 0.52],
    "predictor.h.width": [0.49, 0.51],
}


def alphas_lines(final: dict[str, list[float]], epochs: int = 3) -> list[dict[str, Any]]:
    """Probabilities moving linearly from uniform (epoch 0) to `final` (last epoch)."""
    lines = []
    for e in range(1, epochs + 1):
        t = e / epochs
        probs = {k: [round((1 - t) / len(v) + t * p, 6) for p in v] for k, v in final.items()}
        lines.append({"epoch": e, "step": 10 * e, "probabilities": probs})
    return lines


def metrics_lines(epochs: int = 3, op_counts: bool = True) -> list[dict[str, Any]]:
    lines = []
    for e in range(1, epochs + 1):
        record: dict[str, Any] = {
            "epoch": e,
            "step": 10 * e,
            "seconds": 1.5,
            "train/loss": -0.5 - 0.1 * e,
            "heldout/loss": -0.45 - 0.1 * e,
            "z_std": 0.1,
            "z_std_normalised": 0.9 - 0.1 * e,
            "rankme": 12.0 - e,
            "knn": 0.3 + 0.1 * e,
            "lr": 0.05,
        }
        if op_counts:
            record["op_counts"] = {
                "projector": {"param_free": e % 2},
                "predictor": {"param_free": 0},
            }
        lines.append(record)
    return lines


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")


MakeRun = Callable[..., Path]


@pytest.fixture
def make_run(tmp_path: Path) -> MakeRun:
    """make_run(name, seed=0, space=SPACE, genotype=GENOTYPE, final=FINAL, metrics=...)
    writes a run directory the way `nasiam search` does; None leaves a file out."""

    def make(
        name: str = "run",
        *,
        seed: int = 0,
        space: str | None = SPACE,
        genotype: str | None = GENOTYPE,
        final: dict[str, list[float]] | None = FINAL,
        metrics: list[dict[str, Any]] | None = None,
        epochs: int = 3,
    ) -> Path:
        run = tmp_path / name
        run.mkdir()
        config = {"command": "search", "spec": "spaces/tiny.nas", "seed": seed}
        (run / "config.json").write_text(json.dumps(config, indent=2) + "\n", "utf-8")
        if space is not None:
            (run / "tiny.nas").write_text(space, "utf-8")
        if genotype is not None:
            (run / "genotype.nas").write_text(genotype, "utf-8")
        if final is not None:
            write_jsonl(run / "alphas.jsonl", alphas_lines(final, epochs))
        write_jsonl(
            run / "metrics.jsonl", metrics if metrics is not None else metrics_lines(epochs)
        )
        return run

    return make
