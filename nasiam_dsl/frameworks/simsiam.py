"""SimSiam (Chen & He, 2021): stop-gradient siamese network with a predictor, no momentum."""

from __future__ import annotations

from typing import Any

import torch.nn.functional as F
from torch import Tensor, nn

from nasiam_dsl.data.augment_config import AugmentRecipe
from nasiam_dsl.frameworks.base import Encoded, Framework, FrameworkConfig, StepOutput
from nasiam_dsl.frameworks.registry import register_framework
from nasiam_dsl.optim.recipes import Recipe, solo_cifar

__all__ = ["SimSiam", "SimSiamConfig", "negative_cosine", "simsiam_loss"]


def negative_cosine(p: Tensor, z: Tensor) -> Tensor:
    """`D(p, z) = -mean_i cos(p_i, sg(z_i))`; `z` is the stop-gradient target. Range [-1, 1]."""
    return -F.cosine_similarity(p, z.detach(), dim=-1).mean()


def simsiam_loss(p1: Tensor, p2: Tensor, z1: Tensor, z2: Tensor) -> Tensor:
    """SimSiam: `L = 1/2 D(p1, sg(z2)) + 1/2 D(p2, sg(z1))`, batch mean; minimum -1.

    Follows the official code (half of each direction). `z1, z2` (projector outputs) are
    stop-gradient; gradients reach the encoder only through the predictions `p1, p2`.
    """
    return 0.5 * negative_cosine(p1, z2) + 0.5 * negative_cosine(p2, z1)


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
    augmentation = AugmentRecipe(crop_scale=(0.2, 1.0), jitter=(0.4, 0.4, 0.4, 0.1))
    recipes = (
        solo_cifar("simsiam", "sgd", 0.5, 1e-5, framework_options={"fix_pred_lr": True}),
        Recipe(
            framework="simsiam",
            scale="imagenet",
            optimizer="sgd",
            lr=0.05,
            weight_decay=1e-4,
            batch_size=512,
            epochs=100,
            framework_options={"fix_pred_lr": True},
            source="facebookresearch/simsiam README (main_simsiam.py --fix-pred-lr)",
        ),
    )

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
