"""The recipes of the registered frameworks, by framework and scale, and the recipe layer
of a run's config.

Each framework declares its recipes with its class (`Framework.recipes`, `optim.Recipe`
records); `get_recipe` finds one, and `apply_recipe` is the recipe layer of a run's config
(defaults < recipe < TOML < flags): it fills what a config mapping leaves unset.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nasiam_dsl.frameworks.registry import available_frameworks, get_framework
from nasiam_dsl.names import UnknownNameError, suggest
from nasiam_dsl.optim.recipes import Recipe

__all__ = ["apply_recipe", "available_recipes", "get_recipe", "recipes"]


def recipes() -> dict[tuple[str, str], Recipe]:
    """`(framework, scale)` -> recipe, of every registered framework (each declares its own)."""
    return {
        (name, r.scale): r for name in available_frameworks() for r in get_framework(name).recipes
    }


def available_recipes() -> list[tuple[str, str]]:
    """`(framework, scale)` pairs with a recipe, sorted."""
    return sorted(recipes())


def get_recipe(framework: str, scale: str = "cifar") -> Recipe:
    """The recipe of `framework` at `scale` ("cifar" or "imagenet"), as the framework
    declares it (`Framework.recipes`).

    Raises:
        UnknownNameError: an unknown framework or scale, with did-you-mean suggestions.
    """
    known = recipes()
    frameworks = sorted({f for f, _ in known})
    if framework not in frameworks:
        raise UnknownNameError("recipe framework", framework, suggest(framework, frameworks))
    scales = sorted({s for f, s in known if f == framework})
    if scale not in scales:
        raise UnknownNameError(f"scale for {framework}", scale, suggest(scale, scales))
    return known[(framework, scale)]


def _fill(data: Mapping[str, Any], filler: Mapping[str, Any]) -> dict[str, Any]:
    """`data` with every key of `filler` it lacks; mappings on both sides are filled key by key."""
    out = dict(data)
    for key, value in filler.items():
        if key not in out:
            out[key] = value
        elif isinstance(value, Mapping) and isinstance(out[key], Mapping):
            out[key] = _fill(out[key], value)
    return out


def apply_recipe(data: Mapping[str, Any], framework: str) -> dict[str, Any]:
    """A run-config mapping with the recipe `data["recipe"]` of `framework` filled in wherever
    `data` sets nothing: the keys `data` holds (from a TOML file, flags or the API) win, and a
    section (`optim`, `framework_options`) is filled key by key.

    Raises:
        ValueError: no recipe for that framework or scale (a did-you-mean message).
    """
    try:
        recipe = get_recipe(framework, data["recipe"])
    except UnknownNameError as e:
        raise ValueError(f"--recipe {data['recipe']}: {e}") from None
    return _fill(data, recipe.config_values())
