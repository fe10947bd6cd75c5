"""Where the checks put what they find: errors and warnings, each with its position."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.errors import Diagnostic

__all__ = ["Reporter"]

EQUAL_CANDIDATES = "a choice among equal candidates cannot learn which is better"


@dataclass
class Reporter:
    """Collects every diagnostic of a document, so a user fixes them all in one pass."""

    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)

    def error(
        self, message: str, pos: ast.Pos | None, hint: str | None = None, code: str = "check"
    ) -> None:
        self.errors.append(Diagnostic(message, pos, "error", hint, code))

    def warn(
        self, message: str, pos: ast.Pos | None, hint: str | None = None, code: str = "check"
    ) -> None:
        self.warnings.append(Diagnostic(message, pos, "warning", hint, code))

    def duplicates(
        self,
        texts: list[str],
        nodes: Iterable[ast.Node],
        what: str,
        severity: str = "error",
        hint: str = EQUAL_CANDIDATES,
    ) -> None:
        """Report each text already seen among `texts` (one node per text)."""
        seen: set[str] = set()
        report = self.warn if severity == "warning" else self.error
        for text, node in zip(texts, nodes, strict=False):
            if text in seen:
                report(f"duplicate {what} '{text}'", node.pos, hint, code="duplicate")
            seen.add(text)
