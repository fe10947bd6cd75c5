"""The nasiam language: parse text, check it, print it back canonically.

>>> from nasiam_dsl.lang import parse, print_document
>>> doc = parse("space s for simsiam { head projector(x: 512) { z = linear(x, 128) | relu } }")
>>> print(print_document(doc), end="")
space s for simsiam {
  head projector(x: 512) {
    z = linear(x, 128) | relu
  }
}
"""

from __future__ import annotations

from pathlib import Path

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.check import CheckResult, check, check_or_raise
from nasiam_dsl.lang.errors import Diagnostic, DSLError
from nasiam_dsl.lang.parser import parse, parse_file, read_source
from nasiam_dsl.lang.printer import print_document


def format_text(text: str, filename: str = "<text>") -> str:
    """Canonical text of `text` (comments kept); raises `DSLError` on bad syntax."""
    return print_document(parse(text, filename))


def load(path: str | Path, *, backbone_dim: int | None = None) -> tuple[ast.Document, CheckResult]:
    """Parse and check a file; raise one `DSLError` with every error it has."""
    path = Path(path)
    doc = parse_file(path)
    text = read_source(path)
    result = check_or_raise(doc, text, str(path), backbone_dim=backbone_dim)
    return doc, result


def loads(
    text: str, filename: str = "<text>", *, backbone_dim: int | None = None
) -> tuple[ast.Document, CheckResult]:
    """Parse and check text; raise one `DSLError` with every error it has."""
    doc = parse(text, filename)
    result = check_or_raise(doc, text, filename, backbone_dim=backbone_dim)
    return doc, result


__all__ = [
    "CheckResult",
    "DSLError",
    "Diagnostic",
    "ast",
    "check",
    "check_or_raise",
    "format_text",
    "load",
    "loads",
    "parse",
    "parse_file",
    "print_document",
]
