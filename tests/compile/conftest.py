"""Small spaces for compiler tests: the seed's spaces with shrunk widths, and a DAG space."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.parser import parse

SPACES = Path(__file__).resolve().parents[2] / "spaces"
BACKBONE = 16


def seed_text(dim: int = 32, pred: int = 8) -> str:
    """spaces/nasiam.nas with `dim` and `pred` shrunk (the structure is unchanged)."""
    text = (SPACES / "nasiam.nas").read_text()
    return text.replace("let dim = 2048", f"let dim = {dim}").replace(
        "let pred = 512", f"let pred = {pred}"
    )


def run_backward(net, x: torch.Tensor):
    """A forward and backward of `net` on a copy of `x`: its outputs and the input's
    gradient (a loss that weighs every output feature differently)."""
    x = x.clone().requires_grad_(True)
    out = net(x)
    loss = sum((o * torch.linspace(-1, 1, o.shape[1])).pow(2).sum() for o in out.values())
    loss.backward()
    return out, x.grad


@pytest.fixture
def seed_doc() -> ast.Document:
    return parse(seed_text())


DAG = """
space small_dag for simsiam {
  let acts = {relu, gelu, silu}
  head projector(x: backbone) {
    h1 = linear(x, 16, bias=false) | bn | act(acts) as hidden_act
    h2 = choose(linear(h1, 16, bias=false) | bn | act{relu, elu}, identity(h1), avgpool(h1) | bn,
                zero(h1))
    h3 = sum(pick 1 of {h1, h2})
    h4 = concat(pick 2 of {h3, h2, h1})
    h5 = linear(h4, width{8, 12, 16}, bias=false) | bn | relu
    z = linear(h5, 24, bias=frozen) | norm{bn, layernorm, none}
  }
  head predictor(z: projector) {
    h = linear(z, width{4, 8}, bias=false) | bn | act(acts) as hidden_act
    p = linear(h, 24)
  }
  constraint count(identity) <= 1 per head
}
"""


@pytest.fixture
def dag_doc() -> ast.Document:
    return parse(DAG)
