"""Barlow Twins (Zbontar et al., 2021): cross-correlation towards the identity."""

from __future__ import annotations

from pydantic import Field

from nasiam_dsl.frameworks.base import Encoded, Framework, FrameworkConfig, StepOutput
from nasiam_dsl.frameworks.gather import gather_with_grad
from nasiam_dsl.frameworks.losses import barlow_twins_loss
from nasiam_dsl.frameworks.registry import register_framework

__all__ = ["BarlowTwins", "BarlowTwinsConfig"]


class BarlowTwinsConfig(FrameworkConfig):
    """`lambd` 0.0051 (official); `scale_loss` 0.1 multiplies the total (solo-learn CIFAR YAML;
    the official ImageNet code has none, i.e. 1.0)."""

    lambd: float = Field(0.0051, ge=0.0)
    scale_loss: float = Field(0.1, gt=0.0)


@register_framework
class BarlowTwins(Framework):
    """`z = projector(f)`; `L = scale * (sum (1 - c_ii)^2 + lambda sum_{i!=j} c_ij^2)`.

    Under DDP the projections are gathered with gradient, so the standardisation and the
    cross-correlation use the whole batch on every rank. (The official code all-reduces `c`
    outside autograd: the same loss, but each rank's gradient then misses the other ranks'
    share, a factor 1/world after DDP's averaging.)
    """

    name = "barlowtwins"
    head_slots = ("projector",)
    default_genotype = "barlowtwins.nas"
    Config = BarlowTwinsConfig

    def head_loss(self, enc: Encoded) -> StepOutput:
        projector = self.heads["projector"]
        z1, z2 = projector(enc.f1), projector(enc.f2)
        both = (gather_with_grad(z1), gather_with_grad(z2)) if self.ranks()[1] > 1 else (z1, z2)
        loss = self.config.scale_loss * barlow_twins_loss(*both, self.config.lambd)
        return StepOutput(loss, z1.detach(), z2.detach(), self._logs(loss, z1))
