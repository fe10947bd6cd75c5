"""Weight optimisers: LARS, bias/norm parameter groups, an optimiser registry, published
recipes as data (each framework declares its own), and the run's numeric precision."""

from nasiam_dsl.optim.build import available_optimizers, build_optimizer
from nasiam_dsl.optim.groups import exclude_bias_norm
from nasiam_dsl.optim.lars import LARS, is_bias_or_norm
from nasiam_dsl.optim.precision import autocast, grad_scaler, resolve_precision
from nasiam_dsl.optim.recipes import Recipe

__all__ = [
    "LARS",
    "Recipe",
    "autocast",
    "available_optimizers",
    "build_optimizer",
    "exclude_bias_norm",
    "grad_scaler",
    "is_bias_or_norm",
    "resolve_precision",
]
