"""SimCLR (Chen et al., 2020): NT-Xent over both views, in-batch negatives, no momentum."""

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

__all__ = ["SimCLR", "SimCLRConfig", "nt_xent_loss"]


def nt_xent_loss(
    z1: Tensor, z2: Tensor, temperature: float = 0.5, anchors: slice | None = None
) -> Tensor:
    """SimCLR NT-Xent over the 2N normalised embeddings of both views.

    `s_ij = cos(z_i, z_j) / T`; for each of the 2N anchors
    `l_i = -log( exp(s_{i,pos(i)}) / sum_{k != i} exp(s_ik) )` with self-similarity masked,
    and `L = mean_i l_i` over all 2N anchors (the SimCLR paper's `1/2N` sum; lightly's
    convention). The official TF code returns `loss_a + loss_b`, i.e. twice this value.
    On random high-dimensional inputs `L ~ log(2N - 1)`. No stop-gradient: both views learn.

    `anchors`: rows of `z1, z2` used as anchors (default all), every row stays a candidate.
    Under DDP each rank passes the gathered batch and its own rows, so the ranks' losses
    average to the loss of the whole batch (labels offset by the rank, as SimCLR does).
    """
    n = z1.shape[0]
    rows = torch.arange(n, device=z1.device)[anchors if anchors is not None else slice(None)]
    z = F.normalize(torch.cat([z1, z2], dim=0), dim=-1)
    own = torch.cat([rows, rows + n])  # anchor positions among the 2N candidates
    self_mask = torch.zeros(own.shape[0], 2 * n, dtype=torch.bool, device=z.device)
    self_mask[torch.arange(own.shape[0], device=z.device), own] = True
    logits = (z[own] @ z.T / temperature).masked_fill(self_mask, float("-inf"))
    targets = torch.cat([rows + n, rows])
    return F.cross_entropy(logits, targets)


class SimCLRConfig(FrameworkConfig):
    """`temperature` 0.5: google-research/simclr CIFAR-10 README recipe (also NASiam's)."""

    temperature: float = Field(0.5, gt=0.0)


@register_framework
class SimCLR(Framework):
    """`z = projector(f)`; `L = NT-Xent(z1, z2; T)` averaged over the 2N anchors.

    Under DDP the projections are gathered with gradient: each rank's anchors meet the
    negatives of every rank (labels offset by the rank), as the official code does.
    """

    name = "simclr"
    head_slots = ("projector",)
    default_genotype = "simclr.nas"
    Config = SimCLRConfig
    augmentation = AugmentRecipe(crop_scale=(0.08, 1.0), jitter=(0.4, 0.4, 0.4, 0.1))
    recipes = (
        solo_cifar("simclr", "lars", 0.4, 1e-4, framework_options={"temperature": 0.2}),
        Recipe(
            framework="simclr",
            scale="imagenet",
            optimizer="lars",
            lr=0.3,
            weight_decay=1e-6,
            eta=0.001,
            exclude_bias_norm=True,
            batch_size=4096,
            epochs=100,
            warmup_epochs=10,
            framework_options={"temperature": 0.1},
            source="google-research/simclr (SimCLR paper, section B.1)",
            unconfirmed=("lr", "weight_decay", "batch_size", "epochs", "warmup_epochs"),
        ),
    )

    def head_loss(self, enc: Encoded) -> StepOutput:
        projector = self.heads["projector"]
        z1, z2 = projector(enc.f1), projector(enc.f2)
        rank, world = self.ranks()
        n = z1.shape[0]
        loss = nt_xent_loss(
            gather_with_grad(z1) if world > 1 else z1,
            gather_with_grad(z2) if world > 1 else z2,
            self.config.temperature,
            anchors=slice(rank * n, (rank + 1) * n),
        )
        return StepOutput(loss, z1.detach(), z2.detach(), self._logs(loss, z1))
