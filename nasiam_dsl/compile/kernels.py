"""CPU formulations of ops whose ATen CPU kernels are slow, same function and gradient.

Measured with torch 2.14, one thread, (256, 512) float32, forward + backward
(`benchmarks/mixed_ops.py` profiles the seed space, where these were a third of the
non-GEMM time):

* `F.elu`: ~1.4 ms, its `expm1` is not vectorised; `exp(min(x, 0)) - 1` is (differs from
  `expm1` by at most ~6e-8 near 0); the backward stays ATen's `elu_backward`. ~0.2 ms.
* `F.max_pool1d` with autograd: ~1.2 ms, the kernel that records indices is slow while the
  one without is fast; so the forward runs without indices and the backward routes each
  window's gradient to its first maximum (ATen's rule for ties) from float equality masks
  (`1 - sign(max - x)`: boolean masks and `where` cost ~0.5 ms each on this CPU). ~0.3 ms.
* `F.avg_pool1d` (count_include_pad): ~1.1 ms; a zero pad and `kernel` shifted adds, in
  the kernel's summation order (bitwise equal outputs). ~0.2 ms.

On other devices the ATen ops run as they are. Under `no_grad` no autograd `Function` is
involved, so exported modules trace to plain ops.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["elu", "feature_avg_pool", "feature_max_pool"]


def _fast(x: Tensor) -> bool:
    return x.device.type == "cpu"


# ---- elu ------------------------------------------------------------------------------------


def _elu_values(x: Tensor, alpha: float) -> Tensor:
    neg = torch.exp(x.clamp(max=0)).sub_(1)
    if alpha != 1.0:
        neg.mul_(alpha)
    return neg.add_(x.clamp(min=0))


class _ELU(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, alpha: float) -> Tensor:
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return _elu_values(x, alpha)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None]:
        (x,) = ctx.saved_tensors
        return torch.ops.aten.elu_backward(grad, ctx.alpha, 1, 1, False, x), None


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """`F.elu(x, alpha)` (see module docs)."""
    if not _fast(x):
        return F.elu(x, alpha)
    if torch.is_grad_enabled() and x.requires_grad:
        return _ELU.apply(x, alpha)
    return _elu_values(x, alpha)


# ---- pools along the features ---------------------------------------------------------------


def feature_avg_pool(x: Tensor, kernel: int) -> Tensor:
    """`avg_pool1d` over the features of each row: stride 1, padding kernel // 2, padded
    zeros counted."""
    pad = kernel // 2
    if not _fast(x):
        return F.avg_pool1d(x.unsqueeze(1), kernel, 1, pad, count_include_pad=True).squeeze(1)
    n = x.shape[1] + 2 * pad - kernel + 1
    xp = F.pad(x, (pad, pad))
    out = xp[:, :n]
    for j in range(1, kernel):
        out = out + xp[:, j : j + n]
    return out / kernel


def _max_values(x: Tensor, kernel: int) -> Tensor:
    # ATen takes the slow path that records indices whenever its input requires grad
    return F.max_pool1d(x.detach().unsqueeze(1), kernel, 1, kernel // 2).squeeze(1)


class _MaxPool(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, kernel: int) -> Tensor:
        out = _max_values(x, kernel)
        ctx.save_for_backward(x, out)
        ctx.kernel = kernel
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None]:
        x, out = ctx.saved_tensors
        kernel, pad, n = ctx.kernel, ctx.kernel // 2, out.shape[1]
        xp = F.pad(x, (pad, pad), value=float("-inf"))
        gp = torch.zeros_like(xp)
        rest = grad  # the gradient of the windows whose maximum is not found yet
        for j in range(kernel - 1):
            # 1 where this window element is the maximum: float ops (bool masks are slow here)
            hit = torch.sign(out - xp[:, j : j + n]).neg_().add_(1)
            taken = rest * hit
            gp[:, j : j + n] += taken
            rest = rest - taken
        gp[:, kernel - 1 : kernel - 1 + n] += rest
        return gp[:, pad : pad + x.shape[1]], None


def feature_max_pool(x: Tensor, kernel: int) -> Tensor:
    """`max_pool1d` over the features of each row: stride 1, padding kernel // 2."""
    if not _fast(x):
        return F.max_pool1d(x.unsqueeze(1), kernel, 1, kernel // 2).squeeze(1)
    if torch.is_grad_enabled() and x.requires_grad:
        return _MaxPool.apply(x, kernel)
    return _max_values(x, kernel)
