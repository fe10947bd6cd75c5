"""Tiny backbones, heads and batches for framework tests (fast on 2 CPU cores)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

from nasiam_dsl.backbones import build_backbone
from nasiam_dsl.frameworks import Framework, get_framework

FEATURES = 16
EMBED = 16


def mlp(d_in: int, hidden: int, d_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(d_in, hidden, bias=False),
        nn.BatchNorm1d(hidden),
        nn.ReLU(),
        nn.Linear(hidden, d_out),
    )


def tiny_heads(slots: tuple[str, ...]) -> dict[str, nn.Module]:
    dims = {"projector": (FEATURES, 32, EMBED), "predictor": (EMBED, 8, EMBED)}
    return {slot: mlp(*dims[slot]) for slot in slots}


@pytest.fixture
def make_framework() -> Callable[..., Framework]:
    """`make_framework(name, **config)`: small_cnn (width 4, 16-d) + 2-layer MLP heads."""

    def make(name: str, **config: object) -> Framework:
        torch.manual_seed(0)
        cls = get_framework(name)
        backbone = build_backbone("small_cnn", in_channels=3, width=4)
        return cls(backbone, tiny_heads(cls.head_slots), config or None)

    return make


@pytest.fixture
def views() -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed pair of noisy views of 16 random 12x12 RGB images."""
    g = torch.Generator().manual_seed(1)
    base = torch.randn(16, 3, 12, 12, generator=g)
    x1 = base + 0.3 * torch.randn(base.shape, generator=g)
    x2 = base + 0.3 * torch.randn(base.shape, generator=g)
    return x1, x2
