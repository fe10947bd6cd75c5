"""BatchNorm across devices: split BatchNorm (several GPUs emulated on one) and synchronised
BatchNorm (one batch statistic over every rank of a DDP run).

Split BatchNorm emulates per-GPU BatchNorm statistics on one device.

With `num_splits = s`, a training batch of N is normalised as `s` independent sub-batches of
N/s (samples `b, b+s, b+2s, ...` form sub-batch `b`); running statistics are the mean over the
splits. Combined with MoCo's key shuffling this stops queries and keys sharing batch
statistics (the MoCo CIFAR demo's single-GPU recipe, `--bn-splits 8`). In eval mode, and with
one split, it is a plain `BatchNorm2d`.

Synchronised BatchNorm (`convert_sync_bn`) is ours rather than `nn.SyncBatchNorm`: torch's
refuses CPU tensors (so gloo runs and tests could not use it), and it is no longer a
`BatchNorm1d`, which the compiled heads test for when they narrow or mask features.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm

__all__ = [
    "SplitBatchNorm2d",
    "SyncedBatchNorm1d",
    "SyncedBatchNorm2d",
    "convert_sync_bn",
    "synced_batch_norm",
]


class SplitBatchNorm2d(nn.BatchNorm2d):
    """`BatchNorm2d` whose training statistics are computed per split of the batch."""

    def __init__(self, num_features: int, num_splits: int = 1, **kwargs: object) -> None:
        super().__init__(num_features, **kwargs)  # type: ignore[arg-type]
        if num_splits < 1:
            raise ValueError(f"num_splits must be >= 1, got {num_splits}")
        self.num_splits = num_splits

    def forward(self, x: Tensor) -> Tensor:
        s = self.num_splits
        if not self.training or s == 1:
            return super().forward(x)
        n, c, h, w = x.shape
        if n % s:
            raise ValueError(f"batch size {n} is not divisible by bn splits {s}")
        momentum = 0.1 if self.momentum is None else self.momentum
        running_mean = self.running_mean.repeat(s) if self.running_mean is not None else None
        running_var = self.running_var.repeat(s) if self.running_var is not None else None
        weight = self.weight.repeat(s) if self.weight is not None else None
        bias = self.bias.repeat(s) if self.bias is not None else None
        out = F.batch_norm(
            x.reshape(n // s, c * s, h, w),
            running_mean,
            running_var,
            weight,
            bias,
            training=True,
            momentum=momentum,
            eps=self.eps,
        ).reshape(n, c, h, w)
        if running_mean is not None and running_var is not None:
            self.running_mean.copy_(running_mean.detach().reshape(s, c).mean(0))
            self.running_var.copy_(running_var.detach().reshape(s, c).mean(0))
            if self.num_batches_tracked is not None:
                self.num_batches_tracked.add_(1)
        return out

    def extra_repr(self) -> str:
        return super().extra_repr() + f", num_splits={self.num_splits}"


# ---- synchronised BatchNorm: batch statistics over every rank ------------------------------


def _world() -> int:
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


class _AllReduceSum(torch.autograd.Function):
    """Sum over ranks; its adjoint is the same sum of the incoming gradients."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:  # type: ignore[override]
        x = x.clone()
        dist.all_reduce(x)
        return x

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:  # type: ignore[override]
        grad = grad.clone()
        dist.all_reduce(grad)
        return grad


def synced_batch_norm(
    x: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None,
    bias: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
) -> Tensor:
    """`F.batch_norm` whose training statistics span every rank of the process group.

    Two-pass and differentiable: the mean from the all-reduced sums, then the biased variance
    from the all-reduced squared deviations; gradients flow back through both sums. Running
    statistics move as `F.batch_norm` moves them (unbiased variance of the global batch), so
    they are the same on every rank. One process, or eval mode: exactly `F.batch_norm`.
    """
    if not training or _world() == 1:
        return F.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps)
    dims = [0, *range(2, x.dim())]
    shape = [1, -1] + [1] * (x.dim() - 2)
    local = torch.tensor([x.numel() / x.shape[1]], device=x.device, dtype=torch.float32)
    count = _AllReduceSum.apply(local)
    mean = _AllReduceSum.apply(x.sum(dim=dims)) / count
    centred = x - mean.view(shape)
    var = _AllReduceSum.apply(centred.pow(2).sum(dim=dims)) / count
    if running_mean is not None and running_var is not None:
        with torch.no_grad():
            unbiased = var * (count / (count - 1).clamp(min=1))
            running_mean.lerp_(mean.detach().to(running_mean.dtype), momentum)
            running_var.lerp_(unbiased.detach().to(running_var.dtype), momentum)
    out = centred * torch.rsqrt(var + eps).view(shape)
    if weight is not None:
        out = out * weight.view(shape)
    if bias is not None:
        out = out + bias.view(shape)
    return out


class _SyncedBatchNorm(_BatchNorm):
    """`forward` of a BatchNorm layer with statistics synchronised across ranks.

    `batch_norm` is the functional form its training forward uses (`F.batch_norm`'s
    signature): code that runs a BatchNorm on part of its features (the compiled heads'
    narrowing) calls it instead of `F.batch_norm`, without knowing this module."""

    @staticmethod
    def batch_norm(*args: Any) -> Tensor:
        return synced_batch_norm(*args)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input_dim(x)
        if not self.training or _world() == 1:
            return super().forward(x)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        keep = self.track_running_stats
        return synced_batch_norm(
            x,
            self.running_mean if keep else None,
            self.running_var if keep else None,
            self.weight,
            self.bias,
            True,
            factor,
            self.eps,
        )


class SyncedBatchNorm1d(_SyncedBatchNorm, nn.BatchNorm1d):
    """`BatchNorm1d` with batch statistics over every rank (CPU/gloo and CUDA/NCCL alike).

    Still a `BatchNorm1d`, so code that recognises BatchNorm layers (the compiled heads'
    narrowing and masking) keeps recognising it."""


class SyncedBatchNorm2d(_SyncedBatchNorm, nn.BatchNorm2d):
    """`BatchNorm2d` with batch statistics over every rank; replaces split BatchNorm under DDP."""


def _synced_like(bn: _BatchNorm) -> _SyncedBatchNorm:
    cls = SyncedBatchNorm1d if isinstance(bn, nn.BatchNorm1d) else SyncedBatchNorm2d
    ref = bn.weight if bn.weight is not None else bn.running_mean
    factory = {"device": ref.device, "dtype": ref.dtype} if ref is not None else {}
    synced = cls(
        bn.num_features,
        eps=bn.eps,
        momentum=bn.momentum,
        affine=bn.affine,
        track_running_stats=bn.track_running_stats,
        **factory,
    )
    with torch.no_grad():
        if bn.affine:
            synced.weight = bn.weight
            synced.bias = bn.bias
        if bn.track_running_stats:
            synced.running_mean = bn.running_mean
            synced.running_var = bn.running_var
            synced.num_batches_tracked = bn.num_batches_tracked
    synced.train(bn.training)
    return synced


_CONVERTIBLE = (nn.BatchNorm1d, nn.BatchNorm2d)


def convert_sync_bn(module: nn.Module) -> nn.Module:
    """Replace every BatchNorm layer of `module` (1-d, 2-d, split; subclasses too) with
    its synchronised twin, sharing parameters and running statistics; returns `module` (or the
    replacement when `module` itself is a BatchNorm layer).

    Call it on the whole framework before wrapping it in DDP and before building the
    optimiser: backbone, heads and the momentum (EMA) copies are all converted, and the
    parameters stay the same objects. Split BatchNorm becomes plain synchronised BatchNorm:
    under DDP every rank is a real device, and shuffle-BN spans the ranks.
    """
    if isinstance(module, _CONVERTIBLE) and not isinstance(module, _SyncedBatchNorm):
        return _synced_like(module)
    for name, child in module.named_children():
        replaced = convert_sync_bn(child)
        if replaced is not child:
            setattr(module, name, replaced)
    return module
