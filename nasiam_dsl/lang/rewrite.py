"""Rewriting syntax trees for block expansion: positions marked with the use
site, and a block's parameters and inner names replaced by a use's arguments.
"""

from __future__ import annotations

from typing import Any

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.errors import Diagnostic, did_you_mean
from nasiam_dsl.lang.tree import rebuild

__all__ = ["Stop", "Substitution", "fail", "relocated", "renamed"]


class Stop(Exception):
    """Raised inside the expander to abandon a document at its first error."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def fail(message: str, pos: ast.Pos | None, hint: str | None = None) -> Stop:
    return Stop(Diagnostic(message, pos, hint=hint, code="block"))


def relocated(node: Any, via: ast.Pos | None, block: str) -> Any:
    """Positions of a block's definition, marked as expanded at the use site `via`."""

    def move(n: ast.Node) -> ast.Node:
        if n.pos is None or n.pos.via is not None:
            return n
        return n.model_copy(
            update={"pos": n.pos.model_copy(update={"via": via, "via_block": block})}
        )

    return rebuild(node, move)


def renamed(node: ast.NodeDef, alias: dict[str, str]) -> ast.NodeDef:
    def swap(n: ast.Node) -> ast.Node:
        if isinstance(n, ast.Ref) and n.name in alias:
            return n.model_copy(update={"name": alias[n.name]})
        return n

    return node.model_copy(update={"expr": rebuild(node.expr, swap)})


class Substitution:
    """A block's parameters and inner names replaced by a use's arguments and new names."""

    def __init__(
        self,
        block: ast.BlockDef,
        input_name: str,
        params: dict[str, ast.Argument],
        local: dict[str, str],
        via: ast.Pos | None,
    ) -> None:
        self.block = block
        self.refs = {**local, block.params[0]: input_name}
        self.params = params
        self.local = local
        self.via = via

    def node(self, node: ast.NodeDef) -> ast.NodeDef:
        expr = rebuild(node.expr, self.replace)
        return node.model_copy(
            update={"name": self.local[node.name], "expr": expr, "comments": ast.Comments()}
        )

    def replace(self, n: ast.Node) -> ast.Node:
        if isinstance(n, ast.Ref):
            if n.name not in self.refs:
                known = [*self.refs]
                raise fail(
                    f"block '{self.block.name}' has no node or input '{n.name}'",
                    n.pos,
                    did_you_mean(n.name, known)
                    or f"a block reads its input '{self.block.params[0]}' and its own nodes",
                )
            return n.model_copy(update={"name": self.refs[n.name]})
        if isinstance(n, ast.WidthName) and n.name in self.params:
            arg = self.params[n.name]
            return arg
        if isinstance(n, ast.SetRef) and n.name in self.params:
            arg = self.params[n.name]
            if not isinstance(arg, ast.WidthName):
                raise fail(
                    f"parameter '{n.name}' of block '{self.block.name}' is used as a set",
                    arg.pos,
                    "pass the name of a `let` set here",
                )
            return n.model_copy(update={"name": arg.name})
        return n
