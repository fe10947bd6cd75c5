"""Siamese SSL frameworks: one small class per method on a shared base, plus their losses.

Importing the package registers the built-in frameworks: simsiam, mocov2, mocov3, simclr,
byol, barlowtwins, vicreg.
"""

from nasiam_dsl.frameworks.barlowtwins import BarlowTwins
from nasiam_dsl.frameworks.base import (
    Encoded,
    Framework,
    FrameworkConfig,
    MomentumConfig,
    StepOutput,
    head_out_dim,
)
from nasiam_dsl.frameworks.byol import BYOL
from nasiam_dsl.frameworks.mocov2 import MoCoV2
from nasiam_dsl.frameworks.mocov3 import MoCoV3
from nasiam_dsl.frameworks.registry import (
    UnknownNameError,
    available_frameworks,
    build_framework,
    get_framework,
    register_framework,
)
from nasiam_dsl.frameworks.simclr import SimCLR
from nasiam_dsl.frameworks.simsiam import SimSiam
from nasiam_dsl.frameworks.vicreg import VICReg

__all__ = [
    "BYOL",
    "BarlowTwins",
    "Encoded",
    "Framework",
    "FrameworkConfig",
    "MoCoV2",
    "MoCoV3",
    "MomentumConfig",
    "SimCLR",
    "SimSiam",
    "StepOutput",
    "UnknownNameError",
    "VICReg",
    "available_frameworks",
    "build_framework",
    "get_framework",
    "head_out_dim",
    "register_framework",
]
