"""LARS (You et al., 2017): SGD with momentum whose step is scaled per tensor by a trust ratio.

The update of the BYOL, Barlow Twins, VICReg and MoCo v3 official code, for a parameter `p`
with gradient `g` in a group with `lr`, `momentum`, `weight_decay` and `eta`:

    d = g + weight_decay * p                           (not for excluded parameters)
    d = d * eta * ||p|| / ||d||  if ||p|| > 0 and ||d|| > 0   (not for excluded parameters)
    mu = momentum * mu + d
    p = p - lr * mu

Excluded parameters (biases and norm weights, i.e. 1-D tensors, when `exclude_bias_norm`; or
any parameter of a group with `"lars_exclude": True`) get neither weight decay nor the trust
ratio: a plain SGD-momentum step. `clip_lr` (solo-learn, after apex's LARC "clip" mode) makes
the ratio `min(eta * ||p|| / (||d|| * lr), 1)`: the step `lr * ratio * d` then uses the
smaller of the adapted rate and `lr`. `eta` is 0.001 in the official code; solo-learn's CIFAR
recipes use 0.02 with `clip_lr` (and the denominator `||g|| + wd * ||p||`, a bound on ours).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor

__all__ = ["LARS", "is_bias_or_norm"]


def is_bias_or_norm(p: Tensor) -> bool:
    """Biases and norm scales/shifts: the 1-D (and 0-D) parameters."""
    return p.ndim <= 1


class LARS(torch.optim.Optimizer):
    """Layer-wise adaptive rate scaling on top of SGD with momentum (no dampening).

    Args:
        params: parameters or groups; a group may set `lars_exclude` to force exclusion.
        lr, momentum, weight_decay: as SGD's (weight decay coupled, added to the gradient).
        eta: trust coefficient.
        exclude_bias_norm: 1-D parameters get no weight decay and no adaptation.
        clip_lr: cap the adapted rate at `lr` (solo-learn's `clip_lr`).
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        eta: float = 0.001,
        exclude_bias_norm: bool = True,
        clip_lr: bool = False,
    ) -> None:
        if lr < 0 or momentum < 0 or weight_decay < 0 or eta <= 0:
            raise ValueError(
                f"LARS needs lr, momentum, weight_decay >= 0 and eta > 0, got lr={lr}, "
                f"momentum={momentum}, weight_decay={weight_decay}, eta={eta}"
            )
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "weight_decay": weight_decay,
            "eta": eta,
            "exclude_bias_norm": exclude_bias_norm,
            "clip_lr": clip_lr,
        }
        super().__init__(params, defaults)

    @staticmethod
    def _excluded(group: dict[str, Any], p: Tensor) -> bool:
        if "lars_exclude" in group:
            return bool(group["lars_exclude"])
        return bool(group["exclude_bias_norm"]) and is_bias_or_norm(p)

    @torch.no_grad()
    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:  # type: ignore[override]
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                d = p.grad
                if not self._excluded(group, p):
                    if group["weight_decay"]:
                        d = d.add(p, alpha=group["weight_decay"])
                    d = d * self._trust_ratio(group, p, d)
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = torch.zeros_like(p)
                mu = state["momentum_buffer"]
                mu.mul_(group["momentum"]).add_(d)
                p.add_(mu, alpha=-group["lr"])
        return loss

    @staticmethod
    def _trust_ratio(group: dict[str, Any], p: Tensor, d: Tensor) -> Tensor:
        p_norm, d_norm = torch.linalg.vector_norm(p), torch.linalg.vector_norm(d)
        ratio = group["eta"] * p_norm / d_norm
        if group["clip_lr"] and group["lr"] > 0:
            ratio = torch.clamp(ratio / group["lr"], max=1.0)
        one = torch.ones_like(ratio)
        return torch.where((p_norm > 0) & (d_norm > 0), ratio, one)
