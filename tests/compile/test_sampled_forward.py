"""A hard Gumbel draw computes only the selected candidates (GDAS), forward and backward."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from nasiam_dsl.compile import compile_space
from nasiam_dsl.compile.arch import Draw
from nasiam_dsl.compile.fused import FusedOp
from nasiam_dsl.compile.mixed import MixedInputs, MixedOp, MixedSet
from nasiam_dsl.search.samplers import DirichletSampler, GumbelSampler, SoftmaxSampler

from .conftest import BACKBONE, DAG, seed_text


class _WeightsOnly:
    """The same draws as `inner`, offered as weights only: the mixing (dense) path."""

    normalised = True

    def __init__(self, inner: GumbelSampler) -> None:
        self.inner = inner

    def weights(self, alpha: Tensor) -> Tensor:
        return self.inner.weights(alpha)

    def probabilities(self, alpha: Tensor) -> Tensor:
        return self.inner.probabilities(alpha)


def _net(text: str, fused: bool, sampler) -> nn.Module:
    net = compile_space(text, BACKBONE, seed=0, fused=fused)
    with torch.no_grad():
        for a in net.arch_parameters():
            a.copy_(torch.randn(a.shape, generator=torch.Generator().manual_seed(a.numel())))
    net.arch.sampler = sampler
    return net


def _gumbel(seed: int = 3) -> GumbelSampler:
    return GumbelSampler(tau_max=1.0, tau_min=1.0, generator=torch.Generator().manual_seed(seed))


def _loss(out: dict[str, Tensor]) -> Tensor:
    return sum((o * torch.linspace(-1, 1, o.shape[1])).pow(2).sum() for o in out.values())


def _x() -> Tensor:
    return torch.randn(8, BACKBONE, generator=torch.Generator().manual_seed(0))


def _ops(net: nn.Module) -> list[MixedOp]:
    return [m for m in net.modules() if isinstance(m, MixedOp)]


def _hot(arch) -> dict[str, tuple[int, ...] | None]:
    """Every decision's selected candidates in the current step (None: soft weights)."""
    return {key: arch.draw(key).hot for key in arch.alphas()}


def _env(op: MixedOp) -> dict[str, Tensor]:
    """A batch for the one input every candidate of `op` reads."""
    cands = [op.candidate(i) for i in op.active]
    dense = next(m for c in cands for m in c.modules() if isinstance(m, nn.Linear))
    return {op.candidate(0).source.name: torch.randn(8, dense.in_features)}


def _hooked(modules: list[nn.Module]) -> list[int]:
    calls = [0] * len(modules)
    for k, m in enumerate(modules):
        m.register_forward_hook(lambda *_, k=k: calls.__setitem__(k, calls[k] + 1))
    return calls


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_only_the_drawn_candidates_run_and_train(seed: int) -> None:
    net = _net(seed_text(), False, _gumbel(seed))
    runs = {op.key: _hooked(list(op.candidates)) for op in _ops(net)}
    with net.arch.step():
        loss = _loss(net(_x()))
        hot = _hot(net.arch)
    loss.backward()
    for op in _ops(net):
        (chosen,) = hot[op.key]
        ran = {i for i, n in enumerate(runs[op.key]) if n}
        assert ran == ({chosen} - {i for i, z in enumerate(op.zero) if z})
        for i, cand in enumerate(op.candidates):
            grads = [p.grad for p in cand.parameters() if p.requires_grad]
            if i == chosen:
                assert all(g is not None and g.abs().sum() > 0 for g in grads)
            else:
                assert all(g is None for g in grads)
    assert all(a.grad is not None and (a.grad != 0).all() for a in net.arch_parameters())


def test_soft_weights_run_every_candidate() -> None:
    net = _net(seed_text(), False, SoftmaxSampler())
    runs = {op.key: _hooked(list(op.candidates)) for op in _ops(net)}
    with net.arch.step():
        net(_x())
        assert set(_hot(net.arch).values()) == {None}
    for op in _ops(net):
        assert [n > 0 for n in runs[op.key]] == [not z for z in op.zero]


def test_fused_groups_run_only_the_drawn_member() -> None:
    net = _net(seed_text(), True, _gumbel(5))
    singles = {op.key: _hooked(list(op.singles.values())) for op in _ops(net)}
    groups = _hooked([g for op in _ops(net) for g in op.groups])
    with net.arch.step():
        loss = _loss(net(_x()))
        hot = {k: h[0] for k, h in _hot(net.arch).items()}
    loss.backward()
    assert sum(groups) == 0  # no stacked forward of a whole group
    for op in _ops(net):
        assert isinstance(op, FusedOp)
        chosen = hot[op.key]
        names = list(op.singles)
        assert {int(names[k]) for k, n in enumerate(singles[op.key]) if n} <= {chosen}
        for group in op.groups:
            if chosen not in group.members:
                assert group.weight.grad is None
                continue
            out = group.out_features
            for j, i in enumerate(group.members):
                rows = group.weight.grad[j * out : (j + 1) * out]
                assert (rows.abs().sum() > 0) == (i == chosen), (op.key, i, chosen)


@pytest.mark.parametrize(
    ("text", "fused"), [(seed_text(), False), (seed_text(), True), (DAG, False)]
)
def test_hard_draw_equals_the_pinned_supernet_and_the_mixing_path(text: str, fused: bool) -> None:
    sparse = _net(text, fused, _gumbel())
    dense = _net(text, fused, _WeightsOnly(_gumbel()))  # same init, same draws, mixed
    x = _x()
    with sparse.arch.step():
        hot = _hot(sparse.arch)  # every decision drawn in one order in both nets (the
        out = sparse(x)  # mixing path also runs the choices nested in unselected candidates)
    with dense.arch.step():
        assert set(_hot(dense.arch).values()) == {None}
        mixed = dense(x)
    pins = {k: h[0] for k, h in hot.items() if sparse.arch.kinds.get(k) != "inputs"}
    pins.update({k: h for k, h in hot.items() if sparse.arch.kinds.get(k) == "inputs"})
    with torch.no_grad(), sparse.arch.pinned(pins):
        pinned = sparse(x)
    for head in out:
        torch.testing.assert_close(out[head], pinned[head], rtol=0, atol=0)
        torch.testing.assert_close(out[head], mixed[head])


# ---- the straight-through gradient of every logit, module by module -----------------------


def _gdas_reference(
    outputs: list[Tensor | None], w: Tensor, i: int, like: Tensor, scale: Tensor | float
) -> Tensor:
    """GDAS's `sum(op(x) * w[j] if j == index else w[j] ...)`, every candidate evaluated
    (`scale`: an inputs choice's normalisation of the selected term)."""
    total = None
    for j, y in enumerate(outputs):
        selected = (y if y is not None else torch.zeros_like(like)) * w[j] * scale
        term = selected if j == i else w[j]
        total = term if total is None else total + term
    return total


def _check_gradients(arch, key: str, run, candidates, scale=lambda w: 1.0) -> None:
    """`run()`: the module under a hard draw; `candidates()`: each candidate's output;
    `scale(w)`: the normalisation the module's mixing formula applies (1 for op choices)."""
    alpha = arch.alpha(key)
    with arch.step():
        w, hot = arch.draw(key)
        (i,) = hot
        out = run()
        upstream = torch.randn(out.shape, generator=torch.Generator().manual_seed(1))
        loss = (out * upstream).sum()
        g_alpha, g_w = torch.autograd.grad(loss, (alpha, w), retain_graph=True)
        outs = candidates()
        ref = _gdas_reference(outs, w, i, out, scale(w))
        ref_loss = (ref * upstream).sum()
        r_alpha, r_w = torch.autograd.grad(ref_loss, (alpha, w), retain_graph=True)
        mixing = sum(y * w[j] for j, y in enumerate(outs) if y is not None) * scale(w)
        m_w = torch.autograd.grad((mixing * upstream).sum(), w)[0]
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(g_alpha, r_alpha)
    torch.testing.assert_close(g_w, r_w)
    assert (g_alpha != 0).all()
    # the selected weight gets what the mixing formula gives it
    torch.testing.assert_close(g_w[i], m_w[i])
    if isinstance(scale(w), float):  # the others: GDAS's zero terms, d out / d w_j = 1
        others = [j for j in range(len(outs)) if j != i]
        torch.testing.assert_close(g_w[others], upstream.sum().expand(len(others)))


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("seed", [0, 4])
def test_op_choice_logits_get_gdas_gradients(fused: bool, seed: int) -> None:
    net = _net(seed_text(), fused, _gumbel(seed))
    op = net.heads["predictor"].nodes["h1"].source
    env = _env(op)
    cands = [op.candidate(i) for i in range(len(op.zero))]
    _check_gradients(
        net.arch,
        op.key,
        lambda: op(env),
        lambda: [None if z else c(env) for c, z in zip(cands, op.zero, strict=True)],
    )


def test_act_and_norm_choice_logits_get_gdas_gradients() -> None:
    net = _net(DAG, False, _gumbel(2))
    for m in net.modules():
        if isinstance(m, MixedSet):
            width = next((n.num_features for n in m.items if isinstance(n, nn.BatchNorm1d)), 16)
            x = torch.randn(8, width)
            _check_gradients(
                net.arch,
                m.key,
                lambda m=m, x=x: m(x),
                lambda m=m, x=x: [item(x) for item in m.items],
            )


def test_pick_one_input_reads_only_the_picked_input() -> None:
    net = _net(DAG, False, _gumbel(1))
    op = net.heads["projector"].nodes["h3"].source
    assert isinstance(op, MixedInputs) and op.pick == 1
    xs = {n: torch.randn(8, 16) for n in op.names}
    read: list[str] = []

    class Env(dict):
        def __getitem__(self, name: str) -> Tensor:
            read.append(name)
            return super().__getitem__(name)

    _check_gradients(
        net.arch,
        op.key,
        lambda: op(Env(xs)),
        lambda: [xs[n] for n in op.names],
        scale=lambda w: op.pick / w.sum(),
    )
    with net.arch.step():
        read.clear()
        op(Env(xs))
        assert read == [op.names[net.arch.draw(op.key).hot[0]]]


def test_pinned_k_hot_inputs_equal_the_mixing_formula() -> None:
    net = _net(DAG, False, SoftmaxSampler())
    op = net.heads["projector"].nodes["h4"].source  # concat(pick 2 of {h3, h2, h1})
    xs = {n: torch.randn(8, 16) for n in op.names}
    with net.arch.pinned({op.key: (2, 0)}):
        assert net.arch.draw(op.key).hot == (0, 2)
        torch.testing.assert_close(op(xs), torch.cat([xs[op.names[0]], xs[op.names[2]]], 1))


# ---- when the sparse path is taken ---------------------------------------------------------


def test_step_reads_each_hard_draw_once() -> None:
    net = _net(DAG, False, _gumbel())
    calls = []
    draw = net.arch.sampler.draw
    net.arch.sampler.draw = lambda alpha: calls.append(1) or draw(alpha)
    with net.arch.step():
        net(_x())
        drawn = len(calls)
        net(_x())  # the second view of a step reuses every decision
    assert 0 < drawn == len(calls) <= len(net.arch)
    outside = net.arch.draw("projector.h2.op")
    assert isinstance(outside, Draw) and outside.hot is None  # no cache: no host read


@pytest.mark.parametrize(
    "sampler", [SoftmaxSampler(), DirichletSampler(), GumbelSampler(hard=False)]
)
def test_soft_samplers_take_the_mixing_path_bit_for_bit(sampler) -> None:
    net = _net(seed_text(), True, sampler)
    torch.manual_seed(0)
    x = _x()
    for op in _ops(net):
        env = _env(op)
        with net.arch.step():
            w, hot = net.arch.draw(op.key)
            assert hot is None
            assert torch.equal(op(env), op.mix(env, w, None))
    with net.arch.step():
        assert _loss(net(x)).isfinite()


def test_hard_gumbel_in_eval_mode_mixes() -> None:
    net = _net(DAG, False, _gumbel().eval())
    with net.arch.step():
        assert set(_hot(net.arch).values()) == {None}
