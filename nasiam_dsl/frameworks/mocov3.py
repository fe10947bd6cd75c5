"""MoCo v3 (Chen, Xie & He, 2021): in-batch contrast against momentum keys, no queue."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import Tensor

from nasiam_dsl.data.augment_config import AugmentRecipe
from nasiam_dsl.frameworks.base import Encoded, Framework, MomentumConfig, StepOutput
from nasiam_dsl.frameworks.gather import gather_no_grad
from nasiam_dsl.frameworks.registry import register_framework
from nasiam_dsl.optim.recipes import Recipe, solo_cifar

__all__ = ["MoCoV3", "MoCoV3Config", "mocov3_loss"]


def mocov3_loss(
    q1: Tensor,
    q2: Tensor,
    k1: Tensor,
    k2: Tensor,
    temperature: float = 0.2,
    offset: int = 0,
) -> Tensor:
    """MoCo v3: `ctr(q1, sg(k2)) + ctr(q2, sg(k1))` (directions **summed**, as official).

    `ctr(q, k) = CE(n(q) @ n(k)^T / T, arange(N) + offset) * 2T`: the in-batch positives sit
    on the diagonal; the `2T` factor is the official one (solo-learn keeps it too). Keys
    `k1, k2` come from the momentum encoder and are stop-gradient. Under DDP the keys are
    gathered from every rank and `offset = N * rank` (official `concat_all_gather`).
    """

    def ctr(q: Tensor, k: Tensor) -> Tensor:
        q = F.normalize(q, dim=-1)
        k = F.normalize(k.detach(), dim=-1)
        logits = q @ k.T / temperature
        labels = torch.arange(q.shape[0], device=q.device) + offset
        return F.cross_entropy(logits, labels) * (2.0 * temperature)

    return ctr(q1, k2) + ctr(q2, k1)


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
    augmentation = AugmentRecipe(crop_scale=(0.08, 1.0), jitter=(0.4, 0.4, 0.2, 0.1))
    recipes = (
        solo_cifar(
            "mocov3",
            "lars",
            0.3,
            1e-6,
            framework_options={"temperature": 0.2, "momentum_base": 0.99, "momentum_final": 1.0},
        ),
        Recipe(
            framework="mocov3",
            scale="imagenet",
            optimizer="lars",
            lr=0.6,
            weight_decay=1e-6,
            eta=0.001,
            exclude_bias_norm=True,
            batch_size=4096,
            epochs=100,
            warmup_epochs=10,
            framework_options={"temperature": 1.0, "momentum_base": 0.99, "momentum_final": 1.0},
            source="facebookresearch/moco-v3 CONFIG.md (ResNet-50, 100 epochs)",
        ),
    )

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
