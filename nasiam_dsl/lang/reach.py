"""Which nodes a depth decision hides: the layers past the chosen depth.

`h = repeat {1, 2, 3} b(x)` expands to layers `h1..h3` and `h = depth(pick 1 of {h1, h2,
h3})`. Choosing depth 2 leaves `h3` (and whatever only `h3` reads) out of the architecture,
so the decisions inside it are hidden, as those inside an unchosen candidate of `choose`
are: any value of them builds the same heads. A node is hidden when the head's output
reaches it with every input read, but not once each depth decision reads only its chosen
layer. Other picks hide nothing (as before depth existed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.plan import Choose, HeadPlan, Inputs, Pipeline, Ref
from nasiam_dsl.lang.walk import keyed_node

__all__ = ["Reads", "depth_keys", "hidden_ast_nodes", "hidden_nodes"]

DEPTH = "depth"
Chosen = Mapping[str, tuple[int, ...]]


@dataclass(frozen=True)
class Reads:
    """What one node reads: always (`fixed`), and through its depth decisions (key, names)."""

    name: str
    fixed: tuple[str, ...]
    depths: tuple[tuple[str, tuple[str, ...]], ...] = ()


def _reach(nodes: Sequence[Reads], output: str, chosen: Chosen | None) -> set[str]:
    by_name = {n.name: n for n in nodes}
    seen: set[str] = set()
    todo = [output]
    while todo:
        name = todo.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        node = by_name[name]
        todo += node.fixed
        for key, names in node.depths:
            if chosen is None or key not in chosen:
                todo += names
            else:
                todo += [names[i] for i in chosen[key] if 0 <= i < len(names)]
    return seen


def _hidden(nodes: Sequence[Reads], chosen: Chosen) -> frozenset[str]:
    if not nodes or not any(n.depths for n in nodes):
        return frozenset()
    output = nodes[-1].name
    return frozenset(_reach(nodes, output, None) - _reach(nodes, output, chosen))


# ---- plans (ranking, sampling) --------------------------------------------------------------


def _plan_reads(p: Pipeline, fixed: list[str], depths: list[tuple[str, tuple[str, ...]]]) -> None:
    src = p.source
    if isinstance(src, Ref):
        fixed.append(src.name)
    elif isinstance(src, Inputs):
        if src.mode == DEPTH and src.key is not None:
            depths.append((src.key, src.names))
        else:
            fixed.extend(src.names)
    elif isinstance(src, Choose):
        for cand in src.candidates:
            _plan_reads(cand, fixed, depths)


def _plan_nodes(head: HeadPlan) -> list[Reads]:
    out = []
    for node in head.nodes:
        fixed: list[str] = []
        depths: list[tuple[str, tuple[str, ...]]] = []
        _plan_reads(node.pipeline, fixed, depths)
        out.append(Reads(node.name, tuple(fixed), tuple(depths)))
    return out


def depth_keys(head: HeadPlan) -> list[str]:
    """The depth decisions of a head, in node order (they decide before what they hide)."""
    return [key for n in _plan_nodes(head) for key, _ in n.depths]


def hidden_nodes(head: HeadPlan, chosen: Chosen) -> frozenset[str]:
    """Nodes of a planned head that the chosen depths leave out (see module docs)."""
    return _hidden(_plan_nodes(head), chosen)


# ---- documents (membership) -----------------------------------------------------------------


def _ast_reads(node: ast.NodeDef) -> Reads:
    fixed: list[str] = []
    depths: list[tuple[str, tuple[str, ...]]] = []

    def walk(q: ast.Pipeline) -> None:
        src = q.source
        if isinstance(src, ast.Ref):
            fixed.append(src.name)
        elif isinstance(src, ast.Combine):
            names = tuple(r.name for r in src.inputs)
            is_open = src.pick is not None and src.pick < len(names)
            if src.mode == DEPTH and src.key is not None and is_open:
                depths.append((src.key, names))
            else:
                fixed.extend(names)
        else:
            for cand in src.candidates:
                walk(cand)

    walk(node.expr)
    return Reads(node.name, tuple(fixed), tuple(depths))


def hidden_ast_nodes(head: ast.Head, chosen: Chosen) -> frozenset[str]:
    """`hidden_nodes` for a head of a document (its choices keyed, `walk.keyed`)."""
    if not head.nodes:
        return frozenset()
    return _hidden([_ast_reads(keyed_node(head.name, n)) for n in head.nodes], chosen)
