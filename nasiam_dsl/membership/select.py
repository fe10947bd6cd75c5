"""From a space and its decisions to the member they select, written as users write it.

`member_document` writes the plain form of `spaces/standard/*.nas` (`write.PlainWriter`): a
`choose` becomes the kept candidate's pipeline, a set choice its item (`act{identity}` and
`norm{none}` leave no stage), a width choice its width; a pick stays `sum(pick 1 of {h1})`.
`visible_keys` says which decisions matter under others: a choice inside a candidate that
a `choose` does not keep, or in a layer past a chosen depth, is hidden.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.reach import DEPTH, hidden_ast_nodes
from nasiam_dsl.lang.walk import ChoiceNode, is_open, keyed
from nasiam_dsl.membership.write import Chosen, PlainWriter, written_genotype

__all__ = ["member_document", "visible_keys"]


def visible_keys(space: ast.Document, decisions: Chosen) -> list[str]:
    """The open decisions of `space` that are not hidden under `decisions`, in walk order.

    A `choose` without a decision hides every choice inside its candidates.
    """
    space = keyed(space)
    lets = {let.name: let for let in space.lets}
    seen: dict[str, None] = {}
    for head in space.heads:
        hidden = hidden_ast_nodes(head, decisions)
        for node in reversed(head.nodes):  # a depth decides before the layers it hides
            src = node.expr.source
            if node.name in hidden or not isinstance(src, ast.Combine):
                continue
            if src.mode == DEPTH and is_open(src, lets):
                seen.setdefault(src.key, None)  # type: ignore[arg-type]
        for node in head.nodes:
            if node.name not in hidden:
                for choice in _visible(node.expr, decisions, lets):
                    seen.setdefault(choice.key, None)  # type: ignore[arg-type]
    return list(seen)


def _visible(
    p: ast.Pipeline, decisions: Chosen, lets: dict[str, ast.LetDef]
) -> Iterator[ChoiceNode]:
    src = p.source
    if isinstance(src, ast.Choose):
        if not is_open(src, lets):
            yield from _visible(src.candidates[0], decisions, lets)
        else:
            yield src
            chosen = decisions.get(src.key)  # type: ignore[arg-type]
            if chosen is not None and 0 <= chosen[0] < len(src.candidates):
                yield from _visible(src.candidates[chosen[0]], decisions, lets)
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
    return written_genotype(
        space,
        PlainWriter(space, decisions).heads(),
        name=name or f"{space.name}_member",
        entries={"source_space": space.name, **(meta or {})},
        lets=tuple(let for let in space.lets if isinstance(let.value, ast.IntLit)),
    )
