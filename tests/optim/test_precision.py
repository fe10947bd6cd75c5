"""Precision resolution, autocast and the GradScaler on this (CPU) machine."""

from __future__ import annotations

import pytest
import torch

from nasiam_dsl.optim import autocast, grad_scaler, resolve_precision
from nasiam_dsl.usage import UsageProblem


def test_auto_is_fp32_on_cpu_and_explicit_choices_hold() -> None:
    assert resolve_precision("auto", "cpu") == "fp32"
    assert resolve_precision("bf16", "cpu") == "bf16"
    assert resolve_precision("fp32", torch.device("cpu")) == "fp32"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_auto_on_cuda_prefers_bf16() -> None:
    want = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    assert resolve_precision("auto", "cuda") == want


def test_unusable_requests_are_usage_problems() -> None:
    with pytest.raises(UsageProblem, match="needs a CUDA device") as err:
        resolve_precision("fp16", "cpu")
    assert "fp32" in err.value.hint
    with pytest.raises(UsageProblem, match="unknown precision"):
        resolve_precision("half", "cpu")


def test_autocast_and_scaler() -> None:
    layer = torch.nn.Linear(4, 4)
    with autocast("bf16", "cpu"):
        assert layer(torch.ones(2, 4)).dtype == torch.bfloat16
    with autocast("fp32", "cpu"):
        assert layer(torch.ones(2, 4)).dtype == torch.float32
    assert not grad_scaler("bf16", "cpu").is_enabled()
    assert not grad_scaler("fp32", "cpu").is_enabled()


# ---- the engine's loss scaling (a CPU GradScaler runs the same code path as fp16 on CUDA) ----


class MixedToy:
    """A two-candidate mixed op `y = Σ softmax(α)_k w_k x`; loss `scale · (y - t)²`."""

    def __init__(self, scale: float = 1.0) -> None:
        self.alpha = torch.nn.Parameter(torch.tensor([0.3, -0.2]))
        self.w = torch.nn.Parameter(torch.tensor([0.5, -1.0]))
        self.scale = scale

    def loss(self, batch):
        from types import SimpleNamespace

        x, t = batch
        y = (torch.softmax(self.alpha, 0) * self.w * x).sum()
        loss = self.scale * (y - t) ** 2
        return SimpleNamespace(loss=loss, logs={"loss": float(loss.detach())})

    weight_loss = arch_loss = loss

    def after_weight_step(self, out, progress) -> None:
        pass


def engine_step(mode: str, scaler, scale: float = 1.0, clip: float | None = 0.5):
    from nasiam_dsl.search.engine import DartsEngine, EngineConfig

    toy = MixedToy(scale)
    optimizer = torch.optim.SGD([toy.w], lr=0.1, momentum=0.9)
    config = EngineConfig(mode=mode, arch_lr=0.1, grad_clip=clip)
    engine = DartsEngine({"op": toy.alpha}, optimizer, [toy.w], config, scaler=scaler)
    engine.step(toy, (1.0, 2.0), (1.0, -3.0), progress=0.5)
    return toy, engine


@pytest.mark.parametrize("mode", ["bilevel", "one_level"])
def test_loss_scaling_is_unscaled_before_clipping_and_stepping(mode) -> None:
    """With a power-of-two scale, the scaled step equals the unscaled one (clipping sees the
    true gradient norm, and one-level architecture gradients are unscaled too)."""
    plain, _ = engine_step(mode, None)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**10)
    scaled, engine = engine_step(mode, scaler)
    torch.testing.assert_close(scaled.w, plain.w, rtol=0, atol=1e-7)
    torch.testing.assert_close(scaled.alpha, plain.alpha, rtol=0, atol=1e-7)
    assert not torch.equal(plain.w, torch.tensor([0.5, -1.0]))
    assert engine.state_dict()["grad_scaler"]["scale"] == 2.0**10


@pytest.mark.parametrize("mode", ["bilevel", "one_level"])
def test_an_overflowing_step_is_skipped_and_the_scale_backs_off(mode) -> None:
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**10)
    toy, engine = engine_step(mode, scaler, scale=float("inf"), clip=None)
    assert torch.equal(toy.w.detach(), torch.tensor([0.5, -1.0]))  # no weight step
    if mode == "one_level":  # the shared backward overflowed: no architecture step either
        assert torch.equal(toy.alpha.detach(), torch.tensor([0.3, -0.2]))
    assert scaler.get_scale() == 2.0**9
    restored = torch.amp.GradScaler("cpu")
    engine2 = engine_step(mode, restored)[1]
    engine2.load_state_dict(engine.state_dict())
    assert restored.get_scale() == 2.0**9  # the loss scale survives a resume


def test_without_fp16_the_engine_has_a_disabled_scaler() -> None:
    _, engine = engine_step("bilevel", None)
    assert not engine.scaler.is_enabled() and "grad_scaler" not in engine.state_dict()
