"""Errors in what a user asked for (options, files, names), shown without a traceback."""

from __future__ import annotations


class UsageProblem(Exception):
    """A user error outside the language: a bad option, a missing file, an unknown name.

    The CLI prints `error: <message>` and the hint, and exits 2.
    """

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint
