"""The one generic walk over a syntax tree: every node below a node, the nodes of some
types, a bottom-up rebuild, and a copy without probabilities.

Consumers that look for nodes of a kind (`find_all(doc, ast.Combine)`) or rewrite them
(`rebuild(doc, fn)`) use these instead of their own recursion over the models' fields.
Choices, in the order their keys follow, have their own walk (`lang/walk.py`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any, TypeVar

from nasiam_dsl.lang import ast

__all__ = ["descendants", "find_all", "rebuild", "strip_probs"]

N = TypeVar("N", bound=ast.Node)


@functools.cache
def _fields(cls: type[ast.Node]) -> tuple[str, ...]:
    """The fields of a syntax node that hold its meaning (not its position or comments)."""
    return tuple(name for name in cls.model_fields if name not in ("pos", "comments"))


def rebuild(node: Any, fn: Any) -> Any:
    """`node` with `fn` applied bottom-up to every syntax node below and at it."""
    if isinstance(node, tuple):
        items = tuple(rebuild(n, fn) for n in node)
        return node if all(a is b for a, b in zip(items, node, strict=True)) else items
    if not isinstance(node, ast.Node):
        return node
    update = {}
    for name in _fields(type(node)):
        value = getattr(node, name)
        new = rebuild(value, fn)
        if new is not value:
            update[name] = new
    node = node.model_copy(update=update) if update else node
    return fn(node)


def descendants(node: Any) -> Iterator[ast.Node]:
    """`node` (a syntax node or a tuple of them) and every syntax node below it, pre-order."""
    if isinstance(node, tuple):
        for n in node:
            yield from descendants(n)
    elif isinstance(node, ast.Node):
        yield node
        for name in _fields(type(node)):
            yield from descendants(getattr(node, name))


def find_all(node: Any, *types: type[N]) -> Iterator[N]:
    """The syntax nodes of `types` at and below `node`, pre-order."""
    for found in descendants(node):
        if isinstance(found, types):
            yield found


def strip_probs(node: N) -> N:
    """A copy of `node` with every `@prob` annotation removed."""

    def bare(n: ast.Node) -> ast.Node:
        return n.model_copy(update={"prob": None}) if getattr(n, "prob", None) is not None else n

    return rebuild(node, bare)
