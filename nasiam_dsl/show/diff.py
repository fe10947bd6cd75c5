"""What differs between two documents (genotypes or spaces), choice by choice and node by
node; pure functions over ASTs, and a rich table of the result.

Differences come in a fixed order: the header (kind, name, framework), meta entries,
lets, heads and their nodes, choices, constraints. A node whose text differs only in
probabilities is not reported as a node change: its choices say it (`probability`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from rich.table import Table
from rich.text import Text

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.printer import (
    format_constraint_body,
    format_pipeline,
    format_scalar,
    format_set,
)
from nasiam_dsl.lang.tree import strip_probs
from nasiam_dsl.membership.chosen import Chosen, chosen_candidates

__all__ = ["Change", "Difference", "diff_documents", "diff_table", "format_difference"]

Change = Literal["added", "removed", "changed", "probability"]
Area = Literal["document", "meta", "let", "head", "node", "choice", "constraint"]

MARKS: dict[str, tuple[str, str]] = {
    "added": ("+", "green"),
    "removed": ("-", "red"),
    "changed": ("~", "yellow"),
    "probability": ("p", "blue"),
}


@dataclass(frozen=True)
class Difference:
    """One difference: where (`area`, `path`), how (`change`) and the two texts."""

    area: Area
    path: str
    change: Change
    before: str | None = None
    after: str | None = None


def _pairs(area: Area, a: Mapping[str, str], b: Mapping[str, str]) -> Iterable[Difference]:
    """Added / removed / changed entries of two ordered name -> text maps."""
    for name, text in a.items():
        if name not in b:
            yield Difference(area, name, "removed", text, None)
        elif b[name] != text:
            yield Difference(area, name, "changed", text, b[name])
    for name, text in b.items():
        if name not in a:
            yield Difference(area, name, "added", None, text)


def _header(a: ast.Document, b: ast.Document) -> list[Difference]:
    out = []
    for field in ("kind", "name", "framework"):
        x, y = getattr(a, field), getattr(b, field)
        if x != y:
            change: Change = "added" if x is None else "removed" if y is None else "changed"
            out.append(Difference("document", field, change, x, y))
    return out


def _meta(doc: ast.Document) -> dict[str, str]:
    if doc.meta is None:
        return {}
    return {
        e.key: format_scalar(e.value, string=isinstance(e.value, str)) for e in doc.meta.entries
    }


def _lets(doc: ast.Document) -> dict[str, str]:
    return {
        let.name: str(let.value.value)
        if isinstance(let.value, ast.IntLit)
        else format_set(let.value)
        for let in doc.lets
    }


def _head_text(head: ast.Head) -> str:
    return f"{head.name}({head.input}: {head.source})"


def _node_text(node: ast.NodeDef) -> str:
    return format_pipeline(strip_probs(node.expr), width=10**9)


def _heads(a: ast.Document, b: ast.Document) -> list[Difference]:
    out: list[Difference] = []
    b_heads = {h.name: h for h in b.heads}
    a_names = {h.name for h in a.heads}
    for head in a.heads:
        other = b_heads.get(head.name)
        if other is None:
            out.append(Difference("head", head.name, "removed", _head_text(head), None))
            continue
        if (head.input, head.source) != (other.input, other.source):
            out.append(
                Difference("head", head.name, "changed", _head_text(head), _head_text(other))
            )
        nodes_a = {n.name: _node_text(n) for n in head.nodes}
        nodes_b = {n.name: _node_text(n) for n in other.nodes}
        for d in _pairs("node", nodes_a, nodes_b):
            out.append(Difference("node", f"{head.name}.{d.path}", d.change, d.before, d.after))
        out_a = head.nodes[-1].name if head.nodes else None
        out_b = other.nodes[-1].name if other.nodes else None
        if out_a != out_b:
            out.append(Difference("head", f"{head.name} output", "changed", out_a, out_b))
    for head in b.heads:
        if head.name not in a_names:
            out.append(Difference("head", head.name, "added", None, _head_text(head)))
    return out


def _close(x: Chosen, y: Chosen, tolerance: float) -> bool:
    for p, q in zip(x.probs, y.probs, strict=True):
        if (p is None) != (q is None):
            return False
        if p is not None and q is not None and abs(p - q) > tolerance:
            return False
    return True


def _choices(a: ast.Document, b: ast.Document, tolerance: float) -> list[Difference]:
    ca, cb = chosen_candidates(a), chosen_candidates(b)
    out = []
    for key, x in ca.items():
        y = cb.get(key)
        if y is None:
            out.append(Difference("choice", key, "removed", x.text(), None))
        elif x.names != y.names:
            out.append(Difference("choice", key, "changed", x.text(), y.text()))
        elif not _close(x, y, tolerance):
            out.append(Difference("choice", key, "probability", x.text(), y.text()))
    for key, y in cb.items():
        if key not in ca:
            out.append(Difference("choice", key, "added", None, y.text()))
    return out


def _constraint_text(c: ast.Constraint) -> str:
    return format_constraint_body(c)


def _constraints(a: ast.Document, b: ast.Document) -> list[Difference]:
    xs = [_constraint_text(c) for c in a.constraints]
    ys = [_constraint_text(c) for c in b.constraints]
    return [Difference("constraint", t, "removed", t, None) for t in xs if t not in ys] + [
        Difference("constraint", t, "added", None, t) for t in ys if t not in xs
    ]


def diff_documents(a: ast.Document, b: ast.Document, *, tolerance: float = 0.0) -> list[Difference]:
    """Every difference from `a` to `b`; [] when they mean the same (comments and layout
    are ignored). Probabilities within `tolerance` count as equal."""
    return [
        *_header(a, b),
        *_pairs("meta", _meta(a), _meta(b)),
        *_pairs("let", _lets(a), _lets(b)),
        *_heads(a, b),
        *_choices(a, b, tolerance),
        *_constraints(a, b),
    ]


def format_difference(d: Difference) -> str:
    """One plain line: `~ choice projector.h1.act: gelu @0.71 -> relu @0.55`."""
    mark = MARKS[d.change][0]
    if d.change == "added":
        what = d.after
    elif d.change == "removed":
        what = d.before
    else:
        what = f"{d.before} -> {d.after}"
    return f"{mark} {d.area} {d.path}: {what}"


def diff_table(diffs: Iterable[Difference], a_label: str = "a", b_label: str = "b") -> Table:
    """The differences as a rich table (one row each, coloured by kind of change)."""
    table = Table(show_header=True, header_style="bold", title=f"{a_label} → {b_label}")
    table.add_column("", no_wrap=True)
    table.add_column("where")
    table.add_column(a_label, overflow="fold")
    table.add_column(b_label, overflow="fold")
    rows = 0
    for d in diffs:
        mark, style = MARKS[d.change]
        table.add_row(
            Text(mark, style=f"bold {style}"),
            Text(f"{d.area} {d.path}"),
            Text(d.before or "", style="red" if d.change != "added" else ""),
            Text(d.after or "", style="green" if d.change != "removed" else ""),
        )
        rows += 1
    if not rows:
        table.caption = "no differences"
    return table


def decisions_only(doc: ast.Document) -> ast.Document:
    """`doc` without what a search's probabilities wrote into it: `@p` annotations, margins,
    verdict counts, rank and score (`diff --ignore-probs`). Two genotypes with the same
    decisions and provenance are then equal."""
    from nasiam_dsl.search.genotype_margins import MARGIN_PREFIX, PROBABILITY_META

    doc = strip_probs(doc)
    if doc.meta is None:
        return doc
    kept = tuple(
        e
        for e in doc.meta.entries
        if e.key not in PROBABILITY_META and not e.key.startswith(MARGIN_PREFIX)
    )
    return doc.model_copy(update={"meta": doc.meta.model_copy(update={"entries": kept})})
