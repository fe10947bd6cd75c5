"""Module keys for user names: a head or node may be called anything, even `train` or `to`.

torch refuses a submodule or parameter whose name is an attribute of its container
(`ModuleDict(train=...)`, `add_module("keys", ...)`), contains "." or is empty, and a name
such as `training` would break `module.train()` even if it got in. So user names become
module keys through one injective rule: a name is its own key (state_dict keys stay
`heads.projector.nodes.h2...`) unless it clashes with an attribute of its container, contains
"." or "%", is empty, or starts with the escape mark "~"; then the key is "~" plus the name
with "%", "." and "~" percent-encoded (`nodes.~train`, `arch.~keys.h1.op`). DSL names are
identifiers (`\\w+`), so "~" never starts one and escaped keys cannot collide with plain ones.

Unicode identifiers (`größe`, `層`) are valid keys as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from torch import nn

__all__ = ["ESCAPE", "NameDict", "module_key", "user_name"]

ESCAPE = "~"


def _reserved(container: nn.Module, name: str) -> bool:
    """Attribute of the container's class or instance (its registered children excluded)."""
    return hasattr(type(container), name) or name in container.__dict__


def _encode(name: str) -> str:
    return name.replace("%", "%25").replace(".", "%2E").replace(ESCAPE, "%7E")


def module_key(container: nn.Module, name: str, *, force: bool = False) -> str:
    """The key under which `name` is registered in `container` (see module docs).

    `force` gives a third form, `~name~`, for a name that must not meet a sibling of the same
    name (a decision that is also the scope of other decisions); escaped bodies never hold
    "~", so plain, escaped and forced keys never collide.
    """
    if force:
        return ESCAPE + _encode(name) + ESCAPE
    if (
        name
        and "." not in name
        and "%" not in name
        and not name.startswith(ESCAPE)
        and not _reserved(container, name)
    ):
        return name
    return ESCAPE + _encode(name)


def user_name(key: str) -> str:
    """The user name a key was made from (inverse of `module_key`)."""
    if not key.startswith(ESCAPE):
        return key
    body = key[len(ESCAPE) :]
    if body.endswith(ESCAPE):
        body = body[: -len(ESCAPE)]
    return body.replace("%7E", ESCAPE).replace("%2E", ".").replace("%25", "%")


class NameDict(nn.ModuleDict):
    """A `ModuleDict` indexed by user names, registered under `module_key`s.

    Reads like a dict of user names (`nodes["train"]`, `items()`, `in`); `state_dict` and
    `named_modules` show the keys.
    """

    def __init__(self, modules: Mapping[str, nn.Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            for name, module in modules.items():
                self[name] = module

    def _key(self, name: str) -> str:
        return module_key(self, name)

    def __getitem__(self, name: str) -> nn.Module:
        return self._modules[self._key(name)]  # type: ignore[return-value]

    def __setitem__(self, name: str, module: nn.Module) -> None:
        self.add_module(self._key(name), module)

    def __delitem__(self, name: str) -> None:
        del self._modules[self._key(name)]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._key(name) in self._modules

    def __iter__(self) -> Iterator[str]:
        return (user_name(k) for k in self._modules)

    def keys(self) -> list[str]:  # type: ignore[override]
        return [user_name(k) for k in self._modules]

    def items(self) -> list[tuple[str, nn.Module]]:  # type: ignore[override]
        return [(user_name(k), m) for k, m in self._modules.items()]  # type: ignore[misc]

    def values(self) -> list[nn.Module]:  # type: ignore[override]
        return list(self._modules.values())  # type: ignore[arg-type]

    def pop(self, name: str) -> nn.Module:
        return self._modules.pop(self._key(name))  # type: ignore[return-value]

    def update(self, modules: Mapping[str, nn.Module] | Iterable[tuple[str, nn.Module]]) -> None:
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for name, module in pairs:
            self[name] = module
