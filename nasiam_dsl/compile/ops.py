"""Building blocks: the torch module of each registry op, fixed or inside a choice.

Semantics follow the NASiam seed (reference §1.1) where it defines them:

* `linear(width, bias=frozen)`: the bias exists but never trains (`requires_grad=False`), as
  the seed's `fc` before `BN(affine=False)`.
* `avgpool` / `maxpool`: 1-D pools along the *feature* axis of each sample, stride 1,
  padding kernel // 2 (same size), `count_include_pad=True` for the average: edge features
  are divided by the full window. Samples never mix.
* activations are never in place: a choice feeds one input to several candidates.
* pools and `elu` run through `kernels` on CPU (ATen's CPU kernels for them are slow).

`narrow_forward` runs a block on the first `n` features only (PC-DARTS partial channels),
slicing weights and BatchNorm statistics instead of building smaller modules.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nasiam_dsl import registry
from nasiam_dsl.compile import kernels
from nasiam_dsl.lang.plan import Linear, Op
from nasiam_dsl.names import import_object

__all__ = [
    "ELU",
    "AvgPool",
    "Dense",
    "FeaturePool",
    "MaxPool",
    "Zero",
    "is_per_feature",
    "make_layer",
    "narrow_forward",
]


class Dense(nn.Linear):
    """`nn.Linear` whose bias may be frozen (kept at its init, `requires_grad=False`)."""

    def __init__(
        self, in_features: int, out_features: int, bias: bool | str = True, **factory: Any
    ) -> None:
        super().__init__(in_features, out_features, bias=bias is not False, **factory)
        self.bias_mode = bias
        if bias == "frozen":
            assert self.bias is not None
            self.bias.requires_grad_(False)

    def extra_repr(self) -> str:
        return super().extra_repr() + (", bias=frozen" if self.bias_mode == "frozen" else "")


class FeaturePool(nn.Module):
    """1-D pool along the features of each sample: (N, C) -> (N, C), stride 1, same size."""

    def __init__(self, kind: str, kernel: int = 3) -> None:
        super().__init__()
        if kind not in ("avg", "max"):
            raise ValueError(f"unknown pool {kind!r}")
        self.kind = kind
        self.kernel = int(kernel)

    def forward(self, x: Tensor) -> Tensor:
        if self.kind == "avg":
            return kernels.feature_avg_pool(x, self.kernel)
        return kernels.feature_max_pool(x, self.kernel)

    def extra_repr(self) -> str:
        return f"{self.kind}, kernel={self.kernel}"


class AvgPool(FeaturePool):
    """`avgpool`: padded zeros counted, as NASiam's pool."""

    def __init__(self, kernel: int = 3) -> None:
        super().__init__("avg", kernel)


class MaxPool(FeaturePool):
    """`maxpool`."""

    def __init__(self, kernel: int = 3) -> None:
        super().__init__("max", kernel)


class Zero(nn.Module):
    """Outputs zeros of its input's shape (a removed edge)."""

    def forward(self, x: Tensor) -> Tensor:
        return torch.zeros_like(x)


class ELU(nn.ELU):
    """`nn.ELU` through `kernels.elu` (ATen's CPU forward is ~7x slower, same function)."""

    def forward(self, x: Tensor) -> Tensor:
        return kernels.elu(x, self.alpha)


def _spec(op: Op) -> registry.OpSpec:
    spec = registry.get_op(op.name)
    if spec is None:
        raise KeyError(f"unknown op {op.name!r}")
    return spec


def make_layer(op: Op, width: int) -> nn.Module:
    """The module of any op of a pipeline but `linear`, as its registry entry says: `builds`
    (or a user op's `factory`) given the options, a norm its width first; every module knows
    whether it is `per_feature`. Activations are never in place: a choice feeds one input
    to several candidates."""
    spec = _spec(op)
    args = (width,) if op.kind == "norm" else ()
    if spec.factory is not None:
        module = spec.factory(*args, **op.opts)
    elif spec.builds is not None:
        cls = import_object(spec.builds, kind="op module")
        module = cls(*args, **{spec.renamed.get(k, k): v for k, v in op.opts.items()})
    else:
        raise KeyError(f"no module for op {op.name!r}")
    if not hasattr(module, "per_feature"):
        module.per_feature = spec.per_feature
    return module


def make_dense(stage: Linear, in_width: int) -> Dense:
    return Dense(in_width, max(stage.widths), stage.bias)


def is_per_feature(module: nn.Module) -> bool:
    """True when output feature j depends on input feature j only (masks commute with it):
    what the op's registry entry says (`make_layer` marks every module it builds)."""
    return bool(getattr(module, "per_feature", False))


def bn_forward(bn: nn.BatchNorm1d, x: Tensor, start: int, n: int, *, count: bool = True) -> Tensor:
    """`bn` applied to features `start:start+n` of its width, as `BatchNorm1d.forward` does
    (running statistics of those features updated in place; `count`: advance the batch count).

    A training BatchNorm layer that brings its own functional form (`batch_norm`: the
    synchronised BatchNorm of DDP with `--sync-bn`) takes its statistics that way, as its own
    forward does."""
    own = getattr(bn, "batch_norm", None)
    batch_norm = own if bn.training and own is not None else F.batch_norm
    sl = slice(start, start + n)
    factor = 0.0 if bn.momentum is None else bn.momentum
    if bn.training and bn.track_running_stats and bn.num_batches_tracked is not None:
        if count:
            bn.num_batches_tracked.add_(1)
        if bn.momentum is None:
            factor = 1.0 / float(bn.num_batches_tracked)
    batch_stats = bn.training or (bn.running_mean is None and bn.running_var is None)
    keep = not bn.training or bn.track_running_stats
    rm = bn.running_mean[sl] if keep and bn.running_mean is not None else None
    rv = bn.running_var[sl] if keep and bn.running_var is not None else None
    w = bn.weight[sl] if bn.weight is not None else None
    b = bn.bias[sl] if bn.bias is not None else None
    return batch_norm(x, rm, rv, w, b, batch_stats, factor, bn.eps)


def narrow_forward(module: nn.Module, x: Tensor, n: int) -> Tensor:
    """Run `module` on `x` of width `n` <= its width, using its first `n` features."""
    if isinstance(module, Dense):
        bias = module.bias[:n] if module.bias is not None else None
        return F.linear(x, module.weight[:n, :n], bias)
    if isinstance(module, nn.BatchNorm1d):
        return bn_forward(module, x, 0, n)
    if isinstance(module, nn.LayerNorm):
        w = module.weight[:n] if module.weight is not None else None
        b = module.bias[:n] if module.bias is not None else None
        return F.layer_norm(x, (n,), w, b, module.eps)
    narrow = getattr(module, "narrow", None)
    if narrow is not None:
        return narrow(x, n)
    return module(x)


def narrowable(module: nn.Module) -> bool:
    """Whether `narrow_forward` handles `module` (partial channels are allowed through it)."""
    if isinstance(module, Dense):
        return module.in_features == module.out_features
    if isinstance(module, (nn.BatchNorm1d, nn.LayerNorm, FeaturePool)):
        return True
    if hasattr(module, "narrow"):
        return bool(getattr(module, "can_narrow", True))
    return is_per_feature(module)
