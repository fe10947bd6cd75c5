"""Name resolution shared by the registries: did-you-mean errors and `module:Attr` plugins.

Every registry (frameworks, backbones, ...) raises the same `UnknownNameError`, so the CLI can
print one friendly message for all of them. Plugins are loaded only from an explicit
`"package.module:Attr"` string, never from arbitrary text.
"""

from __future__ import annotations

import ast
import difflib
import functools
import importlib
import pkgutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = [
    "UnknownNameError",
    "declared_classes",
    "declared_names",
    "import_builtins",
    "import_module",
    "import_object",
    "is_dotted_path",
    "load_plugins",
    "suggest",
]

PACKAGE = Path(__file__).resolve().parent


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
    obj: object = import_module(module_name)
    for part in attr_path.split("."):
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")]
            raise UnknownNameError(kind, path, [f"{module_name}:{s}" for s in suggest(part, names)])
        obj = getattr(obj, part)
    return obj


def import_module(name: str) -> Any:
    """The one place that imports a module by a name known only at run time: an explicit
    plugin (`module:Attr`, `NASIAM_PLUGINS`) or a module of this package."""
    return importlib.import_module(name)


@functools.cache
def import_builtins(package: str) -> None:
    """Import every module of `nasiam_dsl.<package>` once: the built-in entries of a registry
    register themselves, so adding one is adding its module."""
    module = import_module(f"nasiam_dsl.{package}")
    for found in pkgutil.iter_modules(module.__path__):
        import_module(f"nasiam_dsl.{package}.{found.name}")


def load_plugins(names: str) -> None:
    """Import the comma-separated modules `names` (`NASIAM_PLUGINS`): what they register is
    then known like the built-in names. Raises `ImportError` naming the module."""
    for name in (n.strip() for n in names.split(",")):
        if name:
            import_module(name)


@functools.cache
def declared_names(package: str, registrar: str) -> tuple[str, ...]:
    """The names the modules of `nasiam_dsl.<package>` register with `registrar`, read from
    their source without importing them (no torch): the registrations themselves are the one
    list of built-in names, and the command line checks a name against it before anything
    heavy loads. A registration reads `registrar("name", ...)` (a call or a decorator) or
    `@registrar` on a class whose attribute `name = "name"`."""
    found: set[str] = set()
    for path in sorted((PACKAGE / package).rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _calls(node.func, registrar):
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
            elif isinstance(node, ast.ClassDef) and any(
                _calls(d, registrar) for d in node.decorator_list
            ):
                found.update(_class_name(node))
    return tuple(sorted(found))


@functools.cache
def declared_classes(package: str, registrar: str) -> dict[str, dict[str, Any]]:
    """The literal class attributes (`name`, `head_slots`, ...) of the classes registered with
    `@registrar` in `nasiam_dsl.<package>`, by registered name, read from source like
    `declared_names` (attributes a class inherits are not seen)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((PACKAGE / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            decorators = [d.func if isinstance(d, ast.Call) else d for d in node.decorator_list]
            if not any(_calls(d, registrar) for d in decorators):
                continue
            attributes = {}
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    target = stmt.targets[0]
                    if isinstance(target, ast.Name):
                        try:
                            attributes[target.id] = ast.literal_eval(stmt.value)
                        except ValueError:
                            continue
            if isinstance(attributes.get("name"), str):
                found[attributes["name"]] = attributes
    return found


def _calls(func: ast.expr, registrar: str) -> bool:
    return (isinstance(func, ast.Name) and func.id == registrar) or (
        isinstance(func, ast.Attribute) and func.attr == registrar
    )


def _class_name(node: ast.ClassDef) -> list[str]:
    for stmt in node.body:
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "name" for t in stmt.targets)
            and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str)
        ):
            return [stmt.value.value]
    return []
