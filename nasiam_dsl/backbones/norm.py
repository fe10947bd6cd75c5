"""Split BatchNorm: emulate per-GPU BatchNorm statistics on one device.

With `num_splits = s`, a training batch of N is normalised as `s` independent sub-batches of
N/s (samples `b, b+s, b+2s, ...` form sub-batch `b`); running statistics are the mean over the
splits. Combined with MoCo's key shuffling this stops queries and keys sharing batch
statistics (the MoCo CIFAR demo's single-GPU recipe, `--bn-splits 8`). In eval mode, and with
one split, it is a plain `BatchNorm2d`.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["SplitBatchNorm2d"]


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
