"""A token's position and value: numbers with suffixes, strings with escapes.

A token the grammar accepts may still be unusable (a number too long or too large); that
raises `TokenValueError`, which the parser reports as a syntax error at the token.
"""

from __future__ import annotations

import math

from lark import Token

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.errors import Diagnostic

MAX_DIGITS = 1000  # far past any width or bound; keeps str(int) under Python's 4,300 digits

_SCALES = {"k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9}
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


class TokenValueError(Exception):
    """A token that parses but has no usable value; carries its diagnostic."""

    def __init__(self, message: str, pos: ast.Pos | None, hint: str | None = None):
        super().__init__(message)
        self.diagnostic = Diagnostic(message, pos, hint=hint)


def token_pos(tok: Token) -> ast.Pos:
    """Where a token stands (lark leaves some fields unset on synthetic tokens)."""
    return ast.Pos(
        line=tok.line or 1,
        column=tok.column or 1,
        end_line=tok.end_line or tok.line or 1,
        end_column=tok.end_column or (tok.column or 1) + len(tok),
    )


def parse_int(text: str) -> int:
    """`2048`, `2_048`, `5k`, `2M`, `1G` → int."""
    scale = _SCALES.get(text[-1], 1)
    digits = text[:-1] if scale != 1 else text
    return int(digits.replace("_", "")) * scale


def int_value(tok: Token) -> int:
    """An INT token's value; an absurdly long one is an error, not a crash in int()/str()."""
    digits = sum(c.isdigit() for c in tok)
    if digits > MAX_DIGITS:
        raise TokenValueError(
            f"number too long ({digits:,} digits)",
            token_pos(tok),
            hint=f"numbers have at most {MAX_DIGITS:,} digits",
        )
    return parse_int(tok)


def number_value(tok: Token) -> int | float:
    """An INT or FLOAT token's value; a float that overflows to inf is an error."""
    if tok.type == "INT":
        return int_value(tok)
    value = float(tok.replace("_", ""))
    if not math.isfinite(value):  # 1e999: inf would print as `inf`, which does not parse
        raise TokenValueError(
            f"number too large: {shortened(tok)}",
            token_pos(tok),
            hint="floating-point numbers stay below 1.8e308",
        )
    return value


def prob_value(tok: Token) -> float:
    """A probability token's value as a float; an integer past 1.8e308 is an error."""
    value = number_value(tok)
    try:
        return float(value)
    except OverflowError:
        raise TokenValueError(
            f"probability too large: {shortened(tok)}",
            token_pos(tok),
            hint="a probability is between 0 and 1",
        ) from None


def shortened(tok: Token) -> str:
    """A token's text, cut to fit in a message."""
    return str(tok) if len(tok) <= 24 else f"{tok[:20]}..."


def unquote(text: str) -> str:
    """A STRING token's text without its quotes, escapes resolved."""
    body = text[1:-1]
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


__all__ = [
    "MAX_DIGITS",
    "TokenValueError",
    "int_value",
    "number_value",
    "parse_int",
    "prob_value",
    "shortened",
    "token_pos",
    "unquote",
]
