"""Width relaxation through normalisation: the width logits keep their gradient wherever the
masked features flow (same pipeline, later node, other head, op-choice candidates, combined
inputs), and a one-hot weight computes exactly the chosen width."""

from __future__ import annotations

import pytest
import torch

from nasiam_dsl.compile import compile_genotype, compile_space, load_chosen_weights
from nasiam_dsl.compile.derive import genotype_document

BACKBONE = 12
NORMS = ["bn", "layernorm", "norm{bn, layernorm}", "norm{bn, layernorm, none}"]

# one space per pattern; NORM is replaced by a norm (or by `identity`, the reference)
PATTERNS = {
    "same_pipeline": """
      head p(x: backbone) {
        a = linear(x, width{4, 8, 16}) | NORM | relu
        z = linear(a, 6)
      }""",
    "later_node": """
      head p(x: backbone) {
        a = linear(x, width{4, 8, 16}) | relu
        b = a | NORM | relu
        z = linear(b, 6)
      }""",
    "across_heads": """
      head projector(x: backbone) {
        z = linear(x, width{4, 8, 16})
      }
      head predictor(z: projector) {
        h = z | NORM | relu
        p = linear(h, 6)
      }""",
    "through_choose": """
      head p(x: backbone) {
        a = linear(x, width{4, 8, 16}) | relu
        b = choose(a | NORM | relu, a | NORM | elu)
        z = linear(b, 6)
      }""",
    "through_sum": """
      head p(x: backbone) {
        a = linear(x, width{4, 8, 16} as w)
        b = linear(x, width{4, 8, 16} as w) | relu
        c = sum(a, b) | NORM | relu
        z = linear(c, 6)
      }""",
    "through_concat": """
      head p(x: backbone) {
        a = linear(x, width{4, 8, 16})
        c = concat(a, x) | NORM | relu
        z = linear(c, 6)
      }""",
    "through_pick": """
      head p(x: backbone) {
        a = linear(x, width{4, 8, 16} as w)
        b = linear(x, width{4, 8, 16} as w) | relu
        c = sum(pick 1 of {a, b}) | NORM | relu
        z = linear(c, 6)
      }""",
    "through_picked_concat": """
      head p(x: backbone) {
        a = linear(x, width{4, 8, 16}) | relu
        b = linear(x, 16) | relu
        c = concat(pick 1 of {a, b}) | NORM | relu
        z = linear(c, 6)
      }""",
}


def space(pattern: str, norm: str) -> str:
    return "space s {" + PATTERNS[pattern].replace("NORM", norm) + "}"


def _width_key(net) -> str:
    return next(k for k in net.arch.alphas() if net.plan.choices[k].kind == "width")


def width_grad(text: str, seed: int) -> float:
    """Norm of the width logits' gradient of a regression loss on a fixed batch."""
    net = compile_space(text, BACKBONE, seed=seed).train()
    with torch.no_grad():  # input choices keep their first candidates (which read the width)
        for key, info in net.plan.choices.items():
            if info.kind == "inputs":
                net.arch.alpha(key).copy_(-torch.arange(float(info.size)))
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(32, BACKBONE, generator=g)
    out = list(net(x).values())[-1]
    target = torch.randn(out.shape, generator=g)
    loss = (out - target).pow(2).mean()
    (grad,) = torch.autograd.grad(loss, net.arch.alpha(_width_key(net)))
    return float(grad.norm())


def grad_ratio(pattern: str, norm: str, seeds: range = range(4)) -> float:
    """Mean width-logit gradient with the norm over the mean without it (identity)."""
    with_norm = sum(width_grad(space(pattern, norm), s) for s in seeds)
    without = sum(width_grad(space(pattern, "identity"), s) for s in seeds)
    return with_norm / without


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("pattern", list(PATTERNS))
def test_width_logits_keep_their_gradient_through_a_norm(pattern: str, norm: str) -> None:
    ratio = grad_ratio(pattern, norm)
    assert 0.1 < ratio < 10.0, f"{pattern} with {norm}: gradient ratio {ratio:.3g}"


def _pinned_equals_genotype(text: str, decisions: dict[str, tuple[int, ...]]) -> None:
    net = compile_space(text, BACKBONE, seed=0)
    opt = torch.optim.SGD(net.weight_parameters(), lr=0.1)
    for _ in range(2):  # move weights and BN statistics away from their init
        loss = sum(o.pow(2).mean() for o in net(torch.randn(16, BACKBONE)).values())
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():  # a norm bias would leak through masked-out features
        for m in net.modules():
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.LayerNorm)) and m.bias is not None:
                m.bias.add_(1.0)
    probs = net.arch.probabilities()
    genotype = genotype_document(net.doc, decisions, probs)
    fixed = compile_genotype(genotype, BACKBONE)
    load_chosen_weights(fixed, net, decisions)
    net.eval()
    x = torch.randn(5, BACKBONE)
    with torch.no_grad(), net.arch.pinned(decisions):
        expected = net(x)
    got = fixed.eval()(x)
    for head in expected:  # a head whose own width is chosen: masked features are 0
        n = got[head].shape[1]
        torch.testing.assert_close(got[head], expected[head][:, :n], atol=1e-5, rtol=1e-5)
        assert not expected[head][:, n:].any()


@pytest.mark.parametrize("width", [0, 1, 2])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("pattern", list(PATTERNS))
def test_pinned_supernet_equals_the_genotype(pattern: str, norm: str, width: int) -> None:
    text = space(pattern, norm)
    net = compile_space(text, BACKBONE, seed=0)
    decisions = {k: (width if k == _width_key(net) else 0,) for k in net.plan.choices}
    if "pick 1 of {a, b}" in text:
        decisions = {**decisions, "p.c.inputs": (0,)}
    _pinned_equals_genotype(text, decisions)
