"""Lark's syntax errors as friendly diagnostics: what was found, where, what was expected."""

from __future__ import annotations

import re

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.errors import Diagnostic
from nasiam_dsl.lang.tokens import token_pos

_TOKEN_NAMES = {
    "NAME": "a name",
    "INT": "an integer",
    "FLOAT": "a number",
    "STRING": "a string",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "EQUAL": "'='",
    "VBAR": "'|'",
    "COLON": "':'",
    "AT": "'@'",
    "$END": "end of file",
}


def _describe_expected(expected: set[str]) -> str:
    names = sorted({_TOKEN_NAMES.get(e, _keyword(e)) for e in expected})
    if len(names) > 6:
        names = [*names[:6], "..."]
    return ", ".join(names)


def _keyword(terminal: str) -> str:
    name = terminal.lstrip("_").lower()
    if name.startswith("__anon"):
        return "a symbol"
    return f"'{name}'"


def syntax_diagnostic(err: UnexpectedInput, text: str) -> Diagnostic:
    """The friendly message, position and hint for one error lark raised on `text`."""
    line, column = max(err.line, 1), max(err.column, 1)
    if isinstance(err, UnexpectedCharacters):
        char = text[err.pos_in_stream] if err.pos_in_stream < len(text) else "?"
        message = f"unexpected character {char!r}"
        hint = "names are letters, digits and '_'; '#' starts a comment"
        end = column + 1
        if char == '"':
            message = "unterminated string"
            hint = "a string ends with '\"' on the line it starts; write \\n for a newline"
        elif char.isdigit():
            word = re.match(r"[\w.]+", text[err.pos_in_stream :])
            shown = word.group() if word else char
            message, end = f"bad number {shown!r}", column + len(shown)
            hint = "numbers look like 2048, 2_048, 5k, 2M, 1G, 0.5 or 1e-3"
        pos = ast.Pos(line=line, column=column, end_line=line, end_column=end)
        return Diagnostic(message, pos, hint=hint)
    if isinstance(err, UnexpectedEOF) or (
        isinstance(err, UnexpectedToken) and err.token.type == "$END"
    ):
        # lines end at '\n' only, as lark counts them ('\r', '\f', U+2028 are not breaks)
        lines = text.split("\n")
        if len(lines) > 1 and lines[-1] == "":
            lines.pop()  # after a final newline, point at the end of the last line
        last = len(lines)
        col = len(lines[-1].rstrip("\r")) + 1
        expected = getattr(err, "expected", None) or getattr(err, "accepts", set())
        pos = ast.Pos(line=last, column=col, end_line=last, end_column=col + 1)
        if set(expected) == {"SPACE", "GENOTYPE"}:  # nothing but blanks and comments
            hint = "a file holds one `space NAME { ... }` or `genotype NAME { ... }`"
            return Diagnostic("empty file: no space or genotype in it", pos, hint=hint)
        hint = f"expected {_describe_expected(set(expected))}" if expected else None
        return Diagnostic("unexpected end of file (is a '}' missing?)", pos, hint=hint)
    assert isinstance(err, UnexpectedToken)
    tok = err.token
    expected = err.accepts or err.expected
    pos = token_pos(tok)
    return Diagnostic(
        f"unexpected {str(tok)!r}",
        pos,
        hint=f"expected {_describe_expected(set(expected))}" if expected else None,
    )


__all__ = ["syntax_diagnostic"]
