"""Barlow Twins (Zbontar et al., 2021): cross-correlation towards the identity."""

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

__all__ = ["BarlowTwins", "BarlowTwinsConfig", "barlow_twins_loss"]


def barlow_twins_loss(z1: Tensor, z2: Tensor, lambd: float = 0.0051, eps: float = 1e-5) -> Tensor:
    """Barlow Twins: `L = sum_i (1 - c_ii)^2 + lambda * sum_{i != j} c_ij^2`.

    `c = BN(z1)^T BN(z2) / N` with `BN` a non-affine batch standardisation per feature (biased
    variance, as `BatchNorm1d(affine=False)` in training). `lambda = 0.0051` is the official
    value; the official code applies no extra `scale_loss` (solo-learn scales the total; our
    framework does that, not this function). No stop-gradient: symmetric by construction.
    """
    n = z1.shape[0]
    c1 = F.batch_norm(z1, None, None, training=True, eps=eps)
    c2 = F.batch_norm(z2, None, None, training=True, eps=eps)
    c = c1.T @ c2 / n
    diag = torch.diagonal(c)
    on_diag = (1.0 - diag).pow(2).sum()
    off_diag = c.pow(2).sum() - diag.pow(2).sum()
    return on_diag + lambd * off_diag


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
    augmentation = AugmentRecipe(crop_scale=(0.08, 1.0), jitter=(0.4, 0.4, 0.2, 0.1))
    recipes = (
        solo_cifar(
            "barlowtwins",
            "lars",
            0.3,
            1e-4,
            framework_options={"lambd": 0.0051, "scale_loss": 0.1},
        ),
        Recipe(
            framework="barlowtwins",
            scale="imagenet",
            optimizer="lars",
            lr=0.2,
            no_decay_lr=0.0048,
            weight_decay=1.5e-6,
            eta=0.001,
            exclude_bias_norm=True,
            batch_size=2048,
            epochs=1000,
            warmup_epochs=10,
            framework_options={"lambd": 0.0051, "scale_loss": 1.0},
            source="facebookresearch/barlowtwins main.py",
            notes="weight decay 1.5e-6 is the paper's; main.py's default may be 1e-6",
            unconfirmed=(
                "lr",
                "no_decay_lr",
                "weight_decay",
                "batch_size",
                "epochs",
                "warmup_epochs",
            ),
        ),
    )

    def head_loss(self, enc: Encoded) -> StepOutput:
        projector = self.heads["projector"]
        z1, z2 = projector(enc.f1), projector(enc.f2)
        both = (gather_with_grad(z1), gather_with_grad(z2)) if self.ranks()[1] > 1 else (z1, z2)
        loss = self.config.scale_loss * barlow_twins_loss(*both, self.config.lambd)
        return StepOutput(loss, z1.detach(), z2.detach(), self._logs(loss, z1))
