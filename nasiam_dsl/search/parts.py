"""One registry shape for the engine's parts (samplers, regularisers, early stoppers)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class PartRegistry(Generic[T]):
    """Named factories of one kind of part; `build(name, **options)` makes one."""

    def __init__(self, kind: str, factories: Mapping[str, Callable[..., T]]) -> None:
        self.kind = kind
        self._factories: dict[str, Callable[..., T]] = dict(factories)

    def register(self, name: str, factory: Callable[..., T]) -> None:
        """Add a part under `name`; refuses to overwrite an existing name."""
        if name in self._factories:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._factories[name] = factory

    def unregister(self, name: str) -> None:
        """Remove a part (one a test or a plugin registered); unknown names are ignored."""
        self._factories.pop(name, None)

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._factories)

    def factory(self, name: str) -> Callable[..., T]:
        """What is registered as `name`."""
        try:
            return self._factories[name]
        except KeyError:
            raise ValueError(
                f"unknown {self.kind} {name!r}; available: {', '.join(self.names())}"
            ) from None

    def build(self, name: str, **options: Any) -> T:
        """The part registered as `name`, built with `options`."""
        return self.factory(name)(**options)
