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
from nasiam_dsl.lang.walk import is_open, node_choices
from nasiam_dsl.membership.write import Chosen, PlainWriter, open_choice_keys, written_genotype

__all__ = ["member_document", "visible_keys"]


def visible_keys(space: ast.Document, decisions: Chosen) -> list[str]:
    """The open decisions of `space` that are not hidden under `decisions`, in walk order.

    A `choose` without a decision hides every choice inside its candidates.
    """
    lets = {let.name: let for let in space.lets}
    seen: dict[str, None] = {}
    for head in space.heads:
        keyed = open_choice_keys(head, lets)
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
    return written_genotype(
        space,
        PlainWriter(space, decisions).heads(),
        name=name or f"{space.name}_member",
        entries={"source_space": space.name, **(meta or {})},
        lets=tuple(let for let in space.lets if isinstance(let.value, ast.IntLit)),
    )
