"""SimSiam (Chen & He, 2021): stop-gradient siamese network with a predictor, no momentum."""

from __future__ import annotations

from typing import Any

from torch import nn

from nasiam_dsl.frameworks.base import Encoded, Framework, FrameworkConfig, StepOutput
from nasiam_dsl.frameworks.losses import simsiam_loss
from nasiam_dsl.frameworks.registry import register_framework

__all__ = ["SimSiam", "SimSiamConfig"]


class SimSiamConfig(FrameworkConfig):
    """`fix_pred_lr`: keep the predictor lr constant (official `--fix-pred-lr`; 67.7 -> 68.1)."""

    fix_pred_lr: bool = True


@register_framework
class SimSiam(Framework):
    """`z = projector(f)`, `p = predictor(z)`; `L = 1/2 D(p1, sg z2) + 1/2 D(p2, sg z1)`."""

    name = "simsiam"
    head_slots = ("projector", "predictor")
    default_genotype = "simsiam.nas"
    Config = SimSiamConfig

    @property
    def projector(self) -> nn.Module:
        return self.heads["projector"]

    @property
    def predictor(self) -> nn.Module:
        return self.heads["predictor"]

    def head_loss(self, enc: Encoded) -> StepOutput:
        z1, z2 = self.projector(enc.f1), self.projector(enc.f2)
        p1, p2 = self.predictor(z1), self.predictor(z2)
        loss = simsiam_loss(p1, p2, z1, z2)
        return StepOutput(loss, z1.detach(), z2.detach(), self._logs(loss, z1))

    def special_param_groups(self, lr: float) -> list[dict[str, Any]]:
        if not self.config.fix_pred_lr:
            return []
        return [
            {
                "name": "predictor",
                "params": list(self.predictor.parameters()),
                "lr": lr,
                "fix_lr": True,
            }
        ]
