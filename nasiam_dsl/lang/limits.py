"""Limits on the text the parser accepts: its size, its bracket nesting, no NUL bytes."""

from __future__ import annotations

import re

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.errors import Diagnostic, DSLError

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
MAX_NESTING = 100  # deeper trees would exhaust Python's stack in the transformer


def _char_at(text: str, offset: int) -> ast.Pos:
    """The one-character span at `offset`, counting lines at '\n' as lark does."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return ast.Pos(line=line, column=column, end_line=line, end_column=column + 1)


_BRACKETS_SKIPPING_STRINGS = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[(){}]')


def _too_deep(text: str) -> int | None:
    """Offset of the first bracket nesting deeper than MAX_NESTING (strings, comments skipped).

    Checked before parsing: deep nesting would otherwise end in a RecursionError
    while the tree is turned into the AST.
    """
    depth = 0
    for match in _BRACKETS_SKIPPING_STRINGS.finditer(text):
        ch = match.group()
        if ch in "({":
            depth += 1
            if depth > MAX_NESTING:
                return match.start()
        elif ch in ")}":
            depth -= 1
    return None


def check_input(text: str, max_bytes: int | None) -> None:
    """Refuse text that is too big, nests too deep or holds a NUL byte, before parsing it."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if max_bytes is not None and size > max_bytes:
        raise DSLError(
            [
                Diagnostic(
                    f"file is {size:,} bytes, over the {max_bytes:,}-byte limit",
                    _char_at(text, 0),
                    hint="is this the right file? (the Python API takes parse(text, max_bytes=N))",
                    code="size",
                )
            ],
        )
    too_deep = _too_deep(text)
    if too_deep is not None:
        message = f"brackets nest more than {MAX_NESTING} deep"
        hint = "split the expression into several nodes"
        raise DSLError([Diagnostic(message, _char_at(text, too_deep), hint=hint, code="size")])
    nul = text.find("\x00")
    if nul >= 0:
        hint = "is this a binary file?"
        raise DSLError([Diagnostic("NUL byte in text", _char_at(text, nul), hint=hint)])


__all__ = ["DEFAULT_MAX_BYTES", "MAX_NESTING", "check_input"]
