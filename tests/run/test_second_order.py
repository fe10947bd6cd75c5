"""Second-order DARTS checked against an exact double-backward of the same unrolled objective.

The unrolled objective is L_val(w'(alpha), alpha) with the weight optimiser's own virtual step
w' = w - xi * (scale * grad_w L_train(w, alpha) + offset) (`search/virtual_step.py`). Here it is
differentiated exactly with autograd (create_graph through the training gradient, the virtual
weights passed by `functional_call`: written apart from the engine) on tiny SimCLR models,
whose loss has no stop-gradient, and compared with the engine's gradient: its exact
Hessian-vector product (the default) on heads with ReLU after BN in float64 and fp32, and
DARTS's finite difference, which is close on smooth heads and off on ReLU heads. The closures
must replay one architecture draw under a stochastic relaxation and run in fp32 under autocast.
"""

from __future__ import annotations

import contextlib

import pytest
import torch
from torch import nn
from torch.func import functional_call

from nasiam_dsl.compile import compile_space
from nasiam_dsl.frameworks.registry import get_framework
from nasiam_dsl.run.problem import FrameworkProblem, RandomState, _in_fp32, frozen_bn_stats
from nasiam_dsl.search.engine import DartsEngine, EngineConfig
from nasiam_dsl.search.samplers import get_sampler
from nasiam_dsl.search.virtual_step import virtual_step

SPACE = """
space s for simclr {
  head projector(x: backbone) {
    a = linear(x, 16) | act{relu, silu, tanh}
    b = choose(linear(a, 16) | tanh, identity(a), linear(a, 16) | sigmoid)
    z = linear(b, 8)
  }
}
"""


class _Backbone(nn.Module):
    feature_dim = 12

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 12), nn.Tanh())

    def forward(self, x):
        return self.net(x)


class _HeadLoss(nn.Module):
    def __init__(self, fw: nn.Module) -> None:
        super().__init__()
        self.fw = fw

    def forward(self, enc):
        return self.fw.head_loss(enc).loss.float()


# SimSiam's and MoCo's heads: ReLU after BN, as every standard head has (and a choice in each)
RELU_SPACE = """
space s for simclr {
  head projector(x: backbone) {
    a = linear(x, 16, bias=false) | bn | relu
    b = linear(a, 16, bias=false) | bn | act{relu, gelu}
    c = choose(linear(b, 16, bias=false) | bn | relu, identity(b))
    z = linear(c, 8)
  }
}
"""


def _setup(
    sampler: str,
    optimizer: str,
    autocast=contextlib.nullcontext,
    *,
    space: str = SPACE,
    dtype: torch.dtype = torch.float32,
    hessian: str = "exact",
):
    torch.manual_seed(0)
    supernet = compile_space(space, 12, seed=0)
    arch = supernet.arch.to(dtype)
    arch.sampler = get_sampler(sampler)
    with torch.no_grad():  # well away from uniform, so the Hessian term matters
        for a in arch.alphas().values():
            a.copy_(torch.randn_like(a))
    fw = get_framework("simclr")(_Backbone(), {"projector": supernet.heads["projector"]})
    fw.to(dtype)
    problem = FrameworkProblem(fw, lambda b: (b, 0.9 * b + 0.05), arch, autocast)
    if optimizer == "sgd":
        opt = torch.optim.SGD(fw.param_groups(0.5), lr=0.5, momentum=0.9, weight_decay=1e-2)
    else:
        opt = torch.optim.AdamW(fw.param_groups(0.05), lr=0.05, weight_decay=1e-2)
    heads = list(fw.heads["projector"].parameters())
    config = EngineConfig(order="second", arch_lr=1e-3, hessian=hessian)
    engine = DartsEngine(arch.alphas(), opt, heads, config)
    batches = [torch.randn(32, 3, 4, 4, dtype=dtype) for _ in range(3)]
    engine.step(problem, batches[2], batches[2], progress=0.0)  # optimiser state exists now
    return engine, problem, fw, arch, heads, batches[0], batches[1]


def _exact(engine, problem, fw, arch, heads, train, val) -> list[torch.Tensor]:
    """grad_alpha L_val(w'(alpha), alpha), differentiated through the training gradient."""
    names = {id(p): f"fw.{n}" for n, p in fw.named_parameters()}
    loss_of = _HeadLoss(fw)
    encode = problem.autocast
    with torch.no_grad(), frozen_bn_stats(fw), encode():
        enc_train = _in_fp32(fw.encode(*problem.views(train)))
        enc_val = _in_fp32(fw.encode(*problem.views(val)))
    state = RandomState.capture(torch.device("cpu"), None)
    alphas = list(arch.alphas().values())
    rules = virtual_step(engine.weight_optimizer, heads)
    with frozen_bn_stats(fw):
        state.restore()
        with arch.step():
            train_loss = loss_of(enc_train)
        grads = torch.autograd.grad(train_loss, heads, create_graph=True)
        moved = {
            names[id(w)]: w - r.xi * (g * r.scale + (0 if r.offset is None else r.offset))
            for w, g, r in zip(heads, grads, rules, strict=True)
        }
        state.restore()
        with arch.step():
            val_loss = functional_call(loss_of, moved, (enc_val,))
        exact = torch.autograd.grad(val_loss, alphas)
    state.restore()  # the engine's step draws from the same state
    return [g.detach() for g in exact]


def _finite_difference(engine, arch, problem, train, val) -> list[torch.Tensor]:
    captured: list[list[torch.Tensor]] = []
    step_arch = engine.arch_optimizer.step

    def capture(*args, **kwargs):
        captured.append([a.grad.detach().clone() for a in arch.alphas().values()])
        return step_arch(*args, **kwargs)

    engine.arch_optimizer.step = capture
    engine.step(problem, train, val, progress=0.5)
    return captured[0]


def _relative_error(a: list[torch.Tensor], b: list[torch.Tensor]) -> float:
    diff = torch.sqrt(sum(((x - y) ** 2).sum() for x, y in zip(a, b, strict=True)))
    norm = torch.sqrt(sum((y**2).sum() for y in b))
    return float(diff / norm)


@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
@pytest.mark.parametrize("sampler", ["softmax", "dirichlet", "gumbel"])
def test_the_engine_matches_the_exact_unrolled_gradient(sampler, optimizer, one_thread):
    engine, problem, fw, arch, heads, train, val = _setup(sampler, optimizer)
    exact = _exact(engine, problem, fw, arch, heads, train, val)
    got = _finite_difference(engine, arch, problem, train, val)  # the engine's own step
    error = _relative_error(got, exact)
    print(f"second order, {sampler}, {optimizer}: relative error {error:.2e}")
    assert error < 1e-3, f"relative error {error:.3e}"


@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
@pytest.mark.parametrize(("dtype", "bound"), [(torch.float64, 1e-4), (torch.float32, 1e-3)])
def test_relu_after_bn_heads_get_the_exact_unrolled_gradient(optimizer, dtype, bound, one_thread):
    """ReLU after BN: the exact Hessian-vector product is exact there too; DARTS's finite
    difference steps across the kinks and is measurably off (printed, for the docs)."""
    setup = _setup("softmax", optimizer, space=RELU_SPACE, dtype=dtype)
    exact = _exact(*setup[:5], *setup[5:])
    got = _finite_difference(setup[0], setup[3], setup[1], setup[5], setup[6])
    error = _relative_error(got, exact)
    fd = _setup("softmax", optimizer, space=RELU_SPACE, dtype=dtype, hessian="finite_difference")
    fd_error = _relative_error(_finite_difference(fd[0], fd[3], fd[1], fd[5], fd[6]), exact)
    print(f"ReLU heads, {optimizer}, {dtype}: exact {error:.1e}, finite difference {fd_error:.1e}")
    assert error < bound, f"relative error {error:.3e}"


def test_smooth_heads_finite_difference_stays_close(one_thread):
    """On smooth heads the finite difference (`--hessian finite-difference`) is a fair
    approximation, as DARTS found."""
    setup = _setup("softmax", "sgd", hessian="finite_difference")
    exact = _exact(*setup[:5], *setup[5:])
    approx = _finite_difference(setup[0], setup[3], setup[1], setup[5], setup[6])
    assert _relative_error(approx, exact) < 5e-2


def test_the_hessian_term_is_not_negligible_here(one_thread):
    """The comparison above would be empty if the unrolled gradient equalled first order."""
    engine, problem, fw, arch, heads, train, val = _setup("softmax", "sgd")
    exact = _exact(engine, problem, fw, arch, heads, train, val)
    first = problem.head_loss_closure(val)
    alphas = list(arch.alphas().values())
    direct = torch.autograd.grad(first(), alphas)
    assert _relative_error(list(direct), exact) > 5e-2


def test_closures_run_in_fp32_under_bf16_autocast(one_thread):
    bf16 = lambda: torch.autocast("cpu", dtype=torch.bfloat16)  # noqa: E731
    engine, problem, fw, arch, heads, train, val = _setup("softmax", "sgd", autocast=bf16)
    exact = _exact(engine, problem, fw, arch, heads, train, val)
    approx = _finite_difference(engine, arch, problem, train, val)
    error = _relative_error(approx, exact)
    print(f"second order under bf16 autocast: relative error {error:.2e}")
    assert error < 5e-2  # the closures run in fp32; the features are bf16's


def test_one_architecture_replays_the_draw(one_thread):
    setup = _setup("gumbel", "sgd")
    problem, val = setup[1], setup[-1]
    closure = problem.head_loss_closure(val)
    with problem.one_architecture():
        values = {float(closure().detach()) for _ in range(4)}
    assert len(values) == 1
    draws = {float(closure().detach()) for _ in range(8)}  # outside: a new draw each call
    assert len(draws) > 1
