"""Width masks: where chosen widths sit among a supernet's features, and the modules that
apply them (FBNetV2-style soft masks).

A width choice builds one linear of the largest width; its features are multiplied by the
soft mask `sum_i w_i mask_i` (`mask_i` keeps the first `width_i` features). A `Layout` says
which features of a tensor carry which width decision: blocks side by side (a concat lays
its inputs' blocks next to each other; a block without a key is never masked), or, after
`concat(pick k of {...})`, the blocks of the inputs the current top-k picks (`PickedLayout`).
The layout travels with the features to later nodes, to op-choice candidates, through
combined inputs and to the heads that read the head, so that every stage that needs the
mask can rebuild it from the architecture weights:

* `WidthMask` multiplies by the soft mask, or by its 0/1 support;
* `SupportLayerNorm` takes its statistics over the support only, so that with a one-hot
  weight it is exactly a LayerNorm of the chosen width.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Union

import torch
from torch import Tensor, nn

from nasiam_dsl.compile.arch import ArchParameters

__all__ = ["Block", "Layout", "PickedLayout", "SupportLayerNorm", "WidthMask", "block_of"]


@dataclass(frozen=True)
class Block:
    """`max(widths)` features of a width decision `key`; never masked when `key` is None."""

    key: str | None
    widths: tuple[int, ...]

    @property
    def width(self) -> int:
        return max(self.widths)


@functools.lru_cache(maxsize=256)
def _prefix_masks(widths: tuple[int, ...], device: torch.device, dtype: torch.dtype) -> Tensor:
    """(len(widths), max(widths)): row i keeps the first widths[i] features."""
    full = torch.arange(max(widths), device=device)
    return (full < torch.tensor(widths, device=device)[:, None]).to(dtype)


@dataclass(frozen=True)
class Layout:
    """Blocks of features side by side; at least one block has a key."""

    blocks: tuple[Block, ...]

    @property
    def width(self) -> int:
        return sum(b.width for b in self.blocks)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b.key for b in self.blocks if b.key is not None))

    def soft(self, arch: ArchParameters, like: Tensor) -> Tensor:
        """The soft mask, one value per feature, in `like`'s dtype and device."""
        parts = []
        for b in self.blocks:
            if b.key is None:
                parts.append(like.new_ones(b.width))
            else:
                w = arch.weights(b.key).to(device=like.device, dtype=like.dtype)
                parts.append(w @ _prefix_masks(b.widths, like.device, like.dtype))
        return parts[0] if len(parts) == 1 else torch.cat(parts)

    def describe(self) -> str:
        return " + ".join(b.key or str(b.width) for b in self.blocks)


@dataclass(frozen=True)
class PickedLayout:
    """`concat(pick k of {...})`: the layouts of the current top-k inputs (as `MixedInputs`)."""

    key: str
    pick: int
    options: tuple[Layout, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k for o in self.options for k in o.keys))

    def soft(self, arch: ArchParameters, like: Tensor) -> Tensor:
        w = arch.weights(self.key)
        top = torch.topk(w.detach(), self.pick).indices.sort().values.tolist()
        return torch.cat([self.options[i].soft(arch, like) for i in top])

    def describe(self) -> str:
        return f"{self.key}: " + " | ".join(o.describe() for o in self.options)


AnyLayout = Union[Layout, PickedLayout]


def block_of(layout: AnyLayout | None, width: int) -> Layout:
    """`layout`, or one unmasked block of `width` features when there is none."""
    if isinstance(layout, Layout):
        return layout
    return Layout((Block(None, (width,)),))


class _UsesLayout(nn.Module):
    """Holds a layout and an `ArchParameters` it does not register (parameters stay weights)."""

    def _bind(self, arch: ArchParameters, layout: AnyLayout) -> None:
        object.__setattr__(self, "arch", arch)
        self.layout = layout

    arch: ArchParameters

    def soft(self, like: Tensor) -> Tensor:
        return self.layout.soft(self.arch, like)


class WidthMask(_UsesLayout):
    """`x * soft_mask`, or `x * support` (`hard`), for the features of a `layout`."""

    def __init__(self, arch: ArchParameters, layout: AnyLayout, hard: bool = False) -> None:
        super().__init__()
        self._bind(arch, layout)
        self.hard = hard

    def forward(self, x: Tensor) -> Tensor:
        mask = self.soft(x)
        if self.hard:
            mask = (mask != 0).to(x.dtype)
        return x * mask

    def extra_repr(self) -> str:
        return f"{self.layout.describe()}, {'support' if self.hard else 'soft'}"


class SupportLayerNorm(nn.LayerNorm):
    """A LayerNorm whose statistics cover the support of a width mask only.

    Same parameters (and state_dict) as `nn.LayerNorm`; with a one-hot weight it computes
    the LayerNorm of the chosen features, and with soft weights (full support) a plain one.
    """

    def __init__(self, norm: nn.LayerNorm, arch: ArchParameters, layout: AnyLayout) -> None:
        nn.Module.__init__(self)
        self.normalized_shape = norm.normalized_shape
        self.eps = norm.eps
        self.elementwise_affine = norm.elementwise_affine
        self.weight = norm.weight
        self.bias = norm.bias
        object.__setattr__(self, "arch", arch)
        self.layout = layout

    arch: ArchParameters

    def forward(self, x: Tensor) -> Tensor:
        support = (self.layout.soft(self.arch, x) != 0).to(x.dtype)
        count = support.sum()
        mean = (x * support).sum(-1, keepdim=True) / count
        centred = x - mean
        var = (centred.pow(2) * support).sum(-1, keepdim=True) / count
        y = centred * torch.rsqrt(var + self.eps)
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self) -> str:
        return super().extra_repr() + f", support of {self.layout.describe()}"
