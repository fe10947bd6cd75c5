"""Backbones: image -> (N, feature_dim) features, by registry name or `module:Class` plugin.

Registered: cifar_resnet18/34/50 (3x3 stride-1 stem, no max-pool), resnet18/34/50 (ImageNet
stem), small_cnn (fast CPU CNN). Every backbone has an int attribute `feature_dim`.
"""

from nasiam_dsl.backbones.norm import SplitBatchNorm2d
from nasiam_dsl.backbones.registry import (
    FlattenFeatures,
    available_backbones,
    build_backbone,
    register_backbone,
)
from nasiam_dsl.backbones.resnet import build_resnet
from nasiam_dsl.backbones.small_cnn import SmallCNN
from nasiam_dsl.names import UnknownNameError

__all__ = [
    "FlattenFeatures",
    "SmallCNN",
    "SplitBatchNorm2d",
    "UnknownNameError",
    "available_backbones",
    "build_backbone",
    "build_resnet",
    "register_backbone",
]
