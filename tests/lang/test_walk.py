"""Choice keys: numbered by depth then document order, so a genotype keeps its space's keys."""

from __future__ import annotations

import pytest
import torch

from nasiam_dsl.compile import (
    compile_genotype,
    compile_space,
    derive,
    derive_decisions,
    load_chosen_weights,
    match_genotype,
)
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.parser import parse
from nasiam_dsl.lang.walk import iter_choices, node_choices

# The outer activation comes after a candidate holding its own activation and width choice.
SPACE = """
space s {
  head p(x: 8) {
    h = choose(linear(x, width{4, 8}) | act{relu, elu}, identity(x), avgpool(x)) | act{relu, gelu}
    z = linear(h, 6) | act{silu, relu} | norm{bn, none}
  }
}
"""


def _keys(doc: ast.Document) -> dict[str, str]:
    """Key -> the choice's text (what it offers), for every choice of the document."""
    out = {}
    for site in iter_choices(doc):
        choice = site.choice
        if isinstance(choice, ast.Choose):
            out[site.key] = f"op of {len(choice.candidates)}"
        else:
            out[site.key] = ",".join(str(getattr(i, "name", getattr(i, "value", "?")))
                                     for i in choice.options.items)  # fmt: skip
    return out


def test_outer_choices_are_numbered_before_those_inside_candidates() -> None:
    doc = parse(SPACE)
    head = doc.heads[0]
    sites = node_choices(head, head.nodes[0])
    # pre-order (the order plan and derive walk), keys by depth first
    assert [s.kind for s in sites] == ["op", "width", "act", "act"]
    assert [s.key for s in sites] == ["p.h.op", "p.h.width", "p.h.act2", "p.h.act"]
    assert [s.key for s in node_choices(head, head.nodes[1])] == ["p.z.act", "p.z.norm"]


@pytest.mark.parametrize("chosen", [0, 1, 2])
def test_a_derived_genotype_keeps_the_space_keys(chosen: int) -> None:
    net = compile_space(SPACE, 8, seed=0)
    with torch.no_grad():
        net.arch.alpha("p.h.op").copy_(torch.eye(3)[chosen] * 3)
        net.arch.alpha("p.h.act").copy_(torch.tensor([0.0, 1.0]))  # gelu outside
        net.arch.alpha("p.h.act2").copy_(torch.tensor([0.0, 1.0]))  # elu inside candidate 0
    genotype = derive(net)
    space_keys, geno_keys = _keys(parse(SPACE)), _keys(genotype)
    assert geno_keys["p.h.act"] == "gelu" and geno_keys["p.z.act"] in ("silu", "relu")
    if chosen == 0:
        assert geno_keys["p.h.act2"] == "elu" and geno_keys["p.h.width"] in ("4", "8")
    else:
        assert "p.h.act2" not in geno_keys and "p.h.width" not in geno_keys
    assert set(geno_keys) <= set(space_keys)
    decisions = derive_decisions(net)
    assert match_genotype(net, genotype) == {
        k: v for k, v in decisions.items() if chosen == 0 or k not in ("p.h.act2", "p.h.width")
    }
    fixed = compile_genotype(genotype, 8)
    load_chosen_weights(fixed, net)
    net.eval()
    x = torch.randn(4, 8)
    with torch.no_grad(), net.arch.pinned(decisions):
        expected = net(x)["p"]
    torch.testing.assert_close(fixed.eval()(x)["p"], expected, atol=1e-5, rtol=1e-5)


def test_the_documented_exception_is_matched_by_structure() -> None:
    """Two candidates each holding an activation choice: the second one's key is `act3` in
    the space but `act2` in a genotype that keeps it; matching goes by structure."""
    text = """
    space s {
      head p(x: 8) {
        h = choose(linear(x, 8) | act{relu, elu}, linear(x, 8) | act{gelu, silu}) | act{relu, gelu}
      }
    }
    """
    doc = parse(text)
    head = doc.heads[0]
    assert [s.key for s in node_choices(head, head.nodes[0])] == [
        "p.h.op", "p.h.act2", "p.h.act3", "p.h.act"
    ]  # fmt: skip
    net = compile_space(doc, 8, seed=0)
    with torch.no_grad():
        net.arch.alpha("p.h.op").copy_(torch.tensor([0.0, 3.0]))
        net.arch.alpha("p.h.act3").copy_(torch.tensor([0.0, 3.0]))  # silu
    genotype = derive(net)
    assert _keys(genotype)["p.h.act"] in ("relu", "gelu")  # the outer key never moves
    assert _keys(genotype)["p.h.act2"] == "silu"
    assert match_genotype(net, genotype)["p.h.act3"] == (1,)
