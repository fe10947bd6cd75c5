"""A Pygments lexer for nasiam text, registered for `.nas` files (see pyproject)."""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text

from nasiam_dsl import registry


class NasiamLexer(RegexLexer):
    name = "nasiam"
    aliases: ClassVar[list[str]] = ["nasiam", "nas"]
    filenames: ClassVar[list[str]] = ["*.nas"]

    tokens: ClassVar[dict] = {
        "root": [
            (r"\s+", Text),
            (r"#.*$", Comment.Single),
            (
                words(
                    (
                        "space",
                        "genotype",
                        "for",
                        "meta",
                        "let",
                        "block",
                        "head",
                        "constraint",
                        "per",
                        "in",
                        "as",
                        "of",
                    ),
                    suffix=r"\b",
                ),
                Keyword,
            ),
            (
                words(
                    (
                        "choose",
                        "repeat",
                        "each",
                        "depth",
                        "pick",
                        "act",
                        "norm",
                        "width",
                        "sum",
                        "mean",
                        "concat",
                        "count",
                        "params",
                        "flops",
                    ),
                    suffix=r"\b",
                ),
                Keyword.Pseudo,
            ),
            (words(("true", "false", "backbone", "frozen"), suffix=r"\b"), Keyword.Constant),
            (words(tuple(registry.op_names()), suffix=r"\b"), Name.Builtin),
            (r'"([^"\\\n]|\\.)*"', String),
            (r"@\d[\d_]*(\.\d+)?([eE][-+]?\d+)?", Number.Float),
            (r"\d[\d_]*(\.\d+)?([eE][-+]?\d+)?[kKMG]?", Number),
            (r"[<>=]=?|\||\*", Operator),
            (r"[{}(),:]", Punctuation),
            (r"\w+", Name),
        ]
    }
