"""Text → AST: the public `parse` functions over the grammar, the transformer and the limits.

The grammar is `grammars/nasiam.lark`, loaded once (`grammar.py`); the tree becomes the AST
in `transformer.py`; lark's errors become friendly diagnostics in `syntax_errors.py`.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lark.exceptions import UnexpectedInput, VisitError

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.comments import attach_comments
from nasiam_dsl.lang.errors import DSLError
from nasiam_dsl.lang.expand import with_expansion
from nasiam_dsl.lang.grammar import find_comments, keywords, language_parser
from nasiam_dsl.lang.limits import DEFAULT_MAX_BYTES, MAX_NESTING, check_input
from nasiam_dsl.lang.source import read_source, read_text_strictly
from nasiam_dsl.lang.syntax_errors import syntax_diagnostic
from nasiam_dsl.lang.tokens import MAX_DIGITS, TokenValueError, parse_int
from nasiam_dsl.lang.transformer import AstBuilder


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building trees.

    Parsing allocates many small objects and no cycles worth collecting; with the collector
    running, its passes over the growing heap made large files superlinear (972 vs
    350 µs/node at 5,000 nodes, benchmarks/parse_scaling.py).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse(
    text: str, filename: str = "<text>", *, max_bytes: int | None = DEFAULT_MAX_BYTES
) -> ast.Document:
    """Parse nasiam text into a `Document`; raise `DSLError` with file:line:col on failure.

    Syntax only: semantic checks live in `nasiam_dsl.lang.check`.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        check_input(text, max_bytes)
    except DSLError as err:
        raise DSLError(err.diagnostics, text, filename) from None
    try:
        with _no_cyclic_gc():
            tree = language_parser().parse(text, on_error=None)
            doc = AstBuilder().transform(tree)
    except UnexpectedInput as err:
        raise DSLError([syntax_diagnostic(err, text)], text, filename) from None
    except VisitError as err:
        if isinstance(err.orig_exc, TokenValueError):
            raise DSLError([err.orig_exc.diagnostic], text, filename) from None
        raise
    comments = find_comments(text)
    doc = attach_comments(doc, comments) if comments else doc
    return with_expansion(doc)


def parse_file(path: str | Path, **kwargs: Any) -> ast.Document:
    """Read and parse a file; unreadable or non-UTF-8 files raise `DSLError` too."""
    path = Path(path)
    return parse(read_text_strictly(path), str(path), **kwargs)


def declared_framework(path: str | Path) -> str | None:
    """The framework a space or genotype file names (`space NAME for FRAMEWORK`); None when
    it names none, or is not a file that parses (whoever reads it next says why)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        return parse_file(path).framework
    except DSLError:
        return None


__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_DIGITS",
    "MAX_NESTING",
    "declared_framework",
    "keywords",
    "parse",
    "parse_file",
    "parse_int",
    "read_source",
]
