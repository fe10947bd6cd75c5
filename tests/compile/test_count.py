"""Counting: the seed's exact parameter numbers, FLOPs, and the number of architectures."""

from __future__ import annotations

from math import comb

import torch

from nasiam_dsl.compile import (
    compile_genotype,
    compile_space,
    count_architectures,
    count_params,
    count_plan,
    module_node_params,
    plan_document,
)
from nasiam_dsl.lang.parser import parse, parse_file

from .conftest import BACKBONE, DAG, SPACES


def test_seed_cells_have_the_issue_numbers() -> None:
    """Acceptance: projector cell h1..h6 at backbone 512 = 6,328,320; predictor 16,821,248."""
    doc = parse_file(SPACES / "nasiam.nas")
    counts = count_plan(plan_document(doc, 512))
    projector = counts.supernet["projector"]
    assert sum(projector[f"h{i}"].params for i in range(1, 7)) == 6_328_320
    assert projector["z"].params == 512 * 2048 + 2048  # the seed's fc (frozen bias)
    assert counts.head("predictor").params == 16_821_248
    # distinct architectures: 7 per layer, except the predictor's contracting layer, whose
    # `lbr(x, w)` is its `lbn(x, w) | relu` (6), and its expanding layer, five equal linears (3)
    assert counts.architectures == 7**8 * 6 * 3
    # the built modules (on the meta device: nothing allocated) agree, fused or not
    for fused in (True, False):
        with torch.device("meta"):
            net = compile_space(doc, 512, fused=fused)
        nodes = module_node_params(net)
        assert sum(nodes["projector"][f"h{i}"] for i in range(1, 7)) == 6_328_320
        assert sum(nodes["predictor"].values()) == 16_821_248
        assert count_params(net) == counts.supernet_total.params


def test_standard_simsiam_genotype() -> None:
    doc = parse_file(SPACES / "standard" / "simsiam.nas")
    counts = count_plan(plan_document(doc, 512))
    assert counts.architectures == 1
    assert counts.smallest_total.params == counts.largest_total.params
    with torch.device("meta"):
        net = compile_genotype(doc, 512)
    assert count_params(net) == counts.supernet_total.params
    # the seed's StandardSimSiam: projector 1.58 M (incl. fc), predictor 2.10 M
    assert round(counts.head("projector").params / 1e6, 2) == 1.58
    assert round(counts.head("predictor").params / 1e6, 2) == 2.10


def test_dag_counts_match_modules_and_bounds() -> None:
    doc = parse(DAG)
    counts = count_plan(plan_document(doc, BACKBONE))
    net = compile_space(doc, BACKBONE, seed=0)
    nodes = module_node_params(net)
    for head, table in counts.supernet.items():
        assert {n: t.params for n, t in table.items()} == nodes[head]
    # act 3 (shared) x op (2 + 1 + 1 + 1) x inputs C(2,1) x C(3,2) x width 3 x norm 3 x width 2
    assert counts.architectures == 3 * 5 * 2 * comb(3, 2) * 3 * 3 * 2
    assert counts.architectures == count_architectures(plan_document(doc, BACKBONE))
    small, large = counts.smallest_total, counts.largest_total
    assert 0 < small.params < large.params <= counts.supernet_total.params
    assert 0 < small.flops < large.flops < counts.supernet_total.flops


def test_flops_convention() -> None:
    doc = parse("genotype g { head p(x: 8) { h = linear(x, 4) | bn | relu | avgpool } }")
    t = count_plan(plan_document(doc, 8)).supernet_total
    assert t.params == 8 * 4 + 4 + 2 * 4
    assert t.flops == (8 * 4 + 4) + 2 * 4 + 4 + 3 * 4


def test_huge_spaces_count_exactly() -> None:
    nodes = "\n".join(
        f"h{i} = linear(h{i - 1}, width{{8, 16, 32, 64}}) | act{{relu, gelu, silu}}"
        for i in range(1, 60)
    )
    doc = parse(f"space big {{ head p(h0: backbone) {{ {nodes} }} }}")
    assert count_architectures(plan_document(doc, 8)) == 12**59  # > 2**200, a Python int
