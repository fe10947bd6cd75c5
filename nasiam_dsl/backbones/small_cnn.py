"""A small, fast CNN for CPU runs on 28x28 / 32x32 images (MNIST-like data, smoke tests)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
from torch import Tensor, nn

from nasiam_dsl.backbones.norm import SplitBatchNorm2d
from nasiam_dsl.backbones.registry import register_backbone

__all__ = ["SmallCNN"]


class SmallCNN(nn.Module):
    """Four `Conv3x3-BN-ReLU` blocks (widths w, 2w, 4w, 4w; the last three stride 2), then
    global average pooling: (N, C, H, W) -> (N, 4w). About 0.2 M parameters at w = 32.

    Written with torch alone: `nasiam export` copies this class's source (with the imports
    `SOURCE_IMPORTS` names) as the exported backbone, a plain module one can fine-tune.
    `norm` builds each BatchNorm (nasiam passes its split BatchNorm for shuffle-BN on one
    device; its weights and buffers are a BatchNorm2d's).
    """

    SOURCE_IMPORTS = (
        "from collections.abc import Callable",
        "import torch",
        "from torch import Tensor, nn",
    )

    def __init__(
        self,
        in_channels: int = 3,
        width: int = 32,
        norm: Callable[[int], nn.Module] = nn.BatchNorm2d,
    ) -> None:
        super().__init__()
        widths = (width, 2 * width, 4 * width, 4 * width)
        strides = (1, 2, 2, 2)
        layers: list[nn.Module] = []
        c_in = in_channels
        for c_out, stride in zip(widths, strides, strict=True):
            layers += [
                nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False),
                norm(c_out),
                nn.ReLU(inplace=True),
            ]
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.in_channels = in_channels
        self.feature_dim = widths[-1]
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: Tensor) -> Tensor:
        return torch.flatten(self.pool(self.features(x)), 1)


@register_backbone("small_cnn")
def build_small_cnn(in_channels: int = 3, width: int = 32, bn_splits: int = 1) -> SmallCNN:
    """`SmallCNN`; feature_dim = 4 * width (128 by default)."""
    norm = partial(SplitBatchNorm2d, num_splits=bn_splits) if bn_splits > 1 else nn.BatchNorm2d
    return SmallCNN(in_channels=in_channels, width=width, norm=norm)
