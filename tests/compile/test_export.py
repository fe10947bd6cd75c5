"""Fixed nets are ordinary modules: eval inference and torch.export."""

from __future__ import annotations

import torch

from nasiam_dsl.compile import compile_genotype, compile_space, derive
from nasiam_dsl.lang.parser import parse

from .conftest import BACKBONE, SPACES, seed_text


def _check_export(net, width: int) -> None:
    net.eval()
    x = torch.randn(5, width)
    with torch.no_grad():
        eager = net(x)
    exported = torch.export.export(net, (x,))
    out = exported.module()(x)
    assert set(out) == set(eager)
    for head in eager:
        torch.testing.assert_close(out[head], eager[head])


def test_standard_genotype_exports() -> None:
    text = (SPACES / "standard" / "simsiam.nas").read_text()
    text = text.replace("let dim = 2048", "let dim = 24").replace("let pred = 512", "let pred = 8")
    _check_export(compile_genotype(parse(text), 32, seed=0), 32)


def test_derived_genotype_exports() -> None:
    net = compile_space(seed_text(), BACKBONE, seed=0)
    with torch.no_grad():
        for a in net.arch_parameters():
            a[0] += 1.0  # maxpool | bn where it exists
    fixed = compile_genotype(derive(net), BACKBONE)
    assert "MaxPool(max, kernel=3)" in str(fixed)  # the op's module, from its registry entry
    _check_export(fixed, BACKBONE)
