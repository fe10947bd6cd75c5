"""Finding the member a genotype is: one alignment per node, every label decided one way.

Each node of the genotype is aligned with the space's node of the same name in every way
that fits exactly (`align.NodeAligner`): an op choice with equal candidates, a candidate
that shares a stage with another, or a labelled choice that one way decides and another
leaves hidden give several. A depth-first search then picks one alignment per node so that
every decision shared by several nodes (a label) takes one value, and the nodes the genotype
leaves out are exactly the layers past the depths it chose. Ways are tried in order of
`prefer` (a log-probability of a node's decisions: the most probable first), else in the
space's candidate order, so among equal candidates the first is the decision.

`find_member` answers None when no such choice exists; `check.py` then explains why.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.reach import hidden_ast_nodes
from nasiam_dsl.membership.align import ATTEMPTS_PER_PATH, NodeAligner
from nasiam_dsl.membership.forms import Scope
from nasiam_dsl.membership.paths import genotype_path, space_paths

__all__ = ["MAX_STEPS", "find_member", "most_probable"]

Decisions = dict[str, tuple[int, ...]]
Prefer = Callable[[Mapping[str, tuple[int, ...]]], float]
MAX_STEPS = 100_000  # search steps before the answer is "not found"


def most_probable(logp: Mapping[str, Sequence[float]]) -> Prefer:
    """Rank a node's ways by their log probability under `logp` (key -> each candidate's
    log probability): among equal ways, the one a search scores best comes first."""

    def prefer(way: Mapping[str, tuple[int, ...]]) -> float:
        return math.fsum(logp[k][i] for k, chosen in way.items() if k in logp for i in chosen)

    return prefer


def find_member(
    genotype: ast.Document,
    space: ast.Document,
    g_scope: Scope,
    s_scope: Scope,
    prefer: Prefer | None = None,
) -> Decisions | None:
    """The visible decisions of the member `genotype` is, or None (see module docs).

    `space` is keyed (`walk.keyed`).
    """
    g_heads = {h.name: h for h in genotype.heads}
    if set(g_heads) != {h.name for h in space.heads}:
        return None
    slots: list[list[Decisions]] = []
    for s_head in space.heads:
        g_head = g_heads[s_head.name]
        if g_head.source != s_head.source or not g_head.nodes:
            return None
        g_nodes = {n.name: n for n in g_head.nodes}
        s_names = [n.name for n in s_head.nodes]
        if not set(g_nodes) <= set(s_names) or g_head.nodes[-1].name != s_names[-1]:
            return None
        if [n.name for n in g_head.nodes] != [n for n in s_names if n in g_nodes]:
            return None
        aligner = NodeAligner(s_scope, lambda pos: "", {g_head.input: s_head.input})
        for s_node in s_head.nodes:
            if s_node.name in g_nodes:
                ways = _ways(aligner, g_nodes[s_node.name], s_node, g_scope)
                if not ways:
                    return None
                if prefer is not None:
                    ways.sort(key=prefer, reverse=True)
                slots.append(ways)
    present = {h.name: {n.name for n in g_heads[h.name].nodes} for h in space.heads}
    steps = 0

    def search(i: int, decided: Decisions) -> Decisions | None:
        nonlocal steps
        steps += 1
        if steps > MAX_STEPS:
            return None
        if i == len(slots):
            return decided if _leaves_out_the_hidden(space, present, decided) else None
        for way in slots[i]:
            if all(decided.get(k, v) == v for k, v in way.items()):
                found = search(i + 1, {**decided, **way})
                if found is not None:
                    return found
        return None

    return search(0, {})


def _ways(
    aligner: NodeAligner, g_node: ast.NodeDef, s_node: ast.NodeDef, g_scope: Scope
) -> list[Decisions]:
    """Every exact alignment of one node, as its decisions (each once)."""
    path = genotype_path(g_node.expr, g_scope)
    if path.open:
        return []
    found: list[Decisions] = []
    for s_path in space_paths(s_node.expr):
        for n, attempt in enumerate(aligner.attempts(s_path, path.source, path.stages, {})):
            if not attempt.problems:
                way = {k: d.value for k, d in attempt.decided.items()}
                if way not in found:
                    found.append(way)
            if n >= ATTEMPTS_PER_PATH:
                break
    return found


def _leaves_out_the_hidden(
    space: ast.Document, present: dict[str, set[str]], decided: Decisions
) -> bool:
    """The genotype has every node its depths keep, and none past them."""
    for head in space.heads:
        hidden = hidden_ast_nodes(head, decided)
        kept = {n.name for n in head.nodes} - hidden
        if present[head.name] != kept:
            return False
    return True
