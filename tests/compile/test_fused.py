"""Fused op choices compute what the per-candidate loop computes, gradients included."""

from __future__ import annotations

import torch

from nasiam_dsl.compile import compile_space
from nasiam_dsl.compile.fused import FusedOp
from nasiam_dsl.compile.mixed import MixedOp
from nasiam_dsl.compile.transfer import copy_supernet_weights

from .conftest import BACKBONE, DAG, run_backward, seed_text


def _ops(net) -> list[MixedOp]:
    return [m for m in net.modules() if isinstance(m, MixedOp)]


def _candidate_grads(op: MixedOp, i: int) -> list[torch.Tensor | None]:
    if not isinstance(op, FusedOp) or i not in op._where:
        return [p.grad for p in op.candidate(i).parameters()]
    g, j = op._where[i]
    group = op.groups[g]
    sl = slice(j * group.out_features, (j + 1) * group.out_features)
    grads = [group.weight.grad[sl]]
    if group.bias is not None:
        grads.append(group.bias.grad[sl] if group.bias.grad is not None else None)
    if group.bn is not None and group.bn.affine:
        grads += [group.bn.weight.grad[sl], group.bn.bias.grad[sl]]
    grads += [p.grad for p in group.rests[j].parameters()]
    return grads


def test_seed_space_is_fused() -> None:
    net = compile_space(seed_text(), BACKBONE, seed=0, fused=True)
    ops = _ops(net)
    assert len(ops) == 10 and all(isinstance(op, FusedOp) for op in ops)
    h1 = net.heads["predictor"].nodes["h1"].source
    assert len(h1.groups) == 1 and h1.groups[0].members == tuple(range(7))
    assert h1.groups[0].bn is not None  # seven BatchNorms became one
    h4 = net.heads["predictor"].nodes["h4"].source
    assert [g.members for g in h4.groups] == [(0, 1), (2, 3, 4, 5, 6)]
    assert [g.merged for g in h4.groups] == [False, True]  # five bare linears: one GEMM


def test_fused_equals_loop_outputs_and_gradients() -> None:
    loop = compile_space(seed_text(), BACKBONE, seed=0, fused=False)
    fused = compile_space(seed_text(), BACKBONE, seed=1, fused=True)  # other init...
    copy_supernet_weights(fused, loop)  # ...then the loop's weights copied across
    with torch.no_grad():
        for a, b in zip(fused.arch_parameters(), loop.arch_parameters(), strict=True):
            a.copy_(torch.randn_like(b))
            b.copy_(a)
    x = torch.randn(12, BACKBONE, generator=torch.Generator().manual_seed(0))
    out_l, gx_l = run_backward(loop, x)
    out_f, gx_f = run_backward(fused, x)
    for head in out_l:
        torch.testing.assert_close(out_f[head], out_l[head], atol=1e-4, rtol=1e-3)
    torch.testing.assert_close(gx_f, gx_l, atol=1e-4, rtol=1e-3)
    for a, b in zip(fused.arch_parameters(), loop.arch_parameters(), strict=True):
        torch.testing.assert_close(a.grad, b.grad, atol=1e-4, rtol=1e-3)
    for op_f, op_l in zip(_ops(fused), _ops(loop), strict=True):
        for i in range(len(op_l.zero)):
            for gf, gl in zip(_candidate_grads(op_f, i), _candidate_grads(op_l, i), strict=True):
                if gl is None:
                    assert gf is None
                else:
                    torch.testing.assert_close(gf, gl, atol=1e-4, rtol=1e-3)
    # BatchNorm statistics moved the same way
    for op_f, op_l in zip(_ops(fused), _ops(loop), strict=True):
        for i in range(len(op_l.zero)):
            sf, sl = op_f.candidate(i).state_dict(), op_l.candidate(i).state_dict()
            for k in sl:
                torch.testing.assert_close(sf[k].float(), sl[k].float(), atol=1e-4, rtol=1e-3)


def test_same_seed_same_init_in_both_forms() -> None:
    loop = compile_space(DAG, BACKBONE, seed=5, fused=False).eval()
    fused = compile_space(DAG, BACKBONE, seed=5, fused=True).eval()
    x = torch.randn(4, BACKBONE)
    with torch.no_grad():
        a, b = loop(x), fused(x)
    for head in a:
        torch.testing.assert_close(a[head], b[head])
