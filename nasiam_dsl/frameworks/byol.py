"""BYOL (Grill et al., 2020): online predictor regresses an EMA target's projection."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from nasiam_dsl.data.augment_config import AugmentRecipe
from nasiam_dsl.frameworks.base import Encoded, Framework, MomentumConfig, StepOutput
from nasiam_dsl.frameworks.registry import register_framework
from nasiam_dsl.optim.recipes import Recipe, solo_cifar

__all__ = ["BYOL", "BYOLConfig", "byol_loss"]


def byol_loss(p1: Tensor, p2: Tensor, t1: Tensor, t2: Tensor) -> Tensor:
    """BYOL: `L = l(p1, sg(t2)) + l(p2, sg(t1))`, `l(p, t) = mean_i ||n(p_i) - n(t_i)||^2`.

    `||n(p) - n(t)||^2 = 2 - 2 cos(p, t)`, so each direction lies in [0, 4] and the total in
    [0, 8]. The two directions are **summed** (deepmind `regression_loss`, solo-learn); the
    targets `t1, t2` come from the EMA target network and are stop-gradient.
    """

    def direction(p: Tensor, t: Tensor) -> Tensor:
        return (2.0 - 2.0 * F.cosine_similarity(p, t.detach(), dim=-1)).mean()

    return direction(p1, t2) + direction(p2, t1)


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
    augmentation = AugmentRecipe(crop_scale=(0.08, 1.0), jitter=(0.4, 0.4, 0.2, 0.1))
    recipes = (
        solo_cifar(
            "byol",
            "lars",
            1.0,
            1e-5,
            framework_options={"momentum_base": 0.99, "momentum_final": 1.0},
        ),
        Recipe(
            framework="byol",
            scale="imagenet",
            optimizer="lars",
            lr=0.2,
            weight_decay=1.5e-6,
            eta=0.001,
            exclude_bias_norm=True,
            batch_size=4096,
            epochs=1000,
            warmup_epochs=10,
            framework_options={"momentum_base": 0.996, "momentum_final": 1.0},
            source="deepmind-research byol (BYOL paper, appendix C)",
            unconfirmed=("lr", "weight_decay", "batch_size", "epochs", "warmup_epochs"),
        ),
    )

    def head_loss(self, enc: Encoded) -> StepOutput:
        projector, predictor = self.heads["projector"], self.heads["predictor"]
        z1, z2 = projector(enc.f1), projector(enc.f2)
        p1, p2 = predictor(z1), predictor(z2)
        t1, t2 = self.momentum_targets(enc)
        loss = byol_loss(p1, p2, t1, t2)
        return StepOutput(loss, z1.detach(), z2.detach(), self._logs(loss, z1))
