"""BYOL (Grill et al., 2020): online predictor regresses an EMA target's projection."""

from __future__ import annotations

from nasiam_dsl.frameworks.base import Encoded, Framework, MomentumConfig, StepOutput
from nasiam_dsl.frameworks.losses import byol_loss
from nasiam_dsl.frameworks.registry import register_framework

__all__ = ["BYOL", "BYOLConfig"]


class BYOLConfig(MomentumConfig):
    """EMA `tau` cosine from 0.99 to 1.0 per step (solo-learn CIFAR; deepmind 0.996 ImageNet)."""


@register_framework
class BYOL(Framework):
    """Online `p = predictor(projector(f))`; target `t = projector'(backbone'(x))` (EMA).

    `L = l(p1, sg t2) + l(p2, sg t1)` with `l = 2 - 2 cos`, directions summed.
    """

    name = "byol"
    head_slots = ("projector", "predictor")
    default_genotype = "byol.nas"
    momentum_slots = ("backbone", "projector")
    Config = BYOLConfig

    def head_loss(self, enc: Encoded) -> StepOutput:
        projector, predictor = self.heads["projector"], self.heads["predictor"]
        z1, z2 = projector(enc.f1), projector(enc.f2)
        p1, p2 = predictor(z1), predictor(z2)
        t1, t2 = self.momentum_targets(enc)
        loss = byol_loss(p1, p2, t1, t2)
        return StepOutput(loss, z1.detach(), z2.detach(), self._logs(loss, z1))
