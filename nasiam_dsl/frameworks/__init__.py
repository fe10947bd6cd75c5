"""Siamese SSL frameworks: one module per method (its class, loss, augmentation and recipes)
on a shared base.

The registry finds the built-in frameworks by importing every module of this package on
first use (`registry.py`): adding a framework is adding its module (docs/architecture.md,
"How to add a framework").
"""

from nasiam_dsl.frameworks.base import (
    DEFAULT_AUGMENTATION,
    Encoded,
    Framework,
    FrameworkConfig,
    MomentumConfig,
    StepOutput,
    head_out_dim,
    normalized_std,
)
from nasiam_dsl.frameworks.recipes import available_recipes, get_recipe
from nasiam_dsl.frameworks.registry import (
    UnknownNameError,
    available_frameworks,
    build_framework,
    get_framework,
    register_framework,
)

__all__ = [
    "DEFAULT_AUGMENTATION",
    "Encoded",
    "Framework",
    "FrameworkConfig",
    "MomentumConfig",
    "StepOutput",
    "UnknownNameError",
    "available_frameworks",
    "available_recipes",
    "build_framework",
    "get_framework",
    "get_recipe",
    "head_out_dim",
    "normalized_std",
    "register_framework",
]
