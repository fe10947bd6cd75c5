"""Backbone registry: names to builder functions, plus `module:Class` plugins.

Every backbone maps (N, C, H, W) images to flattened (N, feature_dim) features and carries an
int attribute `feature_dim`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from nasiam_dsl.names import (
    UnknownNameError,
    import_builtins,
    import_object,
    is_dotted_path,
    suggest,
)

__all__ = [
    "FlattenFeatures",
    "available_backbones",
    "build_backbone",
    "register_backbone",
]

BackboneBuilder = Callable[..., nn.Module]
_BACKBONES: dict[str, BackboneBuilder] = {}


def register_backbone(name: str) -> Callable[[BackboneBuilder], BackboneBuilder]:
    """Decorator: register a builder `(**kwargs) -> nn.Module` under `name`."""

    def decorate(builder: BackboneBuilder) -> BackboneBuilder:
        known = _BACKBONES.get(name)
        if known is not None and known is not builder:
            raise ValueError(f"backbone {name!r} is already registered")
        _BACKBONES[name] = builder
        return builder

    return decorate


def available_backbones() -> list[str]:
    """Registered backbone names, sorted."""
    import_builtins("backbones")  # each module registers its own builders
    return sorted(_BACKBONES)


class FlattenFeatures(nn.Module):
    """Wrap a module whose output is not (N, D): flatten it and expose `feature_dim`."""

    def __init__(self, module: nn.Module, feature_dim: int) -> None:
        super().__init__()
        self.module = module
        self.feature_dim = feature_dim

    def forward(self, x: Tensor) -> Tensor:
        return torch.flatten(self.module(x), 1)


@torch.no_grad()
def _probe(module: nn.Module, in_channels: int, size: int) -> tuple[int, int]:
    """(output ndim, flattened width) of `module` on a dummy batch, in eval mode."""
    ref = next(iter(module.parameters()), None)
    device = ref.device if ref is not None else torch.device("cpu")
    was_training = module.training
    module.eval()
    try:
        out = module(torch.zeros(2, in_channels, size, size, device=device))
    finally:
        module.train(was_training)
    return out.dim(), int(torch.flatten(out, 1).shape[1])


def _from_plugin(path: str, kwargs: dict[str, Any]) -> nn.Module:
    probe_size = int(kwargs.pop("probe_size", 32))
    obj = import_object(path, kind="backbone")
    if not callable(obj):
        raise TypeError(f"backbone plugin {path!r} is not callable")
    module = obj(**kwargs)
    if not isinstance(module, nn.Module):
        raise TypeError(f"backbone plugin {path!r} returned {type(module).__name__}, not a Module")
    feature_dim = getattr(module, "feature_dim", None)
    if isinstance(feature_dim, int) and not isinstance(feature_dim, bool):
        return module
    in_channels = int(kwargs.get("in_channels", getattr(module, "in_channels", 3)))
    ndim, width = _probe(module, in_channels, probe_size)
    if ndim == 2:
        module.feature_dim = width
        return module
    return FlattenFeatures(module, width)


def build_backbone(name: str, **kwargs: Any) -> nn.Module:
    """Build backbone `name` (a registered name or `package.module:Class`) with `kwargs`.

    Plugins are called with `kwargs`; their `feature_dim` is read from the module, or found
    by a dummy forward on `probe_size` (default 32) square inputs with `in_channels`
    channels; non-flat outputs are wrapped in `FlattenFeatures`.

    Raises:
        UnknownNameError: unknown name, with did-you-mean suggestions.
    """
    if is_dotted_path(name):
        return _from_plugin(name, dict(kwargs))
    import_builtins("backbones")  # each module registers its own builders
    try:
        builder = _BACKBONES[name]
    except KeyError:
        raise UnknownNameError("backbone", name, suggest(name, _BACKBONES)) from None
    return builder(**kwargs)
