"""Framework registry: names to `Framework` subclasses, plus `module:Class` plugins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from torch import nn

from nasiam_dsl.frameworks.base import Framework
from nasiam_dsl.names import (
    UnknownNameError,
    import_builtins,
    import_object,
    is_dotted_path,
    suggest,
)

__all__ = [
    "UnknownNameError",
    "available_frameworks",
    "build_framework",
    "get_framework",
    "register_framework",
]

_FRAMEWORKS: dict[str, type[Framework]] = {}


def register_framework(cls: type[Framework]) -> type[Framework]:
    """Class decorator: register `cls` under `cls.name` (the same class again is a no-op)."""
    if not (isinstance(cls, type) and issubclass(cls, Framework)):
        raise TypeError(f"{cls!r} is not a Framework subclass")
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__name__} needs a non-empty class attribute `name`")
    known = _FRAMEWORKS.get(name)
    if known is not None and known is not cls:
        raise ValueError(f"framework {name!r} is already registered by {known.__qualname__}")
    _FRAMEWORKS[name] = cls
    return cls


def available_frameworks() -> list[str]:
    """Registered framework names, sorted."""
    import_builtins("frameworks")  # each module registers its own
    return sorted(_FRAMEWORKS)


def get_framework(name: str) -> type[Framework]:
    """The framework class registered as `name`, or loaded from a `package.module:Class` path.

    Raises:
        UnknownNameError: no such name (with did-you-mean suggestions) or no such attribute.
        TypeError: the plugin is not a `Framework` subclass.
    """
    import_builtins("frameworks")  # each module registers its own
    if is_dotted_path(name):
        obj = import_object(name, kind="framework")
        if not (isinstance(obj, type) and issubclass(obj, Framework)):
            raise TypeError(f"plugin {name!r} is not a Framework subclass")
        return obj
    try:
        return _FRAMEWORKS[name]
    except KeyError:
        raise UnknownNameError("framework", name, suggest(name, _FRAMEWORKS)) from None


def build_framework(
    name: str,
    backbone: nn.Module,
    heads: Mapping[str, nn.Module],
    config: BaseModel | Mapping[str, Any] | None = None,
) -> Framework:
    """Look up `name` and instantiate it on `backbone` and `heads`."""
    return get_framework(name)(backbone, heads, config)
