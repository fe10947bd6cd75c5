"""Momentum (EMA) target branches: creation, update and schedules.

The target branch is a `copy.deepcopy` of the online module, never the online module itself.
The NASiam seed put ONE projector object in both the query and key encoders of MoCo and then
froze every key-encoder parameter: the projector never trained and the "key"
projector was the live query projector, not an EMA. Here:

- `make_target` deep-copies; the copy's own parameters get `requires_grad=False`. Objects the
  copy *shares* with the online module on purpose (a search supernet may return shared
  architecture state from `__deepcopy__`) are left untouched.
- `ema_update_` walks `zip(online.parameters(), target.parameters())`, skips pairs where the
  target *is* the online object, and applies `xi <- m * xi + (1 - m) * theta`; floating
  buffers (BatchNorm running statistics) are copied from the online module, integer buffers
  (`num_batches_tracked`) too.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

__all__ = ["constant_momentum", "cosine_momentum", "ema_update_", "make_target"]


def make_target(online: nn.Module) -> nn.Module:
    """Deep-copy `online` into a frozen target; shared objects keep their `requires_grad`."""
    target = copy.deepcopy(online)
    online_ids = {id(p) for p in online.parameters()}
    for p in target.parameters():
        if id(p) not in online_ids:
            p.requires_grad_(False)
    return target


@torch.no_grad()
def ema_update_(online: nn.Module, target: nn.Module, momentum: float) -> None:
    """In place: `target <- momentum * target + (1 - momentum) * online`; buffers copied.

    Pairs where the target tensor is the online tensor (shared on purpose) are skipped.
    """
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"momentum must be in [0, 1], got {momentum}")
    online_params = list(online.parameters())
    target_params = list(target.parameters())
    if len(online_params) != len(target_params):
        raise ValueError(
            f"online and target differ in structure: {len(online_params)} vs "
            f"{len(target_params)} parameters"
        )
    for p_o, p_t in zip(online_params, target_params, strict=True):
        if p_t is p_o:
            continue
        p_t.lerp_(p_o.detach().to(p_t.dtype), 1.0 - momentum)
    for b_o, b_t in zip(online.buffers(), target.buffers(), strict=True):
        if b_t is not b_o:
            b_t.copy_(b_o)


def cosine_momentum(base: float, final: float, progress: float) -> float:
    """BYOL / MoCo v3 schedule: `final - (final - base) * (cos(pi * progress) + 1) / 2`.

    `progress` in [0, 1] is the fraction of training steps done: `base` at 0, `final` at 1.
    """
    progress = min(max(progress, 0.0), 1.0)
    return final - (final - base) * (math.cos(math.pi * progress) + 1.0) / 2.0


def constant_momentum(base: float, final: float, progress: float) -> float:
    """MoCo v2 schedule: always `base` (`final` and `progress` are ignored)."""
    del final, progress
    return base
