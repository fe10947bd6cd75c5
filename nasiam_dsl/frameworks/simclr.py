"""SimCLR (Chen et al., 2020): NT-Xent over both views, in-batch negatives, no momentum."""

from __future__ import annotations

from pydantic import Field

from nasiam_dsl.frameworks.base import Encoded, Framework, FrameworkConfig, StepOutput
from nasiam_dsl.frameworks.gather import gather_with_grad
from nasiam_dsl.frameworks.losses import nt_xent_loss
from nasiam_dsl.frameworks.registry import register_framework

__all__ = ["SimCLR", "SimCLRConfig"]


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
