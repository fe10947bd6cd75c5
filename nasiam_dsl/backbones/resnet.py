"""torchvision ResNets as feature extractors (fc = Identity), with a CIFAR or ImageNet stem.

CIFAR stem: `conv1 = Conv2d(C, 64, 3, stride 1, padding 1)` and no max-pool, the usual 32x32
variant (MoCo CIFAR demo, lightly, NASiam's `convert_cifar`); ImageNet stem: torchvision's
7x7 stride-2 conv + max-pool (`conv1` rebuilt only when `in_channels != 3`). The stem is
chosen by name for every depth, unlike the seed, which gave only ResNet-18 the CIFAR stem.
Weights are randomly initialised; no pretrained download.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from torch import nn
from torchvision import models

from nasiam_dsl.backbones.norm import SplitBatchNorm2d
from nasiam_dsl.backbones.registry import register_backbone

__all__ = ["build_resnet"]

_ARCHS: dict[str, Callable[..., models.ResNet]] = {
    "resnet18": models.resnet18,
    "resnet34": models.resnet34,
    "resnet50": models.resnet50,
}


def _stem_conv(in_channels: int, kernel_size: int, stride: int, padding: int) -> nn.Conv2d:
    conv = nn.Conv2d(in_channels, 64, kernel_size, stride, padding, bias=False)
    nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
    return conv


def build_resnet(
    arch: str,
    *,
    cifar_stem: bool,
    in_channels: int = 3,
    zero_init_residual: bool = False,
    bn_splits: int = 1,
) -> models.ResNet:
    """A torchvision ResNet returning (N, feature_dim) pooled features.

    Args:
        arch: "resnet18", "resnet34" or "resnet50" (feature_dim 512, 512, 2048).
        cifar_stem: 3x3 stride-1 conv1 and no max-pool (for 32x32 inputs).
        in_channels: image channels (1 for grayscale).
        zero_init_residual: zero the last BN of each block (SimSiam's ImageNet setting).
        bn_splits: > 1 uses `SplitBatchNorm2d` (single-device shuffle-BN for MoCo).
    """
    if arch not in _ARCHS:
        raise ValueError(f"unknown ResNet {arch!r}; choose from {sorted(_ARCHS)}")
    norm_layer = partial(SplitBatchNorm2d, num_splits=bn_splits) if bn_splits > 1 else None
    model = _ARCHS[arch](weights=None, zero_init_residual=zero_init_residual, norm_layer=norm_layer)
    if cifar_stem:
        model.conv1 = _stem_conv(in_channels, 3, 1, 1)
        model.maxpool = nn.Identity()
    elif in_channels != 3:
        model.conv1 = _stem_conv(in_channels, 7, 2, 3)
    feature_dim = model.fc.in_features
    model.fc = nn.Identity()
    model.feature_dim = feature_dim
    return model


def _builder(arch: str, cifar_stem: bool) -> Callable[..., models.ResNet]:
    def builder(
        in_channels: int = 3, zero_init_residual: bool = False, bn_splits: int = 1
    ) -> models.ResNet:
        return build_resnet(
            arch,
            cifar_stem=cifar_stem,
            in_channels=in_channels,
            zero_init_residual=zero_init_residual,
            bn_splits=bn_splits,
        )

    stem = "cifar" if cifar_stem else "imagenet"
    builder.__name__ = f"build_{stem}_{arch}"
    builder.__doc__ = f"{arch} with the {'CIFAR' if cifar_stem else 'ImageNet'} stem."
    return builder


register_backbone("cifar_resnet18")(_builder("resnet18", cifar_stem=True))
register_backbone("cifar_resnet34")(_builder("resnet34", cifar_stem=True))
register_backbone("cifar_resnet50")(_builder("resnet50", cifar_stem=True))
register_backbone("resnet18")(_builder("resnet18", cifar_stem=False))
register_backbone("resnet34")(_builder("resnet34", cifar_stem=False))
register_backbone("resnet50")(_builder("resnet50", cifar_stem=False))
