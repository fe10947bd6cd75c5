"""Members of a planned space: what is visible, what one member builds, how many there are.

A *member* is a value of every visible decision: a choice inside a candidate that an op
choice does not keep, or in a layer past a chosen depth (`reach.py`), is hidden, since any
value of it builds the same heads. What a member builds, its *architecture*, is
`signature(plan, decisions)`: per head, the nodes it keeps with the plain pipeline each
computes (a kept candidate's stages, a chosen width, an activation, the picked inputs; an
`identity` activation and a `none` norm are no stage, a pick of every input is that
combination). Two members build the same architecture exactly when their genotypes have the
same `same.architecture_text`: equal candidates (`linear(x, 512) * 5`) and candidates that
overlap (`act{relu, gelu}` beside `relu`) are one architecture, not several.

`count_architectures` counts the distinct architectures exactly: the nodes that decisions
tie together (a label used in several nodes, a depth and the layers it hides) form
components; each component's assignments of those decisions give a box (per node, the set
of pipelines its own decisions can make), and the union of the boxes is counted exactly.
Past `MAX_WAYS` ways in one node or `MAX_ASSIGNMENTS` assignments in one component the count
is an upper bound, and says so.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass

from nasiam_dsl.lang.plan import (
    Choose,
    HeadPlan,
    Inputs,
    Linear,
    NodePlan,
    Op,
    Pipeline,
    Plan,
    Ref,
    SetChoice,
)
from nasiam_dsl.lang.reach import hidden_nodes

__all__ = [
    "MAX_ASSIGNMENTS",
    "MAX_WAYS",
    "Count",
    "count_architectures",
    "count_members",
    "is_depth_node",
    "options",
    "signature",
    "visible_keys",
    "ways",
]

Decisions = Mapping[str, tuple[int, ...]]
MAX_WAYS = 100_000  # ways through one node counted one by one
MAX_ASSIGNMENTS = 100_000  # assignments of one component's shared decisions
DEPTH = "depth"


def options(size: int, pick: int) -> list[tuple[int, ...]]:
    """Every value of a decision: one candidate, or a sorted pick of `pick` of `size`."""
    return list(itertools.combinations(range(size), pick))


# ---- visible decisions --------------------------------------------------------------------


def visible_keys(plan: Plan, decisions: Decisions) -> tuple[str, ...]:
    """The decisions that shape the architecture `decisions` select, in walk order: per
    head, its depth decisions from the last node back (a depth hides the layers, and the
    depths inside them, that come before it), then each kept node's choices in pre-order
    (an op choice before what its kept candidate holds)."""
    seen: dict[str, None] = {}
    for head in plan.heads:
        hidden = hidden_nodes(head, decisions)
        for node in reversed(head.nodes):
            src = node.pipeline.source
            is_depth = isinstance(src, Inputs) and src.mode == DEPTH and src.key is not None
            if is_depth and node.name not in hidden:
                seen.setdefault(src.key)  # type: ignore[union-attr]
        for node in head.nodes:
            if node.name not in hidden:
                _visible(node.pipeline, decisions, seen)
    return tuple(seen)


def _visible(p: Pipeline, decisions: Decisions, seen: dict[str, None]) -> None:
    src = p.source
    if isinstance(src, Choose):
        if src.key is not None:
            seen.setdefault(src.key)
        _visible(src.candidates[decisions[src.key][0] if src.key else 0], decisions, seen)
    elif isinstance(src, Inputs) and src.key is not None:
        seen.setdefault(src.key)
    for stage in p.stages:
        if isinstance(stage, (Linear, SetChoice)) and stage.key is not None:
            seen.setdefault(stage.key)


# ---- what a member builds -----------------------------------------------------------------


def signature(plan: Plan, decisions: Decisions) -> Hashable:
    """The architecture `decisions` select (see module docs): equal signatures, equal
    `architecture_text`."""
    heads = []
    for head in plan.heads:
        hidden = hidden_nodes(head, decisions)
        nodes = tuple(
            (node.name, _pipeline(node.pipeline, decisions))
            for node in head.nodes
            if node.name not in hidden
        )
        heads.append((head.name, head.input, head.source, nodes))
    return tuple(sorted(heads, key=lambda h: h[0]))


def _pipeline(p: Pipeline, decisions: Decisions) -> tuple:
    src = p.source
    if isinstance(src, Choose):
        kept = src.candidates[decisions[src.key][0] if src.key else 0]
        source, stages = _pipeline(kept, decisions)
    else:
        source, stages = _source(src, decisions), ()
    return source, stages + tuple(s for st in p.stages for s in _stage(st, decisions))


def _source(src: Ref | Inputs, decisions: Decisions) -> tuple:
    if isinstance(src, Ref):
        return ("ref", src.name)
    names = src.names if src.key is None else tuple(src.names[i] for i in decisions[src.key])
    return (src.mode, names)


def _stage(stage: Linear | Op | SetChoice, decisions: Decisions) -> tuple:
    if isinstance(stage, Linear):
        i = decisions[stage.key][0] if stage.key else 0
        width = "backbone" if stage.backbone else stage.widths[i]
        return (("linear", width, stage.bias),)
    if isinstance(stage, Op):
        return ((stage.name, stage.options),)
    op = stage.items[decisions[stage.key][0] if stage.key else 0]
    return () if op.is_empty else ((op.name, op.options),)


# ---- counting -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """How many distinct architectures a space has; `exact` False: at most `value`."""

    value: int
    exact: bool = True


class _TooMany(Exception):
    pass


def count_architectures(plan: Plan) -> int:
    """The number of distinct architectures (an upper bound past the limits: `count_members`)."""
    return count_members(plan).value


def count_members(plan: Plan) -> Count:
    """The distinct architectures of a space, counted as the module docs say."""
    counter = _Counter(plan)
    try:
        return Count(math.prod(counter.component(c) for c in counter.components()))
    except _TooMany:
        return Count(_upper_bound(plan), exact=False)


@dataclass(frozen=True)
class _Node:
    head: HeadPlan
    node: NodePlan
    keys: frozenset[str]  # every open decision with a site in the node


class _Counter:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.nodes = [
            _Node(h, n, frozenset(_keys(n.pipeline))) for h in plan.heads for n in h.nodes
        ]
        sites: dict[str, set[int]] = {}
        for i, n in enumerate(self.nodes):
            for key in n.keys:
                sites.setdefault(key, set()).add(i)
        self.shared = {k for k, where in sites.items() if len(where) > 1}
        self.sites = sites
        self.cache: dict[tuple[int, tuple], frozenset] = {}

    def components(self) -> list[list[int]]:
        """Nodes tied by a shared decision or by a depth and the layers it may hide."""
        parent = list(range(len(self.nodes)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        def join(group: list[int]) -> None:
            for i in group[1:]:
                parent[find(i)] = find(group[0])

        for key in self.shared:
            join(sorted(self.sites[key]))
        for i, node in enumerate(self.nodes):
            key = self.depth_key(i)
            if key is None:
                continue
            index = {n.node.name: j for j, n in enumerate(self.nodes) if n.head is node.head}
            for value in options(self.plan.choices[key].size, 1):
                join([i, *(index[h] for h in hidden_nodes(node.head, {key: value}))])
        groups: dict[int, list[int]] = {}
        for i in range(len(self.nodes)):
            groups.setdefault(find(i), []).append(i)
        return list(groups.values())

    def component(self, members: list[int]) -> int:
        """The distinct architectures of one component's nodes."""
        depth_keys = {self.depth_key(i) for i in members} - {None}
        shared = {k for i in members for k in self.nodes[i].keys if k in self.shared}
        tied = sorted(shared | depth_keys)  # type: ignore[operator]
        choices = [options(self.plan.choices[k].size, self.plan.choices[k].pick) for k in tied]
        if math.prod(len(c) for c in choices) > MAX_ASSIGNMENTS:
            raise _TooMany
        boxes: set[tuple[frozenset, ...]] = set()
        for values in itertools.product(*choices):
            fixed = dict(zip(tied, values, strict=True))
            hidden_in = {}
            for i in members:
                head = self.nodes[i].head
                if head.name not in hidden_in:
                    hidden_in[head.name] = hidden_nodes(head, fixed)
            hidden = {
                i for i in members if self.nodes[i].node.name in hidden_in[self.nodes[i].head.name]
            }
            box = tuple(frozenset({None}) if i in hidden else self.ways(i, fixed) for i in members)
            boxes.add(box)
        return _union_size(list(boxes))

    def depth_key(self, i: int) -> str | None:
        node = self.nodes[i].node
        return node.pipeline.source.key if is_depth_node(node) else None  # type: ignore[union-attr]

    def ways(self, i: int, fixed: dict[str, tuple[int, ...]]) -> frozenset:
        node = self.nodes[i]
        relevant = tuple(sorted((k, v) for k, v in fixed.items() if k in node.keys))
        if (i, relevant) not in self.cache:
            self.cache[(i, relevant)] = _nodeways(self.plan, node.node, relevant)
        return self.cache[(i, relevant)]


def _nodeways(plan: Plan, node: NodePlan, fixed: tuple) -> frozenset:
    """The plain pipelines one node can build, its shared decisions at `fixed`."""
    made: set = set()
    for count, (sig, _) in enumerate(ways(node.pipeline, plan, dict(fixed)), 1):
        made.add(sig)
        if count > MAX_WAYS:
            raise _TooMany
    return frozenset(made)


def ways(p: Pipeline, plan: Plan, bound: dict) -> Iterator[tuple[tuple, dict]]:
    """Each way through a pipeline that agrees with `bound` (labels shared with other
    nodes): what it builds (as `signature` writes it) and `bound` with its decisions."""
    src = p.source
    if isinstance(src, Choose):
        values = range(len(src.candidates)) if src.key else (0,)
        for i in values:
            now = _bind(bound, src.key, (i,))
            if now is None:
                continue
            for (source, stages), after in ways(src.candidates[i], plan, now):
                for more, last in _stages(p.stages, 0, plan, after):
                    yield (source, stages + more), last
        return
    starts: list[tuple[tuple, dict]] = []
    if isinstance(src, Inputs) and src.key is not None:
        for picked in options(len(src.names), src.pick):
            now = _bind(bound, src.key, picked)
            if now is not None:
                starts.append(((src.mode, tuple(src.names[i] for i in picked)), now))
    else:
        starts.append((_source(src, {}), bound))
    for source, now in starts:
        for stages, last in _stages(p.stages, 0, plan, now):
            yield (source, stages), last


def _stages(stages: tuple, j: int, plan: Plan, bound: dict) -> Iterator[tuple[tuple, dict]]:
    if j == len(stages):
        yield (), bound
        return
    stage = stages[j]
    key = getattr(stage, "key", None)
    if key is None:
        for rest, last in _stages(stages, j + 1, plan, bound):
            yield _stage(stage, {}) + rest, last
        return
    for i in range(plan.choices[key].size):
        now = _bind(bound, key, (i,))
        if now is None:
            continue
        made = _stage(stage, {key: (i,)})
        for rest, last in _stages(stages, j + 1, plan, now):
            yield made + rest, last


def _bind(bound: dict, key: str | None, value: tuple[int, ...]) -> dict | None:
    if key is None:
        return bound
    if key in bound:
        return bound if bound[key] == value else None
    return {**bound, key: value}


def _keys(p: Pipeline) -> Iterator[str]:
    src = p.source
    if isinstance(src, Choose):
        if src.key is not None:
            yield src.key
        for c in src.candidates:
            yield from _keys(c)
    elif isinstance(src, Inputs) and src.key is not None:
        yield src.key
    for stage in p.stages:
        if isinstance(stage, (Linear, SetChoice)) and stage.key is not None:
            yield stage.key


def is_depth_node(node: NodePlan) -> bool:
    """Whether a node is an open depth decision (`h = repeat {1, 2} b(...)`)."""
    src = node.pipeline.source
    return isinstance(src, Inputs) and src.mode == DEPTH and src.key is not None


def _union_size(boxes: list[tuple[frozenset, ...]]) -> int:
    """How many tuples the union of `boxes` (each a product of sets) holds."""
    disjoint: list[tuple[frozenset, ...]] = []
    for box in boxes:
        pieces = [box]
        for other in disjoint:
            pieces = [piece for p in pieces for piece in _minus(p, other)]
        disjoint += pieces
    return sum(math.prod(len(s) for s in box) for box in disjoint)


def _minus(box: tuple[frozenset, ...], other: tuple[frozenset, ...]) -> list[tuple]:
    """`box` without `other`, as disjoint boxes."""
    if any(not (a & b) for a, b in zip(box, other, strict=True)):
        return [box]
    out, inside = [], list(box)
    for i, (a, b) in enumerate(zip(box, other, strict=True)):
        rest = a - b
        if rest:
            out.append((*inside[:i], rest, *box[i + 1 :]))
        inside[i] = a & b
    return out


def _upper_bound(plan: Plan) -> int:
    """Every decision's options multiplied: at least the number of architectures."""
    return math.prod(len(options(c.size, c.pick)) for c in plan.choices.values())
