"""Walks over the choices of a document, in one order that every room shares.

Every open choice gets a stable key named after the DSL: `head.node.kind`
(`projector.h2.op`, `predictor.h.width`), numbered when a node has several of one
kind (`projector.h2.act`, `projector.h2.act2`), or `shared.LABEL` when labelled, so
that choices with the same label share one decision.

Numbering is by depth, then document order: first the choices of the node's own pipeline
(depth 0), then those inside the candidates of its op choices (depth 1), then those inside
their candidates, and so on. So a key never depends on what an op choice's candidates hold:
in `h = choose(linear(x, 8) | act{relu, elu}, identity(x)) | act{relu, gelu}` the outer
activation is `h.act` and the one inside the first candidate `h.act2`, in the space and in
every genotype derived from it (which keeps one candidate). The one key that can still
differ is that of a choice inside a candidate when an earlier candidate of the same op
choice holds a choice of the same kind (a genotype keeps neither the earlier candidate nor
its number); membership (`membership.member_decisions`, which weight transfer and the margins
read) matches a genotype to its space by structure, not by key, for that reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Union

from nasiam_dsl.lang import ast

ChoiceNode = Union[ast.Choose, ast.Combine, ast.ActChoice, ast.NormChoice, ast.WidthChoice]

KIND_OF = {
    ast.Choose: "op",
    ast.Combine: "inputs",
    ast.ActChoice: "act",
    ast.NormChoice: "norm",
    ast.WidthChoice: "width",
}


DEPTH = "depth"


def kind_of(choice: ChoiceNode) -> str:
    """A choice's key kind: `op`, `inputs`, `act`, `norm`, `width`, or `depth` for the
    `depth(pick 1 of {...})` that `repeat {1, 2, 3} BLOCK(...)` expands to."""
    if isinstance(choice, ast.Combine) and choice.mode == DEPTH:
        return DEPTH
    return KIND_OF[type(choice)]


@dataclass(frozen=True)
class ChoiceSite:
    """One choice in a document: its decision key and where it sits."""

    key: str
    kind: str
    choice: ChoiceNode
    head: ast.Head
    node: ast.NodeDef


def choice_key(head: str, node: str, kind: str, ordinal: int, label: str | None) -> str:
    if label is not None:
        return f"shared.{label}"
    return f"{head}.{node}.{kind}" + (str(ordinal) if ordinal > 1 else "")


def pipeline_choices(p: ast.Pipeline) -> Iterator[ChoiceNode]:
    """Choice nodes of a pipeline, pre-order, left to right (candidates included)."""
    for choice, _ in _choices(p, 0):
        yield choice


def _choices(p: ast.Pipeline, depth: int) -> Iterator[tuple[ChoiceNode, int]]:
    """`pipeline_choices` with each choice's depth (how many candidates enclose it)."""
    src = p.source
    if isinstance(src, ast.Choose):
        yield src, depth
        for cand in src.candidates:
            yield from _choices(cand, depth + 1)
    elif isinstance(src, ast.Combine) and src.pick is not None:
        yield src, depth
    for stage in p.stages:
        if isinstance(stage, (ast.ActChoice, ast.NormChoice)):
            yield stage, depth
        elif isinstance(stage, ast.Call):
            for arg in stage.args:
                if isinstance(arg, ast.WidthChoice):
                    yield arg, depth


def _keys(head: str, node: ast.NodeDef) -> list[str]:
    """The keys of a node's choices, in pre-order (see module docs)."""
    found = list(_choices(node.expr, 0))
    keys: list[str] = [""] * len(found)
    counts: dict[str, int] = {}
    for i in sorted(range(len(found)), key=lambda i: found[i][1]):  # by depth, then order
        choice = found[i][0]
        kind = kind_of(choice)
        counts[kind] = counts.get(kind, 0) + 1
        keys[i] = choice_key(head, node.name, kind, counts[kind], choice.label)
    return keys


def _stamped(p: ast.Pipeline, keys: Iterator[str]) -> ast.Pipeline:
    """`p` rebuilt with each choice carrying its key, consumed in `_choices`' order. Every
    place gets a node of its own, so choices that read alike (copies made by `each`, `* N`
    or a block parameter used twice) are separate objects with separate keys."""
    src = p.source
    if isinstance(src, ast.Choose):
        key = next(keys)
        cands = tuple(_stamped(c, keys) for c in src.candidates)
        src = src.model_copy(update={"key": key, "candidates": cands})
    elif isinstance(src, ast.Combine) and src.pick is not None:
        src = src.model_copy(update={"key": next(keys)})
    stages: list[ast.Stage] = []
    for stage in p.stages:
        if isinstance(stage, (ast.ActChoice, ast.NormChoice)):
            stage = stage.model_copy(update={"key": next(keys)})
        elif isinstance(stage, ast.Call):
            args = tuple(
                a.model_copy(update={"key": next(keys)}) if isinstance(a, ast.WidthChoice) else a
                for a in stage.args
            )
            stage = stage.model_copy(update={"args": args})
        stages.append(stage)
    return p.model_copy(update={"source": src, "stages": tuple(stages)})


def keyed_node(head: str, node: ast.NodeDef) -> ast.NodeDef:
    """`node` with every choice's `key` set: the one identity of a decision."""
    keys = iter(_keys(head, node))
    return node.model_copy(update={"expr": _stamped(node.expr, keys)})


def keyed_heads(heads: tuple[ast.Head, ...]) -> tuple[ast.Head, ...]:
    return tuple(
        head.model_copy(update={"nodes": tuple(keyed_node(head.name, n) for n in head.nodes)})
        for head in heads
    )


def keyed(doc: ast.Document) -> ast.Document:
    """`doc` with every choice of its (plain) heads carrying its decision key. Every
    document the parser returns and every genotype a tool writes is keyed; keying again
    gives the same keys."""
    return doc.model_copy(update={"heads": keyed_heads(doc.heads)})


def node_choices(head: ast.Head, node: ast.NodeDef) -> list[ChoiceSite]:
    """The choices of one node in pre-order, keyed as the module docs say (`site.choice`
    is the keyed choice: `site.choice.key == site.key`)."""
    node = keyed_node(head.name, node)
    return [
        ChoiceSite(choice.key, kind_of(choice), choice, head, node)  # type: ignore[arg-type]
        for choice, _ in _choices(node.expr, 0)
    ]


def iter_choices(doc: ast.Document) -> Iterator[ChoiceSite]:
    for head in doc.heads:
        for node in head.nodes:
            yield from node_choices(head, node)


def resolve_set(options: ast.SetExpr, lets: dict[str, ast.LetDef]) -> tuple[ast.SetItem, ...]:
    """The items of a set literal, or of the `let` set it names (empty if unknown)."""
    if isinstance(options, ast.SetLiteral):
        return options.items
    let = lets.get(options.name)
    if let is None or not isinstance(let.value, ast.SetLiteral):
        return ()
    return let.value.items


def keeps(choice: ChoiceNode) -> int:
    """How many candidates one decision of `choice` keeps: k for `pick k of {...}`, else 1."""
    return choice.pick if isinstance(choice, ast.Combine) and choice.pick else 1


def candidate_count(choice: ChoiceNode, lets: dict[str, ast.LetDef]) -> int:
    if isinstance(choice, ast.Choose):
        return len(choice.candidates)
    if isinstance(choice, ast.Combine):
        return len(choice.inputs)
    return len(resolve_set(choice.options, lets))


def is_open(choice: ChoiceNode, lets: dict[str, ast.LetDef]) -> bool:
    """A choice is open when it still has more than one way to go."""
    if isinstance(choice, ast.Combine):
        return choice.pick is not None and choice.pick < len(choice.inputs)
    return candidate_count(choice, lets) > 1
