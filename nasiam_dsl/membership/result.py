"""What a membership check finds: the decisions of a member, or every mismatch.

Each mismatch points into both files and renders like the checker's diagnostics: the
genotype's line with a caret, then a note with the space's line and a caret.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from nasiam_dsl.lang.ast import Pos
from nasiam_dsl.lang.errors import Diagnostic, DSLError

MismatchKind = Literal[
    "missing_head",
    "extra_head",
    "head_input",
    "missing_node",
    "extra_node",
    "output_node",
    "open_choice",
    "not_a_candidate",
    "structure",
    "value",
    "width",
    "act",
    "norm",
    "inputs",
    "label",
]

Decisions = dict[str, tuple[int, ...]]


@dataclass(frozen=True)
class Files:
    """The two files a mismatch points into: each one's text (for its lines) and name."""

    genotype_source: str | None = None
    genotype_file: str = "<genotype>"
    space_source: str | None = None
    space_file: str = "<space>"


@dataclass(frozen=True)
class Mismatch:
    """One way a genotype leaves its space: where in each file, what, how to fix it."""

    kind: MismatchKind
    message: str
    genotype_pos: Pos | None
    space_pos: Pos | None
    hint: str | None = None
    space_note: str = "the space's side"

    def diagnostic(self) -> Diagnostic:
        """The genotype side, as the checker reports errors."""
        return Diagnostic(self.message, self.genotype_pos, "error", self.hint, "membership")

    def render(self, files: Files | None = None) -> str:
        """The genotype's line with a caret, then a note with the space's line."""
        files = files or Files()
        text = self.diagnostic().render(files.genotype_source, files.genotype_file)
        if self.space_pos is None:
            return text
        note = Diagnostic(self.space_note, self.space_pos)
        rendered = note.render(files.space_source, files.space_file)
        return text + "\n" + rendered.replace(": error: ", ": note: ", 1)


@dataclass(frozen=True)
class Membership:
    """`ok` when the genotype is a member; `decisions` builds it (hidden ones at 0)."""

    decisions: Decisions
    mismatches: tuple[Mismatch, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def render(
        self,
        genotype_source: str | None = None,
        genotype_file: str = "<genotype>",
        space_source: str | None = None,
        space_file: str = "<space>",
    ) -> str:
        """Every mismatch, genotype line then space line, and how many there are."""
        files = Files(genotype_source, genotype_file, space_source, space_file)
        parts = [m.render(files) for m in self.mismatches]
        if len(parts) > 1:
            parts.append(f"{len(parts)} mismatches between {genotype_file} and {space_file}")
        return "\n".join(parts)


@dataclass
class MembershipError(DSLError):
    """Raised when a genotype is not a member; renders both files' lines."""

    mismatches: Sequence[Mismatch] = field(default_factory=tuple)
    space_source: str | None = None
    space_file: str = "<space>"

    def render(self) -> str:
        result = Membership({}, tuple(self.mismatches))
        return result.render(self.source, self.filename, self.space_source, self.space_file)


def raise_unless_member(
    result: Membership,
    genotype_source: str | None = None,
    genotype_file: str = "<genotype>",
    space_source: str | None = None,
    space_file: str = "<space>",
) -> Decisions:
    """The member's decisions, or a `MembershipError` with every mismatch (exit 2 in the CLI)."""
    if result.ok:
        return result.decisions
    raise MembershipError(
        [m.diagnostic() for m in result.mismatches],
        genotype_source,
        genotype_file,
        mismatches=result.mismatches,
        space_source=space_source,
        space_file=space_file,
    )
