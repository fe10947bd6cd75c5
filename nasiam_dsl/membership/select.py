"""From a space and its decisions to the member they select, written as users write it.

`member_document` writes the plain form of `spaces/standard/*.nas`: a `choose` becomes the
kept candidate's pipeline, a set choice its item (`act{identity}` and `norm{none}` leave
no stage), a width choice its width; a pick of inputs stays `sum(pick 1 of {h1})`.
`visible_keys` says which decisions matter under others: a choice inside a candidate that
a `choose` does not keep, or in a layer past a chosen depth, is hidden.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.reach import DEPTH, hidden_ast_nodes
from nasiam_dsl.lang.walk import ChoiceSite, is_open, node_choices, resolve_set
from nasiam_dsl.membership.forms import EMPTY_CANDIDATES

__all__ = ["member_document", "visible_keys"]

Chosen = Mapping[str, tuple[int, ...]]


def visible_keys(space: ast.Document, decisions: Chosen) -> list[str]:
    """The open decisions of `space` that are not hidden under `decisions`, in walk order.

    A `choose` without a decision hides every choice inside its candidates.
    """
    lets = {let.name: let for let in space.lets}
    seen: dict[str, None] = {}
    for head in space.heads:
        keyed = [
            (node, {id(s.choice): s.key for s in node_choices(head, node) if _open(s, lets)})
            for node in head.nodes
        ]
        for node, keys in keyed:  # a depth decides before the layers it hides
            src = node.expr.source
            if isinstance(src, ast.Combine) and src.mode == DEPTH and id(src) in keys:
                seen.setdefault(keys[id(src)], None)
        hidden = hidden_ast_nodes(head, keyed, decisions)
        for node, _ in keyed:
            if node.name in hidden:
                continue
            keys = {id(s.choice): s.key for s in node_choices(head, node)}
            for choice in _visible(node.expr, keys, decisions, lets):
                seen.setdefault(keys[id(choice)], None)
    return list(seen)


def _open(site: ChoiceSite, lets: dict[str, ast.LetDef]) -> bool:
    return is_open(site.choice, lets)


def _visible(
    p: ast.Pipeline, keys: dict[int, str], decisions: Chosen, lets: dict[str, ast.LetDef]
) -> Iterator[ast.Node]:
    src = p.source
    if isinstance(src, ast.Choose):
        if not is_open(src, lets):
            yield from _visible(src.candidates[0], keys, decisions, lets)
        else:
            yield src
            chosen = decisions.get(keys[id(src)])
            if chosen is not None and 0 <= chosen[0] < len(src.candidates):
                yield from _visible(src.candidates[chosen[0]], keys, decisions, lets)
    elif isinstance(src, ast.Combine) and is_open(src, lets):
        yield src
    for stage in p.stages:
        if isinstance(stage, (ast.ActChoice, ast.NormChoice)) and is_open(stage, lets):
            yield stage
        elif isinstance(stage, ast.Call):
            yield from (
                a for a in stage.args if isinstance(a, ast.WidthChoice) and is_open(a, lets)
            )


def member_document(
    space: ast.Document,
    decisions: Chosen,
    *,
    name: str | None = None,
    meta: Mapping[str, ast.Scalar] | None = None,
) -> ast.Document:
    """The genotype that `decisions` (key -> candidate indices) select in `space`.

    Hidden decisions may be absent; a visible one that is absent raises `KeyError`.
    """
    writer = _Writer(space, decisions)
    lets_by_name = {let.name: let for let in space.lets}
    heads = []
    for head in space.heads:
        keyed = [
            (n, {id(s.choice): s.key for s in node_choices(head, n) if _open(s, lets_by_name)})
            for n in head.nodes
        ]
        hidden = hidden_ast_nodes(head, keyed, decisions)
        nodes = tuple(writer.node(head, n) for n in head.nodes if n.name not in hidden)
        heads.append(head.model_copy(update={"nodes": nodes}))
    entries = {"source_space": space.name, **(meta or {})}
    block = ast.Meta(entries=tuple(ast.MetaEntry(key=k, value=v) for k, v in entries.items()))
    lets = tuple(let for let in space.lets if isinstance(let.value, ast.IntLit))
    return space.model_copy(
        update={
            "kind": "genotype",
            "name": name or f"{space.name}_member",
            "meta": block,
            "lets": lets,
            "heads": tuple(heads),
            "blocks": (),
            "written": None,
            "comments": ast.Comments(),
            "closing": (),
        }
    )


class _Writer:
    def __init__(self, space: ast.Document, decisions: Chosen) -> None:
        self.lets = {let.name: let for let in space.lets}
        self.decisions = decisions
        self.keys: dict[int, str] = {}

    def node(self, head: ast.Head, node: ast.NodeDef) -> ast.NodeDef:
        self.keys = {id(s.choice): s.key for s in node_choices(head, node)}
        return node.model_copy(update={"expr": self.pipeline(node.expr)})

    def index(self, choice: ast.Node) -> tuple[int, ...]:
        if not is_open(choice, self.lets):  # type: ignore[arg-type]
            return (0,)
        return tuple(self.decisions[self.keys[id(choice)]])

    def pipeline(self, p: ast.Pipeline) -> ast.Pipeline:
        stages = tuple(s for stage in p.stages for s in self.stage(stage))
        src = p.source
        if isinstance(src, ast.Choose):
            kept = self.pipeline(src.candidates[self.index(src)[0]])
            return ast.Pipeline(source=kept.source, stages=kept.stages + stages)
        if isinstance(src, ast.Combine) and src.pick is not None:
            picked = self.index(src) if is_open(src, self.lets) else range(src.pick)
            inputs = tuple(src.inputs[i].model_copy(update={"prob": None}) for i in picked)
            src = ast.Combine(mode=src.mode, inputs=inputs, pick=len(inputs))
        return ast.Pipeline(source=src, stages=stages)

    def stage(self, s: ast.Stage) -> tuple[ast.Stage, ...]:
        if isinstance(s, (ast.ActChoice, ast.NormChoice)):
            item = resolve_set(s.options, self.lets)[self.index(s)[0]]
            kind = "act" if isinstance(s, ast.ActChoice) else "norm"
            if not isinstance(item, ast.Term) or item.name == EMPTY_CANDIDATES[kind]:
                return ()
            return (ast.Call(name=item.name, args=item.kwargs),)
        args: list[ast.Argument] = []
        for a in s.args:
            if isinstance(a, ast.WidthChoice):
                item = resolve_set(a.options, self.lets)[self.index(a)[0]]
                if isinstance(item, ast.IntLit):
                    a = ast.IntLit(value=item.value)
                else:
                    a = ast.WidthName(name=item.name)
            args.append(a)
        return (s.model_copy(update={"args": tuple(args)}),)
