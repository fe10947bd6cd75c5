"""VICReg (Bardes, Ponce & LeCun, 2022): variance-invariance-covariance regularisation."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import Tensor

from nasiam_dsl.data.augment_config import AugmentRecipe
from nasiam_dsl.frameworks.base import Encoded, Framework, FrameworkConfig, StepOutput
from nasiam_dsl.frameworks.gather import gather_with_grad
from nasiam_dsl.frameworks.registry import register_framework
from nasiam_dsl.optim.recipes import Recipe, solo_cifar

__all__ = ["VICReg", "VICRegConfig", "vicreg_loss", "vicreg_regularisers", "vicreg_terms"]


def vicreg_terms(z1: Tensor, z2: Tensor, eps: float = 1e-4) -> tuple[Tensor, Tensor, Tensor]:
    """The three VICReg terms, unweighted: `(invariance, variance, covariance)`.

    - invariance: `MSE(z1, z2)` (mean over N x d);
    - variance and covariance: see `vicreg_regularisers`.
    """
    return F.mse_loss(z1, z2), *vicreg_regularisers(z1, z2, eps)


def vicreg_regularisers(z1: Tensor, z2: Tensor, eps: float = 1e-4) -> tuple[Tensor, Tensor]:
    """VICReg's batch terms, unweighted: `(variance, covariance)`.

    - variance: `1/2 mean_j relu(1 - std_j(z1)) + 1/2 mean_j relu(1 - std_j(z2))` with
      `std = sqrt(var + eps)` of the centred batch (unbiased variance); the halving is the
      official one (solo-learn drops it: twice the effective weight). A constant batch gives
      `1 - sqrt(eps) ~ 1`;
    - covariance: `sum offdiag(C1)^2 / d + sum offdiag(C2)^2 / d`, `C = z_c^T z_c / (N - 1)`.

    Under DDP the official code computes these on the batch gathered from every rank (and
    the invariance before the gather); the framework does the same.
    """
    n, d = z1.shape
    z1c = z1 - z1.mean(dim=0)
    z2c = z2 - z2.mean(dim=0)
    std1 = torch.sqrt(z1c.var(dim=0) + eps)
    std2 = torch.sqrt(z2c.var(dim=0) + eps)
    variance = 0.5 * F.relu(1.0 - std1).mean() + 0.5 * F.relu(1.0 - std2).mean()

    def off_diagonal_sq(zc: Tensor) -> Tensor:
        cov = zc.T @ zc / (n - 1)
        return (cov.pow(2).sum() - torch.diagonal(cov).pow(2).sum()) / d

    covariance = off_diagonal_sq(z1c) + off_diagonal_sq(z2c)
    return variance, covariance


def vicreg_loss(
    z1: Tensor,
    z2: Tensor,
    sim_weight: float = 25.0,
    var_weight: float = 25.0,
    cov_weight: float = 1.0,
    eps: float = 1e-4,
) -> Tensor:
    """VICReg: `25 * invariance + 25 * variance + 1 * covariance` (official weights).

    See `vicreg_terms` for the terms. No stop-gradient: symmetric.
    """
    inv, var, cov = vicreg_terms(z1, z2, eps=eps)
    return sim_weight * inv + var_weight * var + cov_weight * cov


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
    augmentation = AugmentRecipe(crop_scale=(0.2, 1.0), jitter=(0.4, 0.4, 0.2, 0.1), solarize_p=0.1)
    recipes = (
        solo_cifar(
            "vicreg",
            "lars",
            0.3,
            1e-4,
            framework_options={"sim_weight": 25.0, "var_weight": 25.0, "cov_weight": 1.0},
        ),
        Recipe(
            framework="vicreg",
            scale="imagenet",
            optimizer="lars",
            lr=0.2,
            weight_decay=1e-6,
            eta=0.001,
            exclude_bias_norm=True,
            batch_size=2048,
            epochs=1000,
            warmup_epochs=10,
            framework_options={"sim_weight": 25.0, "var_weight": 25.0, "cov_weight": 1.0},
            source="facebookresearch/vicreg main_vicreg.py",
            unconfirmed=("lr", "weight_decay", "batch_size", "epochs", "warmup_epochs"),
        ),
    )

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
