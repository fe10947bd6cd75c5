"""A user framework: NNSiam, an NNCLR-like siamese method, plugged in by dotted path.

    nasiam search spaces/demo.nas --framework my_framework:NNSiam   # with examples/ on PYTHONPATH

NNCLR (Dwibedi et al., 2021) replaces each projection by its nearest neighbour in a
*support set* of past projections, then asks the predictor of the other view to find it
among the batch:

    z = projector(f),  p = predictor(z),  nn(z) = argmax_{s in support} cos(z, s)
    L = 1/2 CE(n(nn(z1)) n(p2)^T / T, diag) + 1/2 CE(n(nn(z2)) n(p1)^T / T, diag)

It shows every part of the `Framework` protocol that a search needs:
- `head_slots`: the heads the space must define (here projector and predictor);
- `Config`: strict, validated options (`framework_options` in a run's TOML config);
- `head_loss`: pure; it may read the support set but never writes it, because the
  architecture step calls it on held-out batches;
- `on_step_end`: the only place state moves (the support set), after weight steps only.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import Tensor

from nasiam_dsl.frameworks import (
    Encoded,
    Framework,
    FrameworkConfig,
    StepOutput,
    head_out_dim,
)


class NNSiamConfig(FrameworkConfig):
    """`temperature` 0.1 and a support set of `support_size` projections (NNCLR: 98,304)."""

    temperature: float = Field(0.1, gt=0.0)
    support_size: int = Field(4096, gt=0)


class NNSiam(Framework):
    """`L = 1/2 CE(nn(z1), p2) + 1/2 CE(nn(z2), p1)` against in-batch negatives."""

    name = "nnsiam"
    head_slots = ("projector", "predictor")
    default_genotype = "simsiam.nas"  # standard heads with the same slots
    Config = NNSiamConfig

    support: Tensor
    support_ptr: Tensor

    def __init__(self, backbone, heads, config=None) -> None:
        super().__init__(backbone, heads, config)
        dim = head_out_dim(self.heads["projector"], self.feature_dim)
        support = F.normalize(torch.randn(self.config.support_size, dim), dim=1)
        # buffers: saved in checkpoints, moved by `.to(device)`, broadcast by DDP
        self.register_buffer("support", support)
        self.register_buffer("support_ptr", torch.zeros((), dtype=torch.long))

    def nearest(self, z: Tensor) -> Tensor:
        """The support entry closest to each row of `z` (no gradient flows through it)."""
        z = F.normalize(z.detach().float(), dim=1)
        return self.support[(z @ self.support.T).argmax(dim=1)]

    def contrast(self, anchor: Tensor, p: Tensor) -> Tensor:
        logits = anchor @ F.normalize(p.float(), dim=1).T / self.config.temperature
        return F.cross_entropy(logits, torch.arange(p.shape[0], device=p.device))

    def head_loss(self, enc: Encoded) -> StepOutput:
        projector, predictor = self.heads["projector"], self.heads["predictor"]
        z1, z2 = projector(enc.f1), projector(enc.f2)
        p1, p2 = predictor(z1), predictor(z2)
        loss = 0.5 * self.contrast(self.nearest(z1), p2) + 0.5 * self.contrast(self.nearest(z2), p1)
        commit = {"support": F.normalize(z1.detach().float(), dim=1)}
        return StepOutput(loss, z1.detach(), z2.detach(), self._logs(loss, z1), commit)

    @torch.no_grad()
    def on_step_end(self, out: StepOutput, progress: float) -> None:
        """Write this step's projections into the support set (a ring buffer)."""
        super().on_step_end(out, progress)
        new = out.commit["support"][-self.support.shape[0] :].to(self.support.dtype)
        index = (self.support_ptr + torch.arange(new.shape[0], device=new.device)) % len(
            self.support
        )
        self.support.index_copy_(0, index, new)
        self.support_ptr.copy_((self.support_ptr + new.shape[0]) % len(self.support))
