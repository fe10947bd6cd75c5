"""The reference is written apart from the tools it judges, and no tool leans on it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "nasiam_dsl"
REFERENCE = PACKAGE / "reference"
# what the reference may read: the syntax tree, the parser that makes it, and the one
# definition of "the same architecture" (which prints a genotype)
ALLOWED = {"nasiam_dsl.lang", "nasiam_dsl.lang.ast", "nasiam_dsl.lang.same"}


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("nasiam_dsl")}


def test_the_reference_reads_only_the_syntax_tree() -> None:
    for path in REFERENCE.glob("*.py"):
        outside = {m for m in imports(path) if not m.startswith("nasiam_dsl.reference")}
        assert outside <= ALLOWED, (path.name, outside - ALLOWED)


def test_no_tool_imports_the_reference() -> None:
    for path in PACKAGE.rglob("*.py"):
        if REFERENCE in path.parents:
            continue
        assert not any(m.startswith("nasiam_dsl.reference") for m in imports(path)), path
