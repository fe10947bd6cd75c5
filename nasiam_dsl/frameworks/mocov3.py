"""MoCo v3 (Chen, Xie & He, 2021): in-batch contrast against momentum keys, no queue."""

from __future__ import annotations

from pydantic import Field

from nasiam_dsl.frameworks.base import Encoded, Framework, MomentumConfig, StepOutput
from nasiam_dsl.frameworks.gather import gather_no_grad
from nasiam_dsl.frameworks.losses import mocov3_loss
from nasiam_dsl.frameworks.registry import register_framework

__all__ = ["MoCoV3", "MoCoV3Config"]


class MoCoV3Config(MomentumConfig):
    """`temperature` 0.2 and EMA 0.99 -> 1.0 (solo-learn CIFAR; official ResNet-50: T 1.0)."""

    temperature: float = Field(0.2, gt=0.0)


@register_framework
class MoCoV3(Framework):
    """`q = predictor(projector(f))`, keys `k = projector'(backbone'(x))` (EMA).

    `L = ctr(q1, sg k2) + ctr(q2, sg k1)`, `ctr = CE(q k^T / T, arange) * 2T`. Under DDP the
    keys of every rank are gathered and the labels are `arange(N) + N * rank` (official).
    """

    name = "mocov3"
    head_slots = ("projector", "predictor")
    default_genotype = "mocov3.nas"
    momentum_slots = ("backbone", "projector")
    Config = MoCoV3Config

    def head_loss(self, enc: Encoded) -> StepOutput:
        projector, predictor = self.heads["projector"], self.heads["predictor"]
        z1, z2 = projector(enc.f1), projector(enc.f2)
        q1, q2 = predictor(z1), predictor(z2)
        k1, k2 = self.momentum_targets(enc)
        rank, world = self.ranks()
        if world > 1:
            k1, k2 = gather_no_grad(k1), gather_no_grad(k2)
        loss = mocov3_loss(q1, q2, k1, k2, self.config.temperature, offset=rank * q1.shape[0])
        return StepOutput(loss, z1.detach(), z2.detach(), self._logs(loss, z1))
