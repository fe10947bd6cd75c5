"""Is a genotype a member of a space? Heads by name, nodes by name, each node aligned.

A genotype is a member when every head and node of the space is there with the same
names (and no others; a layer past a depth it chose is left out), each node is one of the
space's ways through that node (one candidate per `choose`, one item per set choice, one
allowed pick of inputs) and every labelled decision takes one value everywhere: the member
is found by a search over the nodes' alignments (`search.py`); when there is none, every
mismatch is explained node by node. Probabilities, meta, lets, comments and
constraints are not compared; widths compare by value (`let` names resolved, `backbone`
a symbol of its own unless `backbone_dim` is given). Among equal candidates of one
choice (the seed space has them) the first is the decision. Decisions hidden by another
(a choice inside a candidate not taken) are at 0, as everywhere in nasiam.

Nothing is built and no tensor is allocated: the check walks the two syntax trees.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.reach import hidden_ast_nodes
from nasiam_dsl.lang.walk import is_open, keeps, keyed, node_choices
from nasiam_dsl.membership.align import ATTEMPTS_PER_PATH, Attempt, Decided, NodeAligner
from nasiam_dsl.membership.forms import Scope
from nasiam_dsl.membership.paths import (
    GenotypePath,
    genotype_path,
    path_text,
    pipeline_text,
    space_paths,
)
from nasiam_dsl.membership.result import Decisions, Membership, Mismatch
from nasiam_dsl.membership.search import Prefer, find_member, most_probable
from nasiam_dsl.membership.select import visible_keys

__all__ = ["member_decisions", "membership"]


def membership(
    genotype: ast.Document,
    space: ast.Document,
    *,
    space_file: str | Path = "<space>",
    backbone_dim: int | None = None,
    prefer: Prefer | None = None,
) -> Membership:
    """Check `genotype` against `space`: the member's decisions, or every mismatch.

    `space_file` names the space in messages (`spaces/x.nas:12:8`); render the result
    with both sources for carets under both files' lines. Where several decision vectors
    build the genotype (equal candidates), `prefer` ranks a node's ways (`search.py`).
    """
    keyed_space = keyed(space)
    g_scope, s_scope = Scope.of(genotype, backbone_dim), Scope.of(space, backbone_dim)
    found = find_member(genotype, keyed_space, g_scope, s_scope, prefer)
    if found is not None:
        return Membership(_with_hidden(keyed_space, found, s_scope.lets))
    return _Check(genotype, space, str(space_file), backbone_dim).run()


def member_decisions(
    genotype: ast.Document,
    space: ast.Document,
    *,
    logp: Mapping[str, Sequence[float]] | None = None,
    backbone_dim: int | None = None,
) -> Decisions | None:
    """The visible decisions of the member `genotype` is, or None when it is not one.

    Where equal candidates give several ways, the most probable under `logp` (key -> each
    candidate's log probability) wins, else the first in the space's order.
    """
    prefer = most_probable(logp) if logp is not None else None
    found = membership(genotype, space, backbone_dim=backbone_dim, prefer=prefer)
    if not found.ok:
        return None
    return {k: found.decisions[k] for k in visible_keys(space, found.decisions)}


class _Check:
    def __init__(
        self, genotype: ast.Document, space: ast.Document, space_file: str, dim: int | None
    ) -> None:
        self.genotype = genotype
        self.space = keyed(space)
        self.space_file = space_file
        self.g_scope = Scope.of(genotype, dim)
        self.s_scope = Scope.of(space, dim)
        self.decided: dict[str, Decided] = {}
        self.mismatches: list[Mismatch] = []

    def where(self, pos: ast.Pos | None) -> str:
        if pos is None:
            return self.space_file
        return f"{self.space_file}:{pos.line}:{pos.column}"

    def add(self, kind, message, g_pos, s_pos, hint=None) -> None:
        self.mismatches.append(Mismatch(kind, message, g_pos, s_pos, hint))

    def run(self) -> Membership:
        g_heads = {h.name: h for h in self.genotype.heads}
        s_heads = {h.name: h for h in self.space.heads}
        for s_head in self.space.heads:
            g_head = g_heads.get(s_head.name)
            if g_head is None:
                self.add(
                    "missing_head",
                    f"the genotype has no head '{s_head.name}', which the space has at "
                    f"{self.where(s_head.pos)}",
                    self.genotype.pos,
                    s_head.pos,
                    _suggest(s_head.name, set(g_heads) - set(s_heads), "did you misspell it as"),
                )
                continue
            self.head(g_head, s_head)
        for g_head in self.genotype.heads:
            if g_head.name not in s_heads:
                self.add(
                    "extra_head",
                    f"the genotype's head '{g_head.name}' is not a head of the space",
                    g_head.pos,
                    self.space.pos,
                    _suggest(g_head.name, set(s_heads) - set(g_heads), "did you mean"),
                )
        self.mismatches.sort(key=_order)
        decisions = {key: d.value for key, d in self.decided.items()}
        if self.mismatches:
            return Membership(decisions, tuple(self.mismatches))
        return Membership(_with_hidden(self.space, decisions, self.s_scope.lets))

    def head(self, g_head: ast.Head, s_head: ast.Head) -> None:
        if g_head.source != s_head.source:
            self.add(
                "head_input",
                f"the genotype's head '{g_head.name}' reads `{g_head.source}` where the "
                f"space's reads `{s_head.source}` at {self.where(s_head.pos)}",
                g_head.pos,
                s_head.pos,
            )
        g_nodes = {n.name: n for n in g_head.nodes}
        s_nodes = {n.name: n for n in s_head.nodes}
        aligner = NodeAligner(self.s_scope, self.where, {g_head.input: s_head.input})
        missing = [n for n in s_head.nodes if n.name not in g_nodes]
        for s_node in s_head.nodes:
            if s_node.name in g_nodes:
                self.node(aligner, g_head, g_nodes[s_node.name], s_node)
        hidden = self.past_depth(s_head)
        for s_node in missing:
            if s_node.name not in hidden:  # a layer past the chosen depth may be left out
                self.add(
                    "missing_node",
                    f"the genotype's head '{g_head.name}' has no node '{s_node.name}', which "
                    f"the space has at {self.where(s_node.pos)}",
                    g_head.pos,
                    s_node.pos,
                    _suggest(s_node.name, set(g_nodes) - set(s_nodes), "did you misspell it as"),
                )
        for g_node in g_head.nodes:
            if g_node.name not in s_nodes:
                self.add(
                    "extra_node",
                    f"the genotype's node '{g_head.name}.{g_node.name}' is not a node of the "
                    f"space's head '{s_head.name}'",
                    g_node.pos,
                    s_head.pos,
                    _suggest(g_node.name, set(s_nodes) - set(g_nodes), "did you mean"),
                )
        if g_head.nodes and s_head.nodes and g_head.nodes[-1].name != s_head.nodes[-1].name:
            self.add(
                "output_node",
                f"the genotype's head '{g_head.name}' ends with node '{g_head.nodes[-1].name}' "
                f"but the space's ends with '{s_head.nodes[-1].name}' "
                f"at {self.where(s_head.nodes[-1].pos)}",
                g_head.nodes[-1].pos,
                s_head.nodes[-1].pos,
                "the last node is the head's output",
            )

    def past_depth(self, s_head: ast.Head) -> frozenset[str]:
        """The space's nodes past the depths the genotype chose (`lang/reach.py`)."""
        decided = {key: d.value for key, d in self.decided.items()}
        return hidden_ast_nodes(s_head, decided)

    def node(
        self, aligner: NodeAligner, g_head: ast.Head, g_node: ast.NodeDef, s_node: ast.NodeDef
    ) -> None:
        path = genotype_path(g_node.expr, self.g_scope)
        if path.open:
            for choice in path.open:
                self.add(
                    "open_choice",
                    f"the genotype leaves this {choice.kind} choice open",
                    choice.node.pos,
                    s_node.pos,
                    "keep one candidate",
                )
            return
        best: Attempt | None = None
        for s_path in space_paths(s_node.expr):
            for n, attempt in enumerate(
                aligner.attempts(s_path, path.source, path.stages, self.decided)
            ):
                if not attempt.problems:
                    self.decided = attempt.decided
                    return
                if best is None or len(attempt.problems) < len(best.problems):
                    best = attempt
                if n >= ATTEMPTS_PER_PATH:
                    break
        choose = s_node.expr.source if isinstance(s_node.expr.source, ast.Choose) else None
        local = {"width", "act", "norm", "inputs", "label"}
        if best is not None and (choose is None or {p.kind for p in best.problems} <= local):
            self.mismatches.extend(best.problems)
            self.decided = {**best.decided, **self.decided}
            return
        g_text = self._genotype_text(path, s_node.expr)
        if choose is not None:
            self._not_a_candidate(g_node, g_text, choose)
            return
        self.add(
            "structure",
            f"the genotype's node '{g_head.name}.{g_node.name}' is `{g_text}`, which is not "
            f"the space's `{pipeline_text(s_node.expr)}` at {self.where(s_node.expr.pos)}",
            g_node.expr.pos,
            s_node.expr.pos,
            "a member has the space's ops in the space's order; only choices can differ",
        )

    def _genotype_text(self, path: GenotypePath, s_expr: ast.Pipeline) -> str:
        """The genotype's part that stands for the space's `choose` (its outer stages off)."""
        forms = [w.form for w in path.stages]
        outer = len(s_expr.stages) if isinstance(s_expr.source, ast.Choose) else 0
        if outer and len(forms) > outer:
            forms = forms[:-outer]
        return path_text(path.source, forms)

    def _not_a_candidate(self, g_node: ast.NodeDef, g_text: str, choose: ast.Choose) -> None:
        texts = [pipeline_text(c) for c in choose.candidates]
        unique = list(dict.fromkeys(texts))
        close = difflib.get_close_matches(g_text, unique, n=1, cutoff=0.0)
        hint = "candidates: " + "; ".join(f"`{t}`" for t in unique)
        if close:
            hint += f"; did you mean `{close[0]}`?"
        self.add(
            "not_a_candidate",
            f"the genotype's node '{g_node.name}' uses `{g_text}`, which is not a candidate of "
            f"the space's choice at {self.where(choose.pos)}",
            g_node.expr.pos,
            choose.pos,
            hint,
        )


def _with_hidden(
    space: ast.Document, decisions: Decisions, lets: dict[str, ast.LetDef]
) -> Decisions:
    """Every open decision of the space: the genotype's, and 0 for those it hides."""
    full = dict(decisions)
    for head in space.heads:
        for node in head.nodes:
            for site in node_choices(head, node):
                if site.key in full or not is_open(site.choice, lets):
                    continue
                full[site.key] = tuple(range(keeps(site.choice)))
    return full


def _suggest(name: str, others: set[str], lead: str) -> str | None:
    close = difflib.get_close_matches(name, sorted(others), n=1, cutoff=0.5)
    return f"{lead} '{close[0]}'?" if close else None


def _order(m: Mismatch) -> tuple[int, int]:
    pos = m.genotype_pos
    return (pos.line, pos.column) if pos else (0, 0)
