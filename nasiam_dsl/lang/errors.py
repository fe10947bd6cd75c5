"""One error type for everything wrong with nasiam text, rendered like a compiler.

spaces/x.nas:12:7: error: unknown op 'gelu2'
   12 |     h = linear(x, 512) | gelu2
      |                          ^^^^^
   = help: did you mean 'gelu'?
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from nasiam_dsl.lang.ast import Pos

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One finding: where, what, and how to fix it."""

    message: str
    pos: Pos | None = None
    severity: Severity = "error"
    hint: str | None = None
    code: str = "syntax"

    def render(self, source: str | None = None, filename: str = "<text>") -> str:
        line = self.pos.line if self.pos else 1
        column = self.pos.column if self.pos else 1
        out = [f"{filename}:{line}:{column}: {self.severity}: {self.message}"]
        # lines end at '\n' only, as the parser counts them (splitlines also breaks at
        # '\r', '\f', U+2028..., which would show the wrong line under the position)
        lines = source.split("\n") if source is not None else []
        out += _snippet(self.pos, lines)
        if self.hint:
            out.append(f"      = help: {self.hint}")
        pos = self.pos
        while pos is not None and pos.via is not None:  # inside a block: where it is used
            use = pos.via
            out.append(
                f"{filename}:{use.line}:{use.column}: note: in this use of block '{pos.via_block}'"
            )
            out += _snippet(use, lines)
            pos = use
        return "\n".join(out)


def _snippet(pos: Pos | None, lines: list[str]) -> list[str]:
    """The source line of `pos` with a caret under its span (nothing without the line)."""
    if pos is None or not 0 < pos.line <= len(lines):
        return []
    line, column = pos.line, pos.column
    text = lines[line - 1].rstrip("\r").replace("\t", " ")
    width = 1
    if pos.end_line == line and pos.end_column > column:
        width = pos.end_column - column
    width = max(1, min(width, len(text) - column + 1))
    gutter = f"{line:>5} | "
    return [gutter + text, " " * (len(gutter) - 2) + "| " + " " * (column - 1) + "^" * width]


@dataclass
class DSLError(Exception):
    """Raised for bad nasiam text; carries every diagnostic of the file at once."""

    diagnostics: Sequence[Diagnostic]
    source: str | None = None
    filename: str = "<text>"
    warnings: Sequence[Diagnostic] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        super().__init__(self.render())

    @property
    def first(self) -> Diagnostic:
        return self.diagnostics[0]

    def render(self) -> str:
        parts = [d.render(self.source, self.filename) for d in self.diagnostics]
        errors = sum(d.severity == "error" for d in self.diagnostics)
        if errors > 1:
            parts.append(f"{errors} errors in {self.filename}")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.render()


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean' hint from the closest known names, or None."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=3, cutoff=0.6)
    if not close:
        return None
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def op_hint(name: str, allowed: Iterable[str] | None = None) -> str | None:
    """'did you mean ...?' for an unknown op name among `allowed` (default: every op): the
    op another name of which it is (`batchnorm`: bn), else the closest spellings; None when
    nothing is close."""
    from nasiam_dsl import registry

    allowed = list(registry.op_names() if allowed is None else allowed)
    meant = registry.meant_op(name)
    if meant is not None and meant in allowed:
        return f"did you mean '{meant}'?"
    return did_you_mean(name, allowed)
