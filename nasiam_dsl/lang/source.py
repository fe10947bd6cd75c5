"""Reading a source file: UTF-8, BOM dropped, newlines untouched, failures as `DSLError`."""

from __future__ import annotations

from pathlib import Path

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.errors import Diagnostic, DSLError


def read_source(path: str | Path) -> str:
    """A file's text exactly as `parse_file` reads it: UTF-8, BOM dropped, newlines untouched.

    (`Path.read_text` translates a lone '\r' into '\n', which would move every position.)
    """
    text = Path(path).read_bytes().decode("utf-8", "replace")
    return text[1:] if text.startswith("\ufeff") else text


def read_text_strictly(path: Path) -> str:
    """A file's text for parsing; unreadable or non-UTF-8 files raise `DSLError`."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DSLError(
            [Diagnostic(f"cannot read file: {err.strerror or err}", None, code="io")],
            None,
            str(path),
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        line_start = data.rfind(b"\n", 0, err.start) + 1
        # a column counts characters, like every other position: the bytes before the bad
        # one on its line decode (the first undecodable byte is at err.start)
        column = len(data[line_start : err.start].decode("utf-8")) + 1
        pos = ast.Pos(line=line, column=column, end_line=line, end_column=column + 1)
        raise DSLError(
            [Diagnostic("file is not valid UTF-8", pos, hint="save it as UTF-8", code="io")],
            data.decode("utf-8", "replace"),
            str(path),
        ) from None


__all__ = ["read_source", "read_text_strictly"]
