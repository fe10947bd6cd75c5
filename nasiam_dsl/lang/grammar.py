"""The grammar (`grammars/nasiam.lark`) and the comment lexer, each built once and cached."""

from __future__ import annotations

import functools

from lark import Lark


def _grammar_text() -> str:
    from nasiam_dsl.resources import shipped

    return shipped("grammars", "nasiam.lark").read_text("utf-8")


@functools.cache
def language_parser() -> Lark:
    """The LALR parser of the language; every tree node keeps its position."""
    return Lark(
        _grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
    )


def keywords() -> frozenset[str]:
    """Every word the grammar reserves somewhere (`space`, `head`, `choose`, `sum`, ...)."""
    return frozenset(
        t.pattern.value
        for t in language_parser().terminals
        if t.pattern.type == "str" and t.pattern.value.isalpha()
    )


def find_comments(text: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of every `#` comment, found with a lexer rather than a regex."""
    if "#" not in text:
        return []
    found: list[tuple[int, int, str]] = []
    for tok in _comment_lexer().lex(text):
        if tok.type == "COMMENT":
            found.append((tok.line, tok.column, str(tok).rstrip()))
    return found


@functools.cache
def _comment_lexer() -> Lark:
    """A lexer that yields comments: strings may contain '#', so a regex alone is wrong."""
    grammar = r"""
        start: (COMMENT | STRING | OTHER)*
        COMMENT: /#[^\r\n]*/
        STRING: /"([^"\\\n]|\\.)*"/
        OTHER: /[^#"\s]+|"/
        %import common.WS
        %ignore WS
    """
    return Lark(grammar, parser="lalr", lexer="basic")


__all__ = ["find_comments", "keywords", "language_parser"]
