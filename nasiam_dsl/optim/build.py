"""Weight optimisers by name: a registry, not an if-chain.

`build_optimizer(name, groups, lr=..., ...)` takes a framework's parameter groups
(`Framework.param_groups(lr)`, optionally through `exclude_bias_norm`) and the options that
name understands; every group keeps its own lr and weight decay where it sets them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch

from nasiam_dsl.names import UnknownNameError, suggest
from nasiam_dsl.optim.lars import LARS

__all__ = ["OPTIMIZERS", "available_optimizers", "build_optimizer"]

Factory = Callable[..., torch.optim.Optimizer]


def _sgd(
    groups: list[dict[str, Any]], *, lr: float, momentum: float, weight_decay: float, **_: Any
) -> torch.optim.Optimizer:
    return torch.optim.SGD(groups, lr=lr, momentum=momentum, weight_decay=weight_decay)


def _adamw(
    groups: list[dict[str, Any]], *, lr: float, weight_decay: float, **_: Any
) -> torch.optim.Optimizer:
    return torch.optim.AdamW(groups, lr=lr, weight_decay=weight_decay)


def _lars(
    groups: list[dict[str, Any]],
    *,
    lr: float,
    momentum: float,
    weight_decay: float,
    eta: float = 0.001,
    exclude_bias_norm: bool = True,
    clip_lr: bool = False,
    **_: Any,
) -> torch.optim.Optimizer:
    return LARS(
        groups,
        lr=lr,
        momentum=momentum,
        weight_decay=weight_decay,
        eta=eta,
        exclude_bias_norm=exclude_bias_norm,
        clip_lr=clip_lr,
    )


OPTIMIZERS: dict[str, Factory] = {"sgd": _sgd, "adamw": _adamw, "lars": _lars}


def available_optimizers() -> list[str]:
    """Registered optimiser names, sorted."""
    return sorted(OPTIMIZERS)


def build_optimizer(
    name: str,
    groups: Iterable[dict[str, Any]],
    *,
    lr: float,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    **options: Any,
) -> torch.optim.Optimizer:
    """The optimiser `name` over `groups`; `options` are LARS's `eta`, `exclude_bias_norm`,
    `clip_lr` (ignored by the others).

    Raises:
        UnknownNameError: no such optimiser (with did-you-mean suggestions).
    """
    try:
        factory = OPTIMIZERS[name]
    except KeyError:
        raise UnknownNameError("optimizer", name, suggest(name, OPTIMIZERS)) from None
    return factory(list(groups), lr=lr, momentum=momentum, weight_decay=weight_decay, **options)
