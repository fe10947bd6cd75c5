"""Which constraints some member of a space keeps: exactly in small spaces, by bounds in large.

A constraint is *unsatisfiable* when no member of the space keeps it; the constraints are
*jointly unsatisfiable* when each is kept by some member but no member keeps them all. Both
are found exactly by going through the members (`iter_member_tallies`) until every constraint
and all of them together have a member that keeps them, or `EXACT_MEMBERS` members were seen;
past that, only what the bounds prove is reported: a metric's smallest and largest value over
the space (parameters, FLOPs and op counts of every site at its cheapest or dearest; a layer
a depth can leave out counts nothing in the smallest), which are sound but not tight.

Costs follow `tally.py`: a member's layers past its depth cost nothing, an `identity`
activation or a `none` norm is no op.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.members import is_depth_node, options, ways
from nasiam_dsl.lang.plan import Choose, HeadPlan, Linear, Op, Pipeline, Plan, SetChoice
from nasiam_dsl.lang.reach import hidden_nodes
from nasiam_dsl.lang.tally import BACKBONE, Tally, node_tally

__all__ = [
    "EXACT_MEMBERS",
    "Feasibility",
    "Refusal",
    "constraint_groups",
    "constraint_value",
    "feasibility",
    "holds",
    "iter_member_tallies",
    "keeps",
]

EXACT_MEMBERS = 20_000  # members gone through before only the bounds decide

HOLDS = {
    "<=": lambda value, bound: value <= bound,
    "<": lambda value, bound: value < bound,
    ">=": lambda value, bound: value >= bound,
    ">": lambda value, bound: value > bound,
    "==": lambda value, bound: value == bound,
}


def constraint_groups(c: ast.Constraint, heads: list[str]) -> list[list[str]]:
    """The head groups one constraint bounds: each head, one head, or all of them."""
    if isinstance(c.scope, ast.PerHead):
        return [[h] for h in heads]
    if isinstance(c.scope, ast.InHead):
        return [[c.scope.name]]
    if c.target is not None:
        return [[c.target]]
    return [heads]


def constraint_value(c: ast.Constraint, heads: Mapping[str, Tally], names: list[str]) -> float:
    """What a constraint measures on the heads `names` of one architecture."""
    if c.metric == "count":
        return sum(heads[h].ops[op] for h in names for op in c.ops)
    return sum(getattr(heads[h], c.metric) for h in names)


def holds(c: ast.Constraint, value: float) -> bool:
    return HOLDS[c.cmp](value, c.bound)


def keeps(c: ast.Constraint, heads: Mapping[str, Tally]) -> bool:
    """Whether a member with these head tallies keeps `c`."""
    return all(holds(c, constraint_value(c, heads, g)) for g in constraint_groups(c, list(heads)))


# ---- members one by one -------------------------------------------------------------------


def iter_member_tallies(plan: Plan) -> Iterator[dict[str, Tally]]:
    """Each member's tallies per head (a member per visible decision vector: equal
    candidates give the same tallies more than once)."""
    heads = list(plan.heads)

    def head_from(h: int, bound: dict, widths: dict[str, int], done: dict) -> Iterator[dict]:
        if h == len(heads):
            yield done
            return
        head = heads[h]
        width = _input_width(plan, head, widths)
        for chosen in _depths(plan, head, {}):
            hidden = hidden_nodes(head, chosen)
            nodes = [n for n in head.nodes if n.name not in hidden]
            scope = {head.input: width}
            for tally, after, out in _nodes(plan, nodes, 0, {**bound, **chosen}, scope, Tally()):
                yield from head_from(
                    h + 1,
                    after,
                    {**widths, head.name: out[head.output]},
                    {**done, head.name: tally},
                )

    yield from head_from(0, {}, {}, {})


def _input_width(plan: Plan, head: HeadPlan, widths: dict[str, int]) -> int:
    if isinstance(head.source, int):
        return head.source
    return plan.backbone_dim if head.source == BACKBONE else widths[head.source]


def _depths(plan: Plan, head: HeadPlan, chosen: dict) -> Iterator[dict]:
    """Each assignment of a head's depths that decide, outer depths first."""
    hidden = hidden_nodes(head, chosen)
    waiting = [
        n.pipeline.source.key  # type: ignore[union-attr]
        for n in reversed(head.nodes)
        if is_depth_node(n) and n.name not in hidden and n.pipeline.source.key not in chosen  # type: ignore[union-attr]
    ]
    if not waiting:
        yield chosen
        return
    key = waiting[0]
    for value in options(plan.choices[key].size, 1):
        yield from _depths(plan, head, {**chosen, key: value})


def _nodes(
    plan: Plan, nodes: list, i: int, bound: dict, widths: dict[str, int], total: Tally
) -> Iterator[tuple[Tally, dict, dict[str, int]]]:
    if i == len(nodes):
        yield total, bound, widths
        return
    node = nodes[i]
    for _, after in ways(node.pipeline, plan, bound):
        tally, width = node_tally(plan, node.pipeline, after, widths)
        yield from _nodes(plan, nodes, i + 1, after, {**widths, node.name: width}, total + tally)


# ---- the verdict --------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why no member keeps a constraint: in the heads `names`, the metric only takes values
    from `low` to `high` (exactly, or as bounds); `names` is empty when every group alone
    can keep it but no member keeps it in all of them at once."""

    constraint: ast.Constraint
    names: tuple[str, ...]
    low: float
    high: float


@dataclass(frozen=True)
class Feasibility:
    """What is known of a space's constraints (see module docs)."""

    refused: tuple[Refusal, ...]
    together: bool | None  # some member keeps them all; None: not known (large space)
    exact: bool


def feasibility(doc: ast.Document, plan: Plan, *, limit: int = EXACT_MEMBERS) -> Feasibility:
    """Which of `doc`'s constraints no member of `plan` keeps (see module docs)."""
    constraints = doc.constraints
    if not constraints:
        return Feasibility((), True, True)
    heads = [h.name for h in plan.heads]
    groups = [constraint_groups(c, heads) for c in constraints]
    seen_values: list[list[set[float]]] = [[set() for _ in g] for g in groups]
    kept = [False] * len(constraints)
    together = False
    exhausted = True
    for seen, tallies in enumerate(iter_member_tallies(plan), 1):
        every = True
        for i, c in enumerate(constraints):
            values = [constraint_value(c, tallies, g) for g in groups[i]]
            for found, value in zip(seen_values[i], values, strict=True):
                if len(found) < MAX_VALUES or value in found:
                    found.add(value)
            this = all(holds(c, v) for v in values)
            kept[i] = kept[i] or this
            every = every and this
        together = together or every
        if together:  # every constraint, and all at once, kept by some member
            return Feasibility((), True, True)
        if seen >= limit:
            exhausted = False
            break
    if exhausted:
        refused = tuple(
            _refusal(c, g, vals)
            for c, g, vals, k in zip(constraints, groups, seen_values, kept, strict=True)
            if not k
        )
        return Feasibility(refused, together, True)
    bounds = Bounds(plan)
    refused = tuple(
        r for c, k in zip(constraints, kept, strict=True) if not k for r in [bounds.refute(c)] if r
    )
    return Feasibility(refused, True if together else None, False)


MAX_VALUES = 10_000  # values of one metric kept per group to explain a refusal


def _refusal(c: ast.Constraint, groups: list[list[str]], values: list[set[float]]) -> Refusal:
    """The group (and its values) that no member can make keep `c`."""
    for names, found in zip(groups, values, strict=True):
        if found and not any(holds(c, v) for v in found):
            return Refusal(c, tuple(names), min(found), max(found))
    return Refusal(c, (), 0, 0)


class Bounds:
    """Each head's smallest and largest parameters, FLOPs and op counts (sound bounds)."""

    def __init__(self, plan: Plan) -> None:
        from nasiam_dsl.lang.tally import evaluate

        self.plan = plan
        low, high = evaluate(plan, "min"), evaluate(plan, "max")
        self.low = {h: sum(nodes.values(), Tally()) for h, nodes in low.items()}
        self.high = {h: sum(nodes.values(), Tally()) for h, nodes in high.items()}

    def counts(self, head: HeadPlan, ops: set[str]) -> tuple[int, int]:
        hideable = {
            name
            for n in head.nodes
            if is_depth_node(n)
            for i in range(len(n.pipeline.source.names))  # type: ignore[union-attr]
            for name in hidden_nodes(head, {n.pipeline.source.key: (i,)})  # type: ignore[union-attr]
        }
        lo = sum(_count(n.pipeline, ops, min) for n in head.nodes if n.name not in hideable)
        hi = sum(_count(n.pipeline, ops, max) for n in head.nodes)
        return lo, hi

    def range(self, c: ast.Constraint, names: list[str]) -> tuple[float, float]:
        if c.metric == "count":
            pairs = [self.counts(self.plan.head(h), set(c.ops)) for h in names]
            return sum(p[0] for p in pairs), sum(p[1] for p in pairs)
        return (
            sum(getattr(self.low[h], c.metric) for h in names),
            sum(getattr(self.high[h], c.metric) for h in names),
        )

    def refute(self, c: ast.Constraint) -> Refusal | None:
        """The refusal the bounds prove, if they prove that no member keeps `c`."""
        for names in constraint_groups(c, [h.name for h in self.plan.heads]):
            lo, hi = self.range(c, names)
            if not any(holds(c, v) for v in _corners(c, lo, hi)):
                return Refusal(c, tuple(names), lo, hi)
        return None


def _corners(c: ast.Constraint, lo: float, hi: float) -> list[float]:
    """Values in [lo, hi] that decide whether a bound can hold: the ends, and the bound."""
    inside = [c.bound] if lo <= c.bound <= hi else []
    return [lo, hi, *inside]


def _count(p: Pipeline, ops: set[str], pick) -> int:
    """The fewest (`min`) or most (`max`) of `ops` one way through `p` can hold."""
    src = p.source
    total = 0
    if isinstance(src, Choose):
        total = pick(_count(c, ops, pick) for c in src.candidates)
    for stage in p.stages:
        if isinstance(stage, Linear):
            total += "linear" in ops
        elif isinstance(stage, Op):
            total += stage.name in ops and not stage.is_empty
        elif isinstance(stage, SetChoice):
            total += pick(int(op.name in ops and not op.is_empty) for op in stage.items)
    return total
