"""Widths per member: where widths meet, every architecture of a space must agree.

The checker's first pass compares the largest width of every choice, which is what the
supernet builds; a member (one decision per choice) can still disagree: with
`h1 = linear(x, width{256, 512})` and `h2` at 512, `sum(h1, h2)` holds in the supernet but
not in the member that keeps 256. Here a width is a table `decisions -> width` over the
decisions it depends on (width choices, op choices, picked concats); where widths meet (the
inputs of `sum`/`mean`, a head reading another head) the tables are joined and every joint
row must agree. A `choose` keeps one candidate per member, so its width is that candidate's
(the supernet's own rule, checked before, is that the candidates' largest widths agree).
A table that would grow past `MAX_ROWS` rows is left unknown (not checked) rather than enumerated.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from nasiam_dsl import registry
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.walk import (
    ChoiceNode,
    ChoiceSite,
    is_open,
    keyed_node,
    node_choices,
    resolve_set,
)

MAX_ROWS = 4096
BACKBONE = "backbone"

Width = int | str  # "backbone" when the backbone's width is not known
Assignment = frozenset[tuple[str, object]]  # (decision key, candidate index or picked subset)
Report = Callable[[str, ast.Pos | None], None]

__all__ = ["MAX_ROWS", "Table", "member_widths"]


@dataclass(frozen=True)
class Table:
    """A width as a function of decisions: rows of (assignment, width)."""

    rows: tuple[tuple[Assignment, Width], ...]

    @staticmethod
    def const(width: Width) -> Table:
        return Table(((frozenset(), width),))


def _compatible(a: Assignment, b: Assignment) -> bool:
    chosen = dict(a)
    return all(chosen.get(k, v) == v for k, v in b)


def _joint(tables: list[Table]) -> list[tuple[Assignment, list[Width]]] | None:
    """Every consistent combination of one row per table; None past `MAX_ROWS`."""
    rows: list[tuple[Assignment, list[Width]]] = [(frozenset(), [])]
    for table in tables:
        rows = [(a | b, [*ws, w]) for a, ws in rows for b, w in table.rows if _compatible(a, b)]
        if len(rows) > MAX_ROWS:
            return None
    return rows


def member_widths(
    doc: ast.Document, heads: Iterable[ast.Head], backbone_dim: int | None, report: Report
) -> dict[tuple[str, str], Table | None]:
    """Every node's width table (None: unknown, or past `MAX_ROWS`); `report(message, pos)`
    each place where widths meet and some member's widths disagree.

    `heads` in dependency order (a head after the head it reads).
    """
    members = _Members(doc, backbone_dim, report)
    members.run(heads)
    return members.tables


class _Members:
    def __init__(self, doc: ast.Document, backbone_dim: int | None, report: Report) -> None:
        self.lets = {let.name: let for let in doc.lets}
        self.backbone: Width = backbone_dim if backbone_dim is not None else BACKBONE
        self.report = report
        self.outputs: dict[str, Table | None] = {}
        self.tables: dict[tuple[str, str], Table | None] = {}
        self.first_site: dict[str, ChoiceSite] = {}  # key -> the site that names it
        self.head = ""
        self.node = ""

    def run(self, heads: Iterable[ast.Head]) -> None:
        for head in heads:
            self.head = head.name
            src = head.source
            if isinstance(src, int):
                scope: dict[str, Table | None] = {head.input: Table.const(src)}
            elif src == BACKBONE:
                scope = {head.input: Table.const(self.backbone)}
            else:
                scope = {head.input: self.outputs.get(src)}
            for node in head.nodes:
                found = node_choices(head, node)
                for s in found:
                    self.first_site.setdefault(s.key, s)
                node = keyed_node(head.name, node)
                self.node = node.name
                scope[node.name] = self.pipeline(node.expr, scope)
                self.tables.setdefault((head.name, node.name), scope[node.name])
            self.outputs[head.name] = scope.get(head.nodes[-1].name) if head.nodes else None

    # ---- tables -----------------------------------------------------------------------
    def open_key(self, choice: ChoiceNode) -> str | None:
        return choice.key if is_open(choice, self.lets) else None

    def pipeline(self, p: ast.Pipeline, scope: dict[str, Table | None]) -> Table | None:
        src = p.source
        if isinstance(src, ast.Choose):
            table = self.choose(src, scope)
        elif isinstance(src, ast.Ref):
            table = scope.get(src.name)
        else:
            table = self.combine(src, scope)
        for stage in p.stages:
            if isinstance(stage, ast.Call):
                table = self.call(stage, table)
        return table

    def choose(self, choose: ast.Choose, scope: dict[str, Table | None]) -> Table | None:
        """A member keeps one candidate: the choice's width is candidate i's width in the
        members that decide i (a width decision inside another candidate does not matter
        there). Where that width meets others, every member is checked."""
        tables = [self.pipeline(c, scope) for c in choose.candidates]
        key = self.open_key(choose)
        if key is None:
            return tables[0]
        if any(t is None for t in tables):
            return None
        rows = [
            (a | {(key, i)}, w)
            for i, table in enumerate(tables)
            for a, w in table.rows  # type: ignore[union-attr]
            if _compatible(a, frozenset({(key, i)}))
        ]
        return None if len(rows) > MAX_ROWS else Table(tuple(rows))

    def combine(self, comb: ast.Combine, scope: dict[str, Table | None]) -> Table | None:
        tables = [scope.get(r.name) for r in comb.inputs]
        if comb.mode != "concat":
            return self.meet(tables, comb.pos, f"inputs of {comb.mode}")
        if any(t is None for t in tables):
            return None
        key = self.open_key(comb)
        if key is None or comb.pick is None:
            joint = _joint(tables)  # type: ignore[arg-type]
            return None if joint is None else Table(tuple((a, _total(ws)) for a, ws in joint))
        rows = []
        for subset in itertools.combinations(range(len(tables)), comb.pick):
            joint = _joint([tables[i] for i in subset])  # type: ignore[misc]
            if joint is None or len(rows) + len(joint) > MAX_ROWS:
                return None
            rows.extend((a | {(key, subset)}, _total(ws)) for a, ws in joint)
        return Table(tuple(rows))

    def call(self, call: ast.Call, table: Table | None) -> Table | None:
        spec = registry.get_op(call.name)
        if spec is None or not spec.takes_width:
            return table
        arg = next((a for a in call.args if not isinstance(a, ast.KwArg)), None)
        if isinstance(arg, ast.IntLit):
            return Table.const(arg.value)
        if isinstance(arg, ast.WidthName):
            if arg.name == BACKBONE:
                return Table.const(self.backbone)
            let = self.lets.get(arg.name)
            return (
                Table.const(let.value.value) if let and isinstance(let.value, ast.IntLit) else None
            )
        if not isinstance(arg, ast.WidthChoice):
            return None
        values = [i.value for i in resolve_set(arg.options, self.lets) if isinstance(i, ast.IntLit)]
        key = self.open_key(arg)
        if not values:
            return None
        if key is None:
            return Table.const(values[0])
        return Table(tuple((frozenset({(key, i)}), w) for i, w in enumerate(values)))

    # ---- where widths meet ------------------------------------------------------------
    def meet(self, tables: list[Table | None], pos: ast.Pos | None, what: str) -> Table | None:
        """The common width of `tables`, reporting the first member where they disagree."""
        if any(t is None for t in tables):
            return None
        joint = _joint(tables)  # type: ignore[arg-type]
        if joint is None:
            return None
        rows = []
        for assignment, widths in joint:
            known = [w for w in widths if isinstance(w, int)]  # `backbone` may be anything
            if len(set(known)) > 1:
                shown = ", ".join(str(w) for w in widths)
                self.report(
                    f"width mismatch in node '{self.node}': {what} have widths {shown} when "
                    + " and ".join(self.describe(k, v) for k, v in sorted(assignment, key=str)),
                    pos,
                )
                return None
            rows.append((assignment, known[0] if known else widths[0]))
        return Table(tuple(rows))

    def describe(self, key: str, value: object) -> str:
        site = self.first_site[key]
        choice = site.choice
        name = (
            site.node.name if site.head.name == self.head else f"{site.head.name}.{site.node.name}"
        )
        where = f"line {choice.pos.line}, column {choice.pos.column}" if choice.pos else key
        if isinstance(choice, ast.WidthChoice):
            items = resolve_set(choice.options, self.lets)
            width = items[value].value  # type: ignore[index,union-attr]
            shown = ", ".join(str(getattr(i, "value", "?")) for i in items)
            return f"'{name}' takes width {width} of width{{{shown}}} ({where})"
        if isinstance(choice, ast.Combine):
            names = ", ".join(choice.inputs[i].name for i in value)  # type: ignore[attr-defined]
            return f"'{name}' picks {{{names}}} ({where})"
        return f"'{name}' decides {key} ({where})"


def _total(widths: list[Width]) -> Width:
    if all(isinstance(w, int) for w in widths):
        return sum(widths)  # type: ignore[arg-type]
    return BACKBONE if len(widths) == 1 else "+".join(str(w) for w in widths)
