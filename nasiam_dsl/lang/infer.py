"""One inference pass over a document: the facts every later room reads.

`infer(doc, backbone_dim)` walks the heads once, in dependency order, and finds:

* the head order (a head after the head it reads), and what keeps it from being one;
* every node's largest width (what the supernet builds) and where widths that meet disagree;
* which nodes reach each head's output;
* the per-member width tables (`widths.py`), the plan (`plan.py`), and the parameter and
  FLOP bounds per node and head (`tally.py`: the smallest and the largest genotype), made on
  first use, once the document checks;
* parameter-free-ness of every op and op-choice candidate, read from the registry's
  `OpSpec.param_free` only.

It reports nothing: the checker turns the problems it records into diagnostics, and the
plan, counting, building and derivation read its facts. Torch-free and pure (a user op's
parameters are counted on its factory's module).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Literal

from nasiam_dsl import registry
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.plan import Plan, build_plan
from nasiam_dsl.lang.tally import Tally, evaluate
from nasiam_dsl.lang.walk import resolve_set
from nasiam_dsl.lang.widths import Table, member_widths

__all__ = [
    "BACKBONE",
    "MAX_WIDTH",
    "HeadProblem",
    "Inference",
    "MemberConflict",
    "Width",
    "WidthConflict",
    "infer",
    "is_param_free",
    "names_backbone",
    "plan_document",
]

BACKBONE = "backbone"
MAX_WIDTH = 1 << 20

Width = int | str | None  # int, "backbone" when its size is not known yet, None if unknown


@dataclass(frozen=True)
class HeadProblem:
    """Why a head cannot take its place in the order: a second definition of its name, a
    cycle through it, or a source that names no head."""

    kind: Literal["duplicate", "cycle", "undefined_source"]
    head: ast.Head
    first: ast.Head | None = None  # the first definition, for a duplicate


@dataclass(frozen=True)
class WidthConflict:
    """Widths that meet (summed, chosen, concatenated by a pick) and disagree."""

    what: str
    widths: tuple[Width, ...]
    pos: ast.Pos | None


@dataclass(frozen=True)
class MemberConflict:
    """A member of the space (one candidate per choice) whose widths disagree."""

    message: str
    pos: ast.Pos | None


def is_param_free(name: str) -> bool:
    """Whether an op has no parameters, as its registry entry declares (unknown ops: no)."""
    spec = registry.get_op(name)
    return spec is not None and spec.param_free


@dataclass
class Inference:
    """The facts of one document (see module docs); widths are `Width`s."""

    doc: ast.Document
    backbone_dim: int | None
    order: tuple[ast.Head, ...] = ()
    head_problems: list[HeadProblem] = field(default_factory=list)
    input_widths: dict[str, Width] = field(default_factory=dict)
    node_widths: dict[tuple[str, str], Width] = field(default_factory=dict)
    head_widths: dict[str, Width] = field(default_factory=dict)
    conflicts: list[WidthConflict] = field(default_factory=list)
    live: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def head_order(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.order)

    @functools.cached_property
    def param_free_ops(self) -> dict[str, bool]:
        """Every op the document names (calls, set candidates, constraint ops)."""
        names: set[str] = {op for c in self.doc.constraints for op in c.ops}
        for head in self.doc.heads:
            for node in head.nodes:
                names.update(_op_names(node.expr, self.doc))
        return {name: is_param_free(name) for name in sorted(names)}

    # ---- facts made on first use, once the document checks -----------------------------
    @functools.cached_property
    def member_tables(self) -> dict[tuple[str, str], Table | None]:
        return self._members[0]

    @functools.cached_property
    def member_conflicts(self) -> list[MemberConflict]:
        return self._members[1]

    @functools.cached_property
    def _members(self) -> tuple[dict[tuple[str, str], Table | None], list[MemberConflict]]:
        found: list[MemberConflict] = []
        tables = member_widths(
            self.doc,
            self.order,
            self.backbone_dim,
            lambda message, pos: found.append(MemberConflict(message, pos)),
        )
        return tables, found

    @functools.cached_property
    def plan(self) -> Plan:
        """The resolved plan (needs a checked document and a known backbone width)."""
        if self.backbone_dim is None:
            raise ValueError("a plan needs the backbone's width")
        return build_plan(self)

    @functools.cached_property
    def candidates_param_free(self) -> dict[str, tuple[bool, ...]]:
        """Op-choice key -> whether each candidate is parameter-free (`Pipeline.param_free`)."""
        return {k: c.param_free for k, c in self.plan.choices.items() if c.param_free is not None}

    @functools.cached_property
    def _sized(self) -> Inference:
        """These facts with a width for `backbone`: when it is not known, 1 stands in (every
        lower bound holds for any width, and which bounds are 0 does not depend on it)."""
        return self if self.backbone_dim is not None else infer(self.doc, 1)

    @property
    def upper_bounds(self) -> bool:
        """Whether `largest` bounds every architecture (the backbone's width is known, or
        no width depends on it)."""
        return self.backbone_dim is not None or not names_backbone(self.doc)

    @property
    def bounds_known(self) -> bool:
        """Whether the bounds can be made: every width known and agreeing."""
        sized = self._sized
        widths = [*sized.node_widths.values(), *sized.input_widths.values()]
        return not sized.conflicts and all(isinstance(w, int) for w in widths)

    @functools.cached_property
    def smallest(self) -> dict[str, dict[str, Tally]]:
        """Per head and node, the tallies of the smallest genotype (lower bounds)."""
        return evaluate(self._sized.plan, "min")

    @functools.cached_property
    def largest(self) -> dict[str, dict[str, Tally]]:
        """Per head and node, the tallies of the largest genotype (upper bounds when
        `upper_bounds`)."""
        return evaluate(self._sized.plan, "max")

    def bounds(
        self, head: str | None = None, nodes: frozenset[str] | None = None
    ) -> tuple[Tally, Tally]:
        """(smallest, largest) tallies of one head (of its `nodes` only, if given), or of
        every head when `head` is None."""
        heads = [head] if head is not None else list(self.smallest)
        lo, hi = Tally(), Tally()
        for h in heads:
            for name, t in self.smallest[h].items():
                if nodes is None or name in nodes:
                    lo, hi = lo + t, hi + self.largest[h][name]
        return lo, hi


def infer(doc: ast.Document, backbone_dim: int | None = None) -> Inference:
    """The one inference pass (see module docs); tolerant of errors the checker reports."""
    facts = Inference(doc, backbone_dim)
    facts.order = tuple(_head_order(doc, facts.head_problems))
    lets = {}
    for let in doc.lets:
        lets.setdefault(let.name, let)
    for head in facts.order:
        _Widths(facts, lets, head).run()
    return facts


def _head_order(doc: ast.Document, problems: list[HeadProblem]) -> list[ast.Head]:
    heads: dict[str, ast.Head] = {}
    for head in doc.heads:
        if head.name in heads:
            problems.append(HeadProblem("duplicate", head, heads[head.name]))
            continue
        heads[head.name] = head
    order: list[ast.Head] = []
    state: dict[str, str] = {}

    def visit(head: ast.Head) -> None:
        if state.get(head.name) == "done":
            return
        if state.get(head.name) == "active":
            problems.append(HeadProblem("cycle", head))
            return
        state[head.name] = "active"
        src = head.source
        if isinstance(src, str) and src != BACKBONE:
            if src in heads:
                visit(heads[src])
            else:
                problems.append(HeadProblem("undefined_source", head))
        state[head.name] = "done"
        order.append(head)

    for head in heads.values():
        visit(head)
    return order


class _Widths:
    """The largest widths of one head's nodes, and the nodes that reach its output."""

    def __init__(self, facts: Inference, lets: dict[str, ast.LetDef], head: ast.Head) -> None:
        self.facts = facts
        self.lets = lets
        self.head = head
        self.reads: dict[str, list[str]] = {}

    def run(self) -> None:
        head = self.head
        scope: dict[str, Width] = {head.input: self.input_width()}
        self.facts.input_widths[head.name] = scope[head.input]
        if not head.nodes:
            return
        for node in head.nodes:
            if node.name in scope:  # a second definition: the checker reports it
                continue
            reads: list[str] = []
            width = self.pipeline(node.expr, scope, reads)
            self.facts.node_widths[(head.name, node.name)] = width
            scope[node.name] = width
            self.reads[node.name] = reads
        self.facts.head_widths[head.name] = scope.get(head.nodes[-1].name)
        self.facts.live[head.name] = self.reaching(head.nodes[-1].name)

    def reaching(self, out: str) -> frozenset[str]:
        live: set[str] = set()
        todo = [out]
        while todo:
            name = todo.pop()
            if name not in live:
                live.add(name)
                todo.extend(self.reads.get(name, ()))
        return frozenset(live)

    def input_width(self) -> Width:
        src = self.head.source
        if isinstance(src, int):
            return src if 0 < src <= MAX_WIDTH else None
        if src == BACKBONE:
            return self.facts.backbone_dim if self.facts.backbone_dim is not None else BACKBONE
        return self.facts.head_widths.get(src)

    # ---- pipelines ----------------------------------------------------------------------
    def pipeline(self, p: ast.Pipeline, scope: dict[str, Width], reads: list[str]) -> Width:
        src = p.source
        if isinstance(src, ast.Choose):
            widths = [self.pipeline(c, scope, reads) for c in src.candidates]
            width = self.same(widths, src.pos, "candidates of this choice")
        elif isinstance(src, ast.Ref):
            width = self.ref(src, scope, reads)
        else:
            width = self.combine(src, scope, reads)
        for stage in p.stages:
            if isinstance(stage, ast.Call):
                width = self.call(stage, width)
        return width

    @staticmethod
    def ref(ref: ast.Ref, scope: dict[str, Width], reads: list[str]) -> Width:
        if ref.name in scope:
            reads.append(ref.name)
            return scope[ref.name]
        return None

    def combine(self, comb: ast.Combine, scope: dict[str, Width], reads: list[str]) -> Width:
        widths = [self.ref(r, scope, reads) for r in comb.inputs]
        if comb.pick is not None and not 1 <= comb.pick <= len(comb.inputs):
            return None
        if comb.mode == "concat":
            known = [w for w in widths if isinstance(w, int)]
            if len(known) != len(widths):
                return None
            if comb.pick is not None and comb.pick < len(widths):  # pick n of n: all of them
                same = self.same(widths, comb.pos, "inputs of a picked concat")
                return same * comb.pick if isinstance(same, int) else None
            return sum(known)
        return self.same(widths, comb.pos, f"inputs of {comb.mode}")

    def call(self, call: ast.Call, width: Width) -> Width:
        spec = registry.get_op(call.name)
        if spec is None or not spec.takes_width:
            return width
        positional = [a for a in call.args if not isinstance(a, ast.KwArg)]
        if len(positional) != 1:
            return None
        return self.width_arg(positional[0])

    def width_arg(self, arg: ast.Argument) -> Width:
        if isinstance(arg, ast.IntLit):
            return arg.value if 0 < arg.value <= MAX_WIDTH else None
        if isinstance(arg, ast.WidthName):
            if arg.name == BACKBONE:
                dim = self.facts.backbone_dim
                return dim if dim is not None else BACKBONE
            let = self.lets.get(arg.name)
            if let is None or not isinstance(let.value, ast.IntLit):
                return None
            return let.value.value
        assert isinstance(arg, ast.WidthChoice)
        items = resolve_set(arg.options, self.lets)
        values = [i.value for i in items if isinstance(i, ast.IntLit) and 0 < i.value <= MAX_WIDTH]
        return max(values) if values else None

    def same(self, widths: list[Width], pos: ast.Pos | None, what: str) -> Width:
        """The one width of `widths` (None when unknown or when they disagree)."""
        if None in widths:
            return None
        ints = {w for w in widths if isinstance(w, int)}
        syms = {w for w in widths if isinstance(w, str)}
        if len(ints) > 1:
            self.facts.conflicts.append(WidthConflict(what, tuple(widths), pos))
            return None
        if ints and syms:
            return None
        return next(iter(ints or syms), None)


def _op_names(p: ast.Pipeline, doc: ast.Document) -> set[str]:
    lets = {let.name: let for let in doc.lets}
    names: set[str] = set()
    if isinstance(p.source, ast.Choose):
        for cand in p.source.candidates:
            names |= _op_names(cand, doc)
    for stage in p.stages:
        if isinstance(stage, ast.Call):
            names.add(stage.name)
        else:
            items = resolve_set(stage.options, lets)
            names.update(i.name for i in items if isinstance(i, ast.Term))
    return names


def names_backbone(doc: ast.Document) -> bool:
    """Whether some width of the document is the backbone's."""

    def in_pipeline(p: ast.Pipeline) -> bool:
        if isinstance(p.source, ast.Choose) and any(in_pipeline(c) for c in p.source.candidates):
            return True
        return any(
            isinstance(a, ast.WidthName) and a.name == BACKBONE
            for s in p.stages
            if isinstance(s, ast.Call)
            for a in s.args
        )

    return any(h.source == BACKBONE or any(in_pipeline(n.expr) for n in h.nodes) for h in doc.heads)


def plan_document(doc: ast.Document, backbone_dim: int) -> Plan:
    """Resolve a checked document into a `Plan` (assumes `check` found no errors)."""
    return infer(doc, backbone_dim).plan
