"""Forward tricks: the DARTS- auxiliary skip and PC-DARTS partial features as engine parts,
read by the supernet's op choices through `ArchParameters.hooks`."""

from __future__ import annotations

import pytest
import torch

from nasiam_dsl.compile import compile_space
from nasiam_dsl.compile.arch import NO_HOOKS, OpHooks
from nasiam_dsl.lang.parser import parse
from nasiam_dsl.search.samplers import GumbelSampler
from nasiam_dsl.search.tricks import (
    AuxSkip,
    FeatureTricks,
    PartialFeatures,
    available_tricks,
    get_trick,
)
from tests.compile.conftest import BACKBONE, run_backward, seed_text


def _tricks(beta: float = 0.0, k: int = 1) -> FeatureTricks:
    parts = ([AuxSkip(beta)] if beta else []) + ([PartialFeatures(k)] if k > 1 else [])
    return FeatureTricks(parts)


def test_registry_and_protocol() -> None:
    assert available_tricks() == ["aux_skip", "partial"]
    assert isinstance(get_trick("aux_skip", beta0=0.5), AuxSkip)
    assert isinstance(_tricks(0.5, 2), OpHooks) and isinstance(NO_HOOKS, OpHooks)
    assert (NO_HOOKS.skip_weight, NO_HOOKS.partial_k) == (0.0, 1)
    with pytest.raises(ValueError, match="unknown forward trick"):
        get_trick("nope")


def test_aux_skip_decays_linearly_and_resumes() -> None:
    tricks = _tricks(0.8, 4)
    assert (tricks.skip_weight, tricks.partial_k) == (pytest.approx(0.8), 4)
    tricks.set_progress(0.25)
    assert tricks.skip_weight == pytest.approx(0.6)
    fresh = _tricks(0.8, 4)
    fresh.load_state_dict(tricks.state_dict())
    assert fresh.skip_weight == pytest.approx(0.6)
    tricks.set_progress(1.0)
    assert tricks.skip_weight == 0.0


def test_aux_skip_adds_beta_times_input() -> None:
    net = compile_space(parse(seed_text()), BACKBONE, seed=0).eval()
    node = net.heads["projector"].nodes["h2"]
    x = torch.randn(4, BACKBONE)
    env = {"h1": x}
    with torch.no_grad():
        base = node(env)
        net.arch.hooks = _tricks(0.3)
        assert torch.allclose(node(env), base + 0.3 * x, atol=1e-6)
        # no skip where widths differ (predictor h1: 32 -> 8)
        pred = net.heads["predictor"].nodes["h1"]
        assert pred.source.skip_input is None


def test_partial_channels_bypass_and_shuffle() -> None:
    net = compile_space(parse(seed_text()), BACKBONE, seed=0).eval()
    node = net.heads["projector"].nodes["h2"]
    x = torch.randn(4, BACKBONE)
    net.arch.hooks = _tricks(k=4)
    with torch.no_grad(), net.arch.pinned({"projector.h2.op": 2}):  # identity
        out = node({"h1": x})
    # identity on the first quarter, bypass for the rest, then the fixed shuffle
    expected = x.reshape(4, 4, BACKBONE // 4).transpose(1, 2).reshape(4, BACKBONE)
    assert torch.allclose(out, expected)
    with torch.no_grad():
        full = node({"h1": x})  # every candidate on the first quarter only
    assert full.shape == x.shape
    bypass = x.reshape(4, 4, 4).transpose(1, 2)[:, :, 1:]
    assert torch.equal(full.reshape(4, 4, 4)[:, :, 1:], bypass)


def test_fused_partial_channels_match_loop() -> None:
    loop = compile_space(seed_text(), BACKBONE, seed=0, fused=False)
    fused = compile_space(seed_text(), BACKBONE, seed=0, fused=True)
    for net in (loop, fused):
        net.arch.hooks = _tricks(0.5, 2)
    x = torch.randn(8, BACKBONE)
    out_l, gx_l = run_backward(loop, x)
    out_f, gx_f = run_backward(fused, x)
    for head in out_l:
        torch.testing.assert_close(out_f[head], out_l[head], atol=1e-4, rtol=1e-3)
    torch.testing.assert_close(gx_f, gx_l, atol=1e-4, rtol=1e-3)


def test_fused_hard_draw_matches_loop_with_partial_channels() -> None:
    """Under one hard Gumbel draw both forms run only the drawn members, with equal results."""
    loop = compile_space(seed_text(), BACKBONE, seed=0, fused=False)
    fused = compile_space(seed_text(), BACKBONE, seed=0, fused=True)
    for net in (loop, fused):
        net.arch.sampler = GumbelSampler(generator=torch.Generator().manual_seed(7))
        net.arch.hooks = _tricks(0.5, 2)
    x = torch.randn(8, BACKBONE)
    with loop.arch.step():
        out_l, gx_l = run_backward(loop, x)
        hot = [loop.arch.draw(k).hot for k in loop.arch.alphas()]
    with fused.arch.step():
        out_f, gx_f = run_backward(fused, x)
        assert [fused.arch.draw(k).hot for k in fused.arch.alphas()] == hot
    assert all(h is not None and len(h) == 1 for h in hot)
    for head in out_l:
        torch.testing.assert_close(out_f[head], out_l[head], atol=1e-4, rtol=1e-3)
    torch.testing.assert_close(gx_f, gx_l, atol=1e-4, rtol=1e-3)
    for a, b in zip(fused.arch_parameters(), loop.arch_parameters(), strict=True):
        torch.testing.assert_close(a.grad, b.grad, atol=1e-4, rtol=1e-3)
