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
