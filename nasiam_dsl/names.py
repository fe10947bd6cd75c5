"""Name resolution shared by the registries: did-you-mean errors and `module:Attr` plugins.

Every registry (frameworks, backbones, ...) raises the same `UnknownNameError`, so the CLI can
print one friendly message for all of them. Plugins are loaded only from an explicit
`"package.module:Attr"` string, never from arbitrary text.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable

__all__ = ["UnknownNameError", "import_object", "is_dotted_path", "suggest"]


def suggest(name: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Return up to `n` candidates close to `name` (case-insensitive), best first."""
    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=cutoff)
    return [lowered[h] for h in hits]


class UnknownNameError(LookupError):
    """A name that no registry knows, with did-you-mean suggestions.

    Attributes:
        kind: what was looked up ("framework", "backbone", ...).
        name: the name as the user wrote it.
        suggestions: close registered names, best first (possibly empty).
    """

    def __init__(self, kind: str, name: str, suggestions: Iterable[str] = ()) -> None:
        self.kind = kind
        self.name = name
        self.suggestions = list(suggestions)
        message = f"unknown {kind} {name!r}"
        if self.suggestions:
            message += "; did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?"
        super().__init__(message)

    def __str__(self) -> str:  # LookupError would otherwise quote the message like a key
        return self.args[0]


def is_dotted_path(name: str) -> bool:
    """True for a plugin reference of the form `package.module:Attr`."""
    module, sep, attr = name.partition(":")
    return bool(sep and module and attr)


def import_object(path: str, kind: str = "object") -> object:
    """Import `Attr` from `package.module:Attr` (attributes may be dotted: `mod:Outer.Inner`).

    Raises:
        ValueError: `path` is not of the form `module:Attr`.
        UnknownNameError: the module imports but has no such attribute.
        ModuleNotFoundError: the module itself cannot be imported.
    """
    if not is_dotted_path(path):
        raise ValueError(f"expected a plugin path 'package.module:Attr', got {path!r}")
    module_name, _, attr_path = path.partition(":")
    obj: object = importlib.import_module(module_name)
    for part in attr_path.split("."):
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")]
            raise UnknownNameError(kind, path, [f"{module_name}:{s}" for s in suggest(part, names)])
        obj = getattr(obj, part)
    return obj
