"""MoCo v2 (Chen et al., 2020): InfoNCE against a momentum encoder and a queue of keys.

Symmetric by default (MoCo v2+ / the MoCo CIFAR demo `--symmetric`): the loss is the sum of
both directions and both key sets are enqueued. The queue and its pointer are registered
buffers, so they are saved in `state_dict` (lightly keeps its bank out of checkpoints; a
resumed run would restart from a random queue). The queue only changes in `on_step_end`.

Official MoCo applies the EMA *before* the key forward of each iteration; applying it after
each weight step, as here, gives the same sequence of key encoders.

Shuffle-BN: the key batch is permuted before the momentum forward and un-permuted after, so
queries and keys cannot match through batch statistics. Under DDP the permutation spans every
rank's batch (gathered, permuted by one permutation from rank 0, scattered back), as the
official code does, and each rank's BatchNorm sees other ranks' samples. On one process it
matters only with split BatchNorm (`bn_splits > 1`, emulating several GPUs; off by default);
with plain or synchronised BatchNorm the permutation changes nothing.

Under DDP the keys of every rank are gathered before they are enqueued, so every rank writes
the same keys in the same order (each view's keys in rank order, then the next view's): the
queue is identical on every rank and equals the queue of one process over the concatenated
batch. DDP's broadcast of buffers from rank 0 then changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from pydantic import BaseModel, Field
from torch import Tensor, nn

from nasiam_dsl.data.augment_config import AugmentRecipe
from nasiam_dsl.frameworks.base import (
    Encoded,
    Framework,
    FrameworkConfig,
    StepOutput,
    head_out_dim,
)
from nasiam_dsl.frameworks.gather import (
    batch_shuffle,
    batch_unshuffle,
    gather_no_grad,
    take_shuffled,
)
from nasiam_dsl.frameworks.registry import register_framework
from nasiam_dsl.optim.recipes import Recipe, solo_cifar

__all__ = ["MoCoV2", "MoCoV2Config", "infonce_queue_loss"]


def infonce_queue_loss(q: Tensor, k: Tensor, queue: Tensor, temperature: float = 0.1) -> Tensor:
    """MoCo v2 InfoNCE for one direction: positives `q.k`, negatives `q.queue`.

    `logits = [n(q).n(sg(k)), n(q) @ queue^T] / T` (N x (1 + K)); `L = CE(logits, 0)`.
    `k` (keys from the momentum encoder) is stop-gradient; `queue` is a (K, d) tensor of
    already-normalised past keys and is read, never written. The symmetric MoCo v2+ loss is the
    **sum** `L(q1, k2) + L(q2, k1)` (MoCo CIFAR demo `--symmetric`); the caller forms it.
    """
    q = F.normalize(q, dim=-1)
    k = F.normalize(k.detach(), dim=-1)
    positive = (q * k).sum(dim=-1, keepdim=True)
    negative = q @ queue.detach().to(q.dtype).T
    logits = torch.cat([positive, negative], dim=1) / temperature
    labels = torch.zeros(q.shape[0], dtype=torch.long, device=q.device)
    return F.cross_entropy(logits, labels)


class MoCoV2Config(FrameworkConfig):
    """Defaults of the MoCo CIFAR demo: T 0.1, K 4096, constant m 0.99, symmetric."""

    temperature: float = Field(0.1, gt=0.0)
    queue_size: int = Field(4096, gt=0)
    momentum: float = Field(0.99, ge=0.0, le=1.0)
    symmetric: bool = True
    shuffle_bn: bool = True


@register_framework
class MoCoV2(Framework):
    """`q = projector(f)`; keys `k = n(projector'(backbone'(x)))` (EMA, constant m).

    `L = InfoNCE(q1, sg k2, queue) + InfoNCE(q2, sg k1, queue)`.
    """

    name = "mocov2"
    head_slots = ("projector",)
    default_genotype = "mocov2.nas"
    momentum_slots = ("backbone", "projector")
    Config = MoCoV2Config
    augmentation = AugmentRecipe(crop_scale=(0.08, 1.0), jitter=(0.4, 0.4, 0.4, 0.1))
    recipes = (
        solo_cifar(
            "mocov2",
            "sgd",
            0.3,
            1e-4,
            framework_options={"temperature": 0.2, "queue_size": 32768, "momentum": 0.99},
            notes="solo-learn raises the EMA from 0.99 to 0.999 (cosine); ours keeps it constant",
        ),
        Recipe(
            framework="mocov2",
            scale="imagenet",
            optimizer="sgd",
            lr=0.03,
            weight_decay=1e-4,
            batch_size=256,
            epochs=200,
            framework_options={
                "temperature": 0.2,
                "queue_size": 65536,
                "momentum": 0.999,
                "symmetric": False,
                "shuffle_bn": True,
            },
            source="facebookresearch/moco README (--mlp --moco-t 0.2 --aug-plus --cos)",
            notes="asymmetric loss; per-GPU BatchNorm with shuffle-BN, no SyncBN",
        ),
    )

    queue: Tensor
    queue_ptr: Tensor

    def __init__(
        self,
        backbone: nn.Module,
        heads: Mapping[str, nn.Module],
        config: BaseModel | Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(backbone, heads, config)
        dim = head_out_dim(self.heads["projector"], self.feature_dim)
        ref = next(iter(self.parameters()), None)
        device = ref.device if ref is not None else None
        queue = torch.randn(self.config.queue_size, dim, device=device)
        self.register_buffer("queue", F.normalize(queue, dim=1))
        self.register_buffer("queue_ptr", torch.zeros((), dtype=torch.long, device=device))

    def momentum_at(self, progress: float) -> float:
        """Constant momentum (MoCo v2)."""
        del progress
        return self.config.momentum

    def target_forward(self, x: Tensor, f: Tensor) -> Tensor:
        """Normalised keys; the batch is shuffled around the forward when `shuffle_bn` (across
        ranks under DDP)."""
        if not (self.config.shuffle_bn and self.training):
            return F.normalize(super().target_forward(x, f), dim=1)
        if self.ranks()[1] > 1:
            shuffled, perm = batch_shuffle(x)
            keys = super().target_forward(shuffled, take_shuffled(f, perm))
            return F.normalize(batch_unshuffle(keys, perm), dim=1)
        perm = torch.randperm(x.shape[0], device=x.device)
        keys = super().target_forward(x[perm], f[perm])
        return F.normalize(keys[torch.argsort(perm)], dim=1)

    def head_loss(self, enc: Encoded) -> StepOutput:
        projector = self.heads["projector"]
        k1, k2 = self.momentum_targets(enc)
        T = self.config.temperature
        z1, z2 = projector(enc.f1), projector(enc.f2)
        if self.config.symmetric:
            loss = infonce_queue_loss(z1, k2, self.queue, T) + infonce_queue_loss(
                z2, k1, self.queue, T
            )
            keys = torch.cat([k1, k2], dim=0)
        else:
            loss = infonce_queue_loss(z1, k2, self.queue, T)
            keys = k2
        logs = self._logs(loss, z1)
        return StepOutput(loss, z1.detach(), z2.detach(), logs, {"keys": keys.detach()})

    @torch.no_grad()
    def on_step_end(self, out: StepOutput, progress: float) -> None:
        """EMA update of the key encoder, then enqueue `out.commit["keys"]` (under DDP, each
        view's keys gathered from every rank in rank order)."""
        super().on_step_end(out, progress)
        keys = out.commit["keys"]
        if self.ranks()[1] > 1:
            views = 2 if self.config.symmetric else 1
            keys = torch.cat([gather_no_grad(k) for k in keys.chunk(views)], dim=0)
        self.enqueue(keys)

    @torch.no_grad()
    def enqueue(self, keys: Tensor) -> None:
        """Write `keys` (normalised, (n, d)) at the pointer, wrapping around the queue."""
        size = self.queue.shape[0]
        n = keys.shape[0]
        kept = keys[-size:].to(self.queue.dtype)
        start = self.queue_ptr + (n - kept.shape[0])
        index = (start + torch.arange(kept.shape[0], device=self.queue.device)) % size
        self.queue.index_copy_(0, index, kept)
        self.queue_ptr.copy_((self.queue_ptr + n) % size)
