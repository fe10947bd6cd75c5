"""Every framework x mode x sampler: the architecture moves.

On a tiny space with an op, an activation, a width and an input choice in every searched head,
one architecture step gives every logit a finite, non-zero gradient, and a few steps move
every logit. This is the invariant that caught the momentum frameworks (BYOL, MoCo v2/v3)
whose target heads ran first under `no_grad` and left the shared mixing weights without a
graph, so their projector choices never moved.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nasiam_dsl.compile import compile_space
from nasiam_dsl.frameworks.registry import get_framework
from nasiam_dsl.run.problem import FrameworkProblem
from nasiam_dsl.search.engine import DartsEngine, EngineConfig
from nasiam_dsl.search.samplers import get_sampler

FEATURES = 12


def _head(name: str, source: str, out: str) -> str:
    """A head with one choice of each kind: act, op, inputs, width."""
    return (
        f"head {name}(x: {source}) {{\n"
        "  a = linear(x, 16, bias=false) | bn | act{relu, silu}\n"
        "  b = choose(linear(a, 16) | bn | relu, identity(a))\n"
        "  d = linear(x, 16, bias=false) | bn | relu\n"
        "  m = sum(pick 1 of {b, d})\n"
        "  c = linear(m, width{8, 16}, bias=false) | bn | relu\n"
        f"  z = {out}\n"
        "}\n"
    )


OUTPUTS = {  # each framework's usual last layer of the projector
    "simsiam": "linear(c, 16, bias=frozen) | bn(affine=false)",
    "byol": "linear(c, 16, bias=false)",
    "mocov3": "linear(c, 16, bias=false) | bn(affine=false)",
    "mocov2": "linear(c, 16)",
    "simclr": "linear(c, 16)",
    "barlowtwins": "linear(c, 16, bias=false)",
    "vicreg": "linear(c, 16, bias=false)",
}
OPTIONS = {"mocov2": {"queue_size": 32}}
MODES = {
    "first": {},
    "second": {"order": "second"},
    "one_level": {"mode": "one_level"},
}
SAMPLERS = ["softmax", "gumbel", "dirichlet", "sigmoid"]


def _space(framework: str) -> str:
    cls = get_framework(framework)
    heads = _head("projector", "backbone", OUTPUTS[framework])
    if "predictor" in cls.head_slots:
        heads += _head("predictor", "projector", "linear(c, 16)")
    return f"space s for {framework} {{\n{heads}}}\n"


class _Backbone(nn.Module):
    feature_dim = FEATURES

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, FEATURES), nn.ReLU())

    def forward(self, x):
        return self.net(x)


def _setup(framework: str, mode: str, sampler: str):
    torch.manual_seed(0)
    supernet = compile_space(_space(framework), FEATURES, seed=0)
    arch = supernet.arch
    arch.sampler = get_sampler(sampler)
    cls = get_framework(framework)
    fw = cls(_Backbone(), {s: supernet.heads[s] for s in cls.head_slots}, OPTIONS.get(framework))
    x = torch.randn(16, 3, 4, 4)

    def views(batch):
        return batch + 0.1 * torch.randn_like(batch), batch + 0.1 * torch.randn_like(batch)

    problem = FrameworkProblem(fw, views, arch)
    optimizer = torch.optim.SGD(fw.param_groups(0.05), lr=0.05, momentum=0.9)
    heads = [p for s in cls.head_slots for p in fw.heads[s].parameters()]
    engine = DartsEngine(arch.alphas(), optimizer, heads, EngineConfig(arch_lr=0.05, **MODES[mode]))
    return engine, problem, arch, x


STEPS = 6


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("framework", sorted(OUTPUTS))
def test_every_logit_gets_a_gradient_and_moves(framework, mode, sampler, one_thread):
    """A hard Gumbel draw runs one architecture, so a decision it does not reach (the
    activation of a node the drawn input choice leaves out) rightly gets no gradient in that
    step; for it every logit must get one within a few steps. Every other sampler reaches
    every logit in the first step."""
    engine, problem, arch, x = _setup(framework, mode, sampler)
    before = {k: a.detach().clone() for k, a in arch.alphas().items()}
    steps: list[dict[str, torch.Tensor]] = []  # the gradients each arch step steps on
    step_arch = engine.arch_optimizer.step

    def capture(*args, **kwargs):
        steps.append(
            {k: a.grad.detach().clone() for k, a in arch.alphas().items() if a.grad is not None}
        )
        return step_arch(*args, **kwargs)

    engine.arch_optimizer.step = capture
    for step in range(STEPS):
        engine.step(problem, x, x.flip(0), progress=step / STEPS)
    assert len(steps) == STEPS
    for grads in steps:
        assert all(torch.isfinite(g).all() for g in grads.values())
    reached = {
        k
        for grads in steps[: 1 if sampler != "gumbel" else STEPS]
        for k, g in grads.items()
        if g.abs().sum() > 0
    }
    assert reached == set(before), f"no gradient reached {sorted(set(before) - reached)}"
    for key, a in arch.alphas().items():
        assert not torch.equal(a.detach(), before[key]), f"{key} never moved"
