"""VICReg (Bardes, Ponce & LeCun, 2022): variance-invariance-covariance regularisation."""

from __future__ import annotations

import torch.nn.functional as F
from pydantic import Field

from nasiam_dsl.frameworks.base import Encoded, Framework, FrameworkConfig, StepOutput
from nasiam_dsl.frameworks.gather import gather_with_grad
from nasiam_dsl.frameworks.losses import vicreg_regularisers
from nasiam_dsl.frameworks.registry import register_framework

__all__ = ["VICReg", "VICRegConfig"]


class VICRegConfig(FrameworkConfig):
    """Official weights 25 / 25 / 1 and `eps` 1e-4 in the standard deviation."""

    sim_weight: float = Field(25.0, ge=0.0)
    var_weight: float = Field(25.0, ge=0.0)
    cov_weight: float = Field(1.0, ge=0.0)
    eps: float = Field(1e-4, gt=0.0)


@register_framework
class VICReg(Framework):
    """`z = projector(f)`; `L = 25 inv + 25 var + 1 cov` (terms logged separately).

    Under DDP, as in the official code: the invariance on this rank's pairs, the variance and
    covariance on the batch gathered from every rank (with gradient).
    """

    name = "vicreg"
    head_slots = ("projector",)
    default_genotype = "vicreg.nas"
    Config = VICRegConfig

    def head_loss(self, enc: Encoded) -> StepOutput:
        cfg = self.config
        projector = self.heads["projector"]
        z1, z2 = projector(enc.f1), projector(enc.f2)
        inv = F.mse_loss(z1, z2)
        both = (gather_with_grad(z1), gather_with_grad(z2)) if self.ranks()[1] > 1 else (z1, z2)
        var, cov = vicreg_regularisers(*both, eps=cfg.eps)
        loss = cfg.sim_weight * inv + cfg.var_weight * var + cfg.cov_weight * cov
        logs = self._logs(loss, z1, invariance=inv, variance=var, covariance=cov)
        return StepOutput(loss, z1.detach(), z2.detach(), logs)
