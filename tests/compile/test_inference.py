"""One inference pass: check, counting, the plan, the param-free masks and derivation agree
on what a user op is."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nasiam_dsl import registry
from nasiam_dsl.compile import compile_space, count_params, count_plan, derive
from nasiam_dsl.lang import check, parse
from nasiam_dsl.lang.infer import infer

SPACE = """\
space user_ops {
  head projector(x: 8) {
    z = linear(x, 8)
  }
  head predictor(z: projector) {
    h = choose(halve(z), gain(z), linear(z, 8))
  }
}
"""


class _Gain(nn.Module):
    """A learnable scalar gain: one parameter, whatever the width."""

    def __init__(self) -> None:
        super().__init__()
        self.gain = nn.Parameter(torch.ones(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gain


class _Halve(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 0.5


@pytest.fixture
def user_ops():
    registry.register_op(registry.OpSpec("halve", "layer", "x / 2", factory=_Halve))
    registry.register_op(
        registry.OpSpec("gain", "layer", "a learnable gain", param_free=False, factory=_Gain)
    )
    yield
    registry.unregister_op("halve")
    registry.unregister_op("gain")


def test_user_ops_are_one_fact_everywhere(user_ops) -> None:
    doc = parse(SPACE)
    facts = infer(doc, 8)
    assert facts.head_order == ("projector", "predictor")
    assert facts.param_free_ops == {"gain": False, "halve": True, "linear": False}
    assert facts.candidates_param_free == {"predictor.h.op": (True, False, False)}
    assert facts.plan.choices["predictor.h.op"].param_free == (True, False, False)
    assert registry.param_free_layers() == ("avgpool", "halve", "identity", "maxpool", "zero")

    # check: the predictor can keep `halve` and have no parameters
    result = check(doc)
    assert result.ok
    assert [w.code for w in result.warnings] == ["identity-predictor"]

    # counting: bounds of the inference, the plan's counts and the built supernet agree
    lo, hi = facts.bounds("predictor")
    assert (lo.params, hi.params) == (0, 8 * 8 + 8)
    counts = count_plan(facts.plan)
    assert counts.head("predictor", "smallest").params == 0
    assert counts.head("predictor", "largest").params == 72
    net = compile_space(doc, 8, seed=0)
    assert count_params(net) == counts.supernet_total.params == 72 + 72 + 1

    # the param-free masks come from the same fact
    assert net.arch.param_free_masks()["predictor.h.op"].tolist() == [True, False, False]

    # derivation: with `halve` the most probable, a constraint that counts it rules it out
    with torch.no_grad():
        net.arch.alphas()["predictor.h.op"].copy_(torch.tensor([5.0, 1.0, 0.0]))
    assert "halve(z)" in _predictor_text(derive(net))
    bounded = parse(SPACE.replace("}\n}\n", "}\n  constraint count(halve) <= 0 per head\n}\n"))
    assert check(bounded).ok
    derived = derive(net, bounded)
    assert "gain(z)" in _predictor_text(derived)


def test_a_head_named_per_head_is_bounded_alone() -> None:
    doc = parse(
        "space s {\n  head per_head(x: 8) { z = choose(identity(x), linear(x, 8)) }\n"
        "  head other(y: 8) { z = identity(y) }\n"
        "  constraint count(identity) <= 0 in per_head\n}"
    )
    assert check(doc).ok  # `other` keeps its identity: the bound is on per_head only
    each = parse(
        "space s {\n  head per_head(x: 8) { z = choose(identity(x), linear(x, 8)) }\n"
        "  head other(y: 8) { z = identity(y) }\n"
        "  constraint count(identity) <= 0 per head\n}"
    )
    assert [e.message for e in check(each).errors] == [
        "unsatisfiable constraint: every architecture has at least 1 identity op(s) in other"
    ]


def _predictor_text(genotype) -> str:
    from nasiam_dsl.lang import print_document

    text = print_document(genotype)
    return text[text.index("head predictor") :]
