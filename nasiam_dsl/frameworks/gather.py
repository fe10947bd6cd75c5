"""Batch collectives for losses under DDP: all-gather with and without gradient, and the
cross-rank batch shuffle of MoCo's shuffle-BN.

Every function is the identity on one process (no process group, or a group of one), so a
framework calls them unconditionally and a single-process run computes exactly what it did.

Gradient convention: `gather_with_grad` returns the whole batch on every rank, and its backward
sends each rank the SUM over ranks of the gradients that reached its slice (the adjoint of the
gather). With DDP averaging parameter gradients over ranks, a framework whose per-rank losses
average to the single-process loss on the concatenated batch then gets exactly the
single-process gradient: `mean_r dL_r/dtheta = dL/dtheta`.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import Tensor

__all__ = [
    "batch_shuffle",
    "batch_unshuffle",
    "gather_no_grad",
    "gather_with_grad",
    "rank_and_world",
    "take_shuffled",
]


def rank_and_world() -> tuple[int, int]:
    """`(rank, world_size)` of the default process group; `(0, 1)` without one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


class _GatherWithGrad(torch.autograd.Function):
    """All-gather along dim 0; backward: all-reduce (sum) the gradient, keep this rank's rows."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:  # type: ignore[override]
        rank, world = rank_and_world()
        ctx.rank, ctx.rows = rank, x.shape[0]
        parts = [torch.empty_like(x) for _ in range(world)]
        dist.all_gather(parts, x.contiguous())
        return torch.cat(parts, dim=0)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:  # type: ignore[override]
        grad = grad.contiguous().clone()
        dist.all_reduce(grad)
        return grad[ctx.rank * ctx.rows : (ctx.rank + 1) * ctx.rows]


def gather_with_grad(x: Tensor) -> Tensor:
    """`x` of every rank concatenated in rank order, (world * n, ...); differentiable.

    Every rank must pass the same shape (equal per-rank batches, as a `DistributedSampler`
    with `drop_last` gives)."""
    if rank_and_world()[1] == 1:
        return x
    return _GatherWithGrad.apply(x)


@torch.no_grad()
def gather_no_grad(x: Tensor) -> Tensor:
    """`x` of every rank concatenated in rank order, detached (keys, images)."""
    world = rank_and_world()[1]
    if world == 1:
        return x.detach()
    parts = [torch.empty_like(x) for _ in range(world)]
    dist.all_gather(parts, x.detach().contiguous())
    return torch.cat(parts, dim=0)


@torch.no_grad()
def batch_shuffle(x: Tensor) -> tuple[Tensor, Tensor]:
    """MoCo shuffle-BN: this rank's slice of the globally permuted batch, and the permutation.

    The batches of all ranks are gathered, permuted by one permutation drawn on rank 0 and
    broadcast, and each rank keeps its slice: a rank's BatchNorm then sees samples of other
    ranks, so queries and keys cannot match through batch statistics. On one process the
    batch is permuted locally (this matters only with split BatchNorm).
    """
    world = rank_and_world()[1]
    perm = torch.randperm(x.shape[0] * world, device=x.device)
    if world > 1:
        dist.broadcast(perm, src=0)
    return take_shuffled(x, perm), perm


@torch.no_grad()
def take_shuffled(x: Tensor, perm: Tensor) -> Tensor:
    """This rank's slice of the gathered `x` permuted by `perm` (from `batch_shuffle`)."""
    rank, world = rank_and_world()
    if world == 1:
        return x[perm]
    n = x.shape[0]
    return gather_no_grad(x)[perm[rank * n : (rank + 1) * n]]


@torch.no_grad()
def batch_unshuffle(y: Tensor, perm: Tensor) -> Tensor:
    """Undo `batch_shuffle` on its output `y`: this rank's rows in their original order."""
    rank, world = rank_and_world()
    if world == 1:
        return y[torch.argsort(perm)]
    everything = gather_no_grad(y)
    n = y.shape[0]
    return everything[torch.argsort(perm)[rank * n : (rank + 1) * n]]
