"""Every member of a space: its visible decisions, its plain genotype, its text and cost.

Decision keys follow docs/language.md ("Choice keys"): in each plain node, its choices in
pre-order (an op choice before its candidates' choices, then the stages left to right) are
ordered by how many candidates enclose them, then numbered per kind from the second on
(`projector.h.act`, `projector.h.act2`); a labelled choice is `shared.LABEL`. A choice is a
decision when it is open (more than one candidate; a pick of fewer than all its inputs).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.same import architecture_text
from nasiam_dsl.reference.cost import Cost, head_costs, satisfies
from nasiam_dsl.reference.expand import plain_heads

__all__ = ["Member", "TooManyMembers", "architectures", "enumerate_members"]

Value = tuple[int, ...]  # the chosen candidate indices: one, or the sorted picks
Path = tuple[Any, ...]
NO_STAGE = {"act": "identity", "norm": "none"}


@dataclass(frozen=True)
class Member:
    """One visible decision vector and what it builds."""

    decisions: dict[str, Value]
    document: ast.Document
    text: str
    costs: dict[str, Cost]
    feasible: bool  # keeps every constraint of the space


@dataclass(frozen=True)
class _Choice:
    key: str
    open: bool


def _sites(p: ast.Pipeline, path: Path, depth: int) -> Iterator[tuple[Path, ast.Node, int]]:
    src = p.source
    if isinstance(src, ast.Choose):
        yield (*path, "source"), src, depth
        for i, c in enumerate(src.candidates):
            yield from _sites(c, (*path, "source", i), depth + 1)
    elif isinstance(src, ast.Combine) and src.pick is not None:
        yield (*path, "source"), src, depth
    for j, stage in enumerate(p.stages):
        if isinstance(stage, (ast.ActChoice, ast.NormChoice)):
            yield (*path, "stage", j), stage, depth
        elif isinstance(stage, ast.Call):
            for k, arg in enumerate(stage.args):
                if isinstance(arg, ast.WidthChoice):
                    yield (*path, "stage", j, k), arg, depth


def _kind(choice: ast.Node) -> str:
    if isinstance(choice, ast.Choose):
        return "op"
    if isinstance(choice, ast.Combine):
        return "depth" if choice.mode == "depth" else "inputs"
    return {ast.ActChoice: "act", ast.NormChoice: "norm", ast.WidthChoice: "width"}[type(choice)]


class _Space:
    def __init__(self, doc: ast.Document, backbone_dim: int) -> None:
        self.doc = doc
        self.backbone_dim = backbone_dim
        self.lets = {let.name: let for let in doc.lets}
        self.heads = plain_heads(doc)
        self.keys: dict[tuple[str, str], dict[Path, _Choice]] = {}
        for head, nodes in self.heads:
            for node in nodes:
                self.keys[(head.name, node.name)] = self.node_keys(head.name, node)

    def items(self, options: ast.SetExpr) -> tuple[ast.SetItem, ...]:
        if isinstance(options, ast.SetRef):
            return self.lets[options.name].value.items  # type: ignore[union-attr]
        return options.items

    def size(self, choice: ast.Node) -> int:
        if isinstance(choice, ast.Choose):
            return len(choice.candidates)
        if isinstance(choice, ast.Combine):
            return len(choice.inputs)
        return len(self.items(choice.options))  # type: ignore[attr-defined]

    def node_keys(self, head: str, node: ast.NodeDef) -> dict[Path, _Choice]:
        found = list(_sites(node.expr, (), 0))
        counts: dict[str, int] = {}
        keys: dict[Path, _Choice] = {}
        for path, choice, _ in sorted(found, key=lambda site: site[2]):
            kind = _kind(choice)
            counts[kind] = counts.get(kind, 0) + 1
            n = counts[kind]
            label = getattr(choice, "label", None)
            key = (
                f"shared.{label}"
                if label
                else f"{head}.{node.name}.{kind}" + (str(n) if n > 1 else "")
            )
            if isinstance(choice, ast.Combine):
                is_open = choice.pick is not None and choice.pick < len(choice.inputs)
            else:
                is_open = self.size(choice) > 1
            keys[path] = _Choice(key, is_open)
        return keys

    # ---- hidden layers ------------------------------------------------------------------
    def depth_choices(
        self, head: str, nodes: list[ast.NodeDef]
    ) -> dict[str, tuple[str, ast.Combine]]:
        """node name -> (its depth decision's key, the depth combine), open ones only."""
        out = {}
        for node in nodes:
            src = node.expr.source
            if isinstance(src, ast.Combine) and src.mode == "depth":
                choice = self.keys[(head, node.name)][("source",)]
                if choice.open:
                    out[node.name] = (choice.key, src)
        return out

    def reads(self, p: ast.Pipeline) -> list[str]:
        src = p.source
        if isinstance(src, ast.Ref):
            return [src.name]
        if isinstance(src, ast.Combine):
            return [r.name for r in src.inputs]
        return [name for c in src.candidates for name in self.reads(c)]

    def visible_nodes(
        self, head: ast.Head, nodes: list[ast.NodeDef]
    ) -> Iterator[tuple[dict[str, tuple[int]], list[ast.NodeDef]]]:
        """Each assignment of the depth decisions that decide, with the nodes left visible:
        a node is hidden when the output reaches it reading every input, but not reading
        only the chosen layer of each depth decision."""
        depths = self.depth_choices(head.name, nodes)
        by_name = {n.name: n for n in nodes}
        output = nodes[-1].name

        def reach(todo: list[str], seen: frozenset[str], chosen: dict[str, int]) -> Iterator:
            todo = list(todo)
            seen = set(seen)
            while todo:
                name = todo.pop()
                if name in seen or name not in by_name:
                    continue
                seen.add(name)
                if name in depths:
                    key, combine = depths[name]
                    if key not in chosen:
                        for i, ref in enumerate(combine.inputs):
                            now = {**chosen, key: (i,)}
                            yield from reach([*todo, ref.name], frozenset(seen), now)
                        return
                    todo.append(combine.inputs[chosen[key][0]].name)
                else:
                    todo += self.reads(by_name[name].expr)
            yield chosen, seen

        full: set[str] = set()
        todo = [output]
        while todo:
            name = todo.pop()
            if name in full or name not in by_name:
                continue
            full.add(name)
            todo += self.reads(by_name[name].expr)
        for chosen, seen in reach([output], frozenset(), {}):
            hidden = full - seen
            yield chosen, [n for n in nodes if n.name not in hidden]

    # ---- a node's ways -----------------------------------------------------------------
    def ways(
        self, p: ast.Pipeline, path: Path, keys: dict[Path, _Choice], bound: dict[str, Value]
    ) -> Iterator[tuple[ast.Pipeline, dict[str, Value]]]:
        """Each way through a pipeline that agrees with `bound`, as a plain pipeline."""
        src = p.source
        if isinstance(src, ast.Choose):
            choice = keys[(*path, "source")]
            for i in range(len(src.candidates)) if choice.open else (0,):
                now = _bind(bound, choice, (i,))
                if now is None:
                    continue
                for cand, after in self.ways(src.candidates[i], (*path, "source", i), keys, now):
                    for stages, last in self.stages(p.stages, path, keys, after):
                        yield ast.Pipeline(source=cand.source, stages=cand.stages + stages), last
            return
        sources: list[tuple[ast.Ref | ast.Combine, dict[str, Value]]] = []
        if isinstance(src, ast.Combine) and src.pick is not None:
            choice = keys[(*path, "source")]
            n = len(src.inputs)
            for picked in combinations(range(n), src.pick) if choice.open else (tuple(range(n)),):
                now = _bind(bound, choice, picked)
                if now is not None:
                    inputs = tuple(ast.Ref(name=src.inputs[i].name) for i in picked)
                    sources.append((ast.Combine(mode=src.mode, inputs=inputs, pick=src.pick), now))
        elif isinstance(src, ast.Combine):
            inputs = tuple(ast.Ref(name=r.name) for r in src.inputs)
            sources.append((ast.Combine(mode=src.mode, inputs=inputs), bound))
        else:
            sources.append((ast.Ref(name=src.name), bound))
        for source, now in sources:
            for stages, last in self.stages(p.stages, path, keys, now):
                yield ast.Pipeline(source=source, stages=stages), last

    def stages(
        self, stages: tuple[ast.Stage, ...], path: Path, keys: dict[Path, _Choice], bound: dict
    ) -> Iterator[tuple[tuple[ast.Call, ...], dict[str, Value]]]:
        def go(j: int, done: tuple[ast.Call, ...], now: dict) -> Iterator:
            if j == len(stages):
                yield done, now
                return
            stage = stages[j]
            if isinstance(stage, (ast.ActChoice, ast.NormChoice)):
                choice = keys[(*path, "stage", j)]
                kind = "act" if isinstance(stage, ast.ActChoice) else "norm"
                items = self.items(stage.options)
                for i in range(len(items)) if choice.open else (0,):
                    after = _bind(now, choice, (i,))
                    if after is None:
                        continue
                    item = items[i]
                    assert isinstance(item, ast.Term)
                    call = (
                        ()
                        if item.name == NO_STAGE[kind]
                        else (ast.Call(name=item.name, args=item.kwargs),)
                    )
                    yield from go(j + 1, done + call, after)
                return
            assert isinstance(stage, ast.Call), "no `each` outside a candidate after expansion"
            k = next((k for k, a in enumerate(stage.args) if isinstance(a, ast.WidthChoice)), None)
            if k is None:
                yield from go(j + 1, (*done, stage), now)
                return
            choice = keys[(*path, "stage", j, k)]
            items = self.items(stage.args[k].options)  # type: ignore[union-attr]
            for i in range(len(items)) if choice.open else (0,):
                after = _bind(now, choice, (i,))
                if after is None:
                    continue
                width = ast.IntLit(value=items[i].value)  # type: ignore[union-attr]
                args = (*stage.args[:k], width, *stage.args[k + 1 :])
                yield from go(j + 1, (*done, stage.model_copy(update={"args": args})), after)

        yield from go(0, (), bound)

    # ---- members ------------------------------------------------------------------------
    def members(self) -> Iterator[Member]:
        per_head = [(head, list(self.visible_nodes(head, nodes))) for head, nodes in self.heads]

        def heads_from(h: int, bound: dict, done: list) -> Iterator[tuple[list, dict]]:
            if h == len(per_head):
                yield done, bound
                return
            head, options = per_head[h]
            for chosen, nodes in options:
                for made, after in self.nodes_from(head, nodes, 0, {**bound, **chosen}, []):
                    yield from heads_from(h + 1, after, [*done, (head, made)])

        for heads, decisions in heads_from(0, {}, []):
            yield self.member(heads, decisions)

    def nodes_from(
        self, head: ast.Head, nodes: list[ast.NodeDef], i: int, bound: dict, done: list
    ) -> Iterator[tuple[list[ast.NodeDef], dict]]:
        if i == len(nodes):
            yield done, bound
            return
        node = nodes[i]
        keys = self.keys[(head.name, node.name)]
        for plain, after in self.ways(node.expr, (), keys, bound):
            made = ast.NodeDef(name=node.name, expr=plain)
            yield from self.nodes_from(head, nodes, i + 1, after, [*done, made])

    def member(self, heads: list[tuple[ast.Head, list[ast.NodeDef]]], decisions: dict) -> Member:
        plain_heads_ = tuple(
            head.model_copy(
                update={"nodes": tuple(nodes), "comments": ast.Comments(), "closing": ()}
            )
            for head, nodes in heads
        )
        document = ast.Document(
            kind="genotype",
            name=f"{self.doc.name}_member",
            framework=self.doc.framework,
            heads=plain_heads_,
            lets=tuple(let for let in self.doc.lets if isinstance(let.value, ast.IntLit)),
        )
        costs = head_costs(heads, self.lets, self.backbone_dim)
        feasible = all(satisfies(costs, c) for c in self.doc.constraints)
        return Member(dict(decisions), document, architecture_text(document), costs, feasible)


def _bind(bound: dict[str, Value], choice: _Choice, value: Value) -> dict[str, Value] | None:
    """`bound` with an open choice's decision taken; None when a label already took another."""
    if not choice.open:
        return bound
    if choice.key in bound:
        return bound if bound[choice.key] == value else None
    return {**bound, choice.key: value}


class TooManyMembers(ValueError):
    """The space has more members than the enumeration was allowed to list."""


def enumerate_members(doc: ast.Document, backbone_dim: int, limit: int = 10_000) -> list[Member]:
    """Every member of a valid space (each visible decision vector once), in a fixed order;
    `TooManyMembers` past `limit`."""
    found = []
    for member in _Space(doc, backbone_dim).members():
        found.append(member)
        if len(found) > limit:
            raise TooManyMembers(f"more than {limit:,} members")
    return found


def architectures(members: list[Member]) -> dict[str, list[Member]]:
    """The distinct architectures among `members`: text -> the members that build it."""
    out: dict[str, list[Member]] = {}
    for member in members:
        out.setdefault(member.text, []).append(member)
    return out
