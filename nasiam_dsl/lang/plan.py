"""AST -> plan: a resolved, torch-free description of what to build.

Widths given by name, `let` sets, registry defaults and decision keys are resolved here once,
so the module builder (`compile/build.py`), the counters (`tally.py`, `compile/count.py`) and
derivation (`compile/derive.py`) read one structure instead of re-interpreting the syntax. A
choice carries its decision key when it is open (`walk.is_open`) and `None` when closed; a
closed choice keeps exactly its one candidate. The plan is made by the inference pass
(`infer.py`), in its head order, and carries its largest widths (what the supernet builds);
widths under other decisions follow from the head input and the chosen widths.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, Union

from nasiam_dsl import registry
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.walk import ChoiceSite, is_open, kind_of, node_choices, resolve_set


class PlanFacts(Protocol):
    """What the planner reads of an inference (`infer.Inference`): the document, the backbone
    width, the heads in dependency order and every width."""

    doc: ast.Document
    backbone_dim: int | None
    order: tuple[ast.Head, ...]
    input_widths: dict[str, Any]
    node_widths: dict[tuple[str, str], Any]


BACKBONE = "backbone"
LINEAR = "linear"

__all__ = [
    "ChoiceInfo",
    "Choose",
    "Inputs",
    "Linear",
    "Op",
    "Pipeline",
    "Plan",
    "Ref",
    "SetChoice",
    "build_plan",
]


@dataclass(frozen=True)
class Ref:
    """Read a node, or the head input."""

    name: str


@dataclass(frozen=True)
class Inputs:
    """`sum/mean/concat` of inputs; an open choice when `key` is set (pick k of n)."""

    mode: str
    names: tuple[str, ...]
    pick: int
    key: str | None


@dataclass(frozen=True)
class Op:
    """A registry op with its options resolved (defaults filled in)."""

    name: str
    kind: str  # "layer", "norm" or "act"
    options: tuple[tuple[str, Any], ...] = ()

    @property
    def opts(self) -> dict[str, Any]:
        return dict(self.options)

    @property
    def is_empty(self) -> bool:
        """An `identity` activation or a `none` norm: no stage in a member, no op counted."""
        return registry.EMPTY_CANDIDATE.get(self.kind) == self.name


@dataclass(frozen=True)
class Linear:
    """`linear(width)`; `widths` has several entries when the width is an open choice."""

    widths: tuple[int, ...]
    bias: bool | str  # True, False or "frozen"
    key: str | None
    backbone: bool = False  # written `backbone`: the backbone's width, whatever it is


@dataclass(frozen=True)
class SetChoice:
    """`act{...}` or `norm{...}`: several `Op`s when open, one when closed."""

    kind: str  # "act" or "norm"
    items: tuple[Op, ...]
    key: str | None


Stage = Union[Linear, Op, SetChoice]


@dataclass(frozen=True)
class Choose:
    """`choose(...)`: several candidate pipelines when open, one when closed."""

    candidates: tuple[Pipeline, ...]
    key: str | None


@dataclass(frozen=True)
class Pipeline:
    source: Ref | Inputs | Choose
    stages: tuple[Stage, ...] = ()

    @property
    def is_zero(self) -> bool:
        """Ends in `zero`: its output is exactly 0, so a choice can skip it."""
        last = self.stages[-1] if self.stages else None
        if not isinstance(last, Op):
            return False
        spec = registry.get_op(last.name)
        return spec is not None and spec.zero

    @property
    def param_free(self) -> bool:
        """No layer it can hold has parameters, as the registry declares (`OpSpec.param_free`;
        a `linear` has them). Norms and activations around a layer do not count: `maxpool |
        bn` is a parameter-free candidate."""
        if isinstance(self.source, Choose) and not all(
            c.param_free for c in self.source.candidates
        ):
            return False
        return all(_layer_param_free(s) for s in self.stages)


def _layer_param_free(stage: Stage) -> bool:
    if isinstance(stage, Linear):
        spec = registry.get_op(LINEAR)
        return spec is not None and spec.param_free
    if isinstance(stage, Op) and stage.kind == "layer":
        spec = registry.get_op(stage.name)
        return spec is not None and spec.param_free
    return True


@dataclass(frozen=True)
class NodePlan:
    name: str
    pipeline: Pipeline
    width: int  # the largest width (what the supernet builds)


@dataclass(frozen=True)
class HeadPlan:
    name: str
    input: str
    source: str | int  # "backbone", another head, or a width
    nodes: tuple[NodePlan, ...]
    in_width: int

    @property
    def output(self) -> str:
        return self.nodes[-1].name

    @property
    def out_width(self) -> int:
        return self.nodes[-1].width


@dataclass(frozen=True)
class ChoiceInfo:
    """One decision: its kind, candidate count, how many it keeps, and its sites."""

    key: str
    kind: str
    size: int
    pick: int = 1
    labels: str | None = None
    sites: tuple[tuple[str, str], ...] = ()  # (head, node) of each site
    param_free: tuple[bool, ...] | None = None  # op choices only


@dataclass
class Plan:
    """Heads in dependency order plus every open decision, in document order."""

    name: str
    kind: str
    framework: str | None
    backbone_dim: int
    heads: tuple[HeadPlan, ...]
    choices: dict[str, ChoiceInfo] = field(default_factory=dict)

    def head(self, name: str) -> HeadPlan:
        for h in self.heads:
            if h.name == name:
                return h
        raise KeyError(name)


def build_plan(facts: PlanFacts) -> Plan:
    """The plan of a checked document, in the inference's head order, with its widths."""
    return _Planner(facts).run()


class _Planner:
    def __init__(self, facts: PlanFacts) -> None:
        assert facts.backbone_dim is not None
        self.facts = facts
        self.doc = facts.doc
        self.backbone_dim = facts.backbone_dim
        self.lets = {let.name: let for let in facts.doc.lets}
        self.choices: dict[str, ChoiceInfo] = {}
        self.sites: Iterator[ChoiceSite] = iter(())

    def run(self) -> Plan:
        heads = [self.head(h) for h in self.facts.order]
        return Plan(
            self.doc.name,
            self.doc.kind,
            self.doc.framework,
            self.backbone_dim,
            tuple(heads),
            self.choices,
        )

    def head(self, head: ast.Head) -> HeadPlan:
        nodes = []
        for node in head.nodes:
            self.sites = iter(node_choices(head, node))
            width = self.facts.node_widths[(head.name, node.name)]
            assert isinstance(width, int), (head.name, node.name, width)
            nodes.append(NodePlan(node.name, self.pipeline(node.expr), width))
            if next(self.sites, None) is not None:  # pragma: no cover - walk/plan out of sync
                raise AssertionError(f"choice order mismatch in {head.name}.{node.name}")
        in_width = self.facts.input_widths[head.name]
        assert isinstance(in_width, int), (head.name, in_width)
        return HeadPlan(head.name, head.input, head.source, tuple(nodes), in_width)

    def open_key(self, choice: Any, size: int, pick: int = 1) -> str | None:
        site = next(self.sites)
        if site.choice != choice:  # pragma: no cover - walk/plan out of sync
            raise AssertionError(f"choice order mismatch at {site.key}")
        if not is_open(choice, self.lets):
            return None
        return self._record(site, size, pick)

    # ---- pipelines --------------------------------------------------------------------
    def pipeline(self, p: ast.Pipeline) -> Pipeline:
        src = p.source
        source: Ref | Inputs | Choose
        if isinstance(src, ast.Choose):
            site = next(self.sites)
            key = None
            if is_open(src, self.lets):  # recorded first: keys stay in document order
                key = self._record(site, len(src.candidates))
            cands = tuple(self.pipeline(c) for c in src.candidates)
            if key is not None:
                free = tuple(c.param_free for c in cands)
                self.choices[key] = replace(self.choices[key], param_free=free)
            source = Choose(cands, key)
        elif isinstance(src, ast.Ref):
            source = Ref(src.name)
        else:
            names = tuple(r.name for r in src.inputs)
            pick = src.pick if src.pick is not None else len(names)
            key = self.open_key(src, len(names), pick) if src.pick is not None else None
            source = Inputs(src.mode, names, pick, key)
        return Pipeline(source, tuple(self.stage(s) for s in p.stages))

    def _record(
        self, site: ChoiceSite, size: int, pick: int = 1, param_free: tuple[bool, ...] | None = None
    ) -> str:
        where = (site.head.name, site.node.name)
        info = self.choices.get(site.key)
        if info is None:
            info = ChoiceInfo(site.key, site.kind, size, pick, site.choice.label, (), param_free)
        self.choices[site.key] = replace(info, sites=(*info.sites, where))
        return site.key

    def stage(self, s: ast.Stage) -> Linear | Op | SetChoice:
        if isinstance(s, (ast.ActChoice, ast.NormChoice)):
            kind = kind_of(s)
            items = tuple(self.term(i, kind) for i in resolve_set(s.options, self.lets))
            key = self.open_key(s, len(items))
            return SetChoice(kind, items, key)
        spec = registry.get_op(s.name)
        assert spec is not None, s.name
        kwargs = {a.name: a.value for a in s.args if isinstance(a, ast.KwArg)}
        if spec.takes_width:
            arg = next(a for a in s.args if not isinstance(a, ast.KwArg))
            widths, key = self.width(arg)
            named = isinstance(arg, ast.WidthName) and arg.name == BACKBONE
            return Linear(widths, kwargs.get("bias", True), key, named)
        return self.op(spec, kwargs)

    def width(self, arg: ast.Argument) -> tuple[tuple[int, ...], str | None]:
        if isinstance(arg, ast.IntLit):
            return (arg.value,), None
        if isinstance(arg, ast.WidthName):
            if arg.name == BACKBONE:
                return (self.backbone_dim,), None
            let = self.lets[arg.name]
            assert isinstance(let.value, ast.IntLit)
            return (let.value.value,), None
        assert isinstance(arg, ast.WidthChoice)
        items = resolve_set(arg.options, self.lets)
        widths = tuple(i.value for i in items if isinstance(i, ast.IntLit))
        return widths, self.open_key(arg, len(widths))

    def term(self, item: ast.SetItem, kind: str) -> Op:
        assert isinstance(item, ast.Term)
        spec = registry.get_op(item.name)
        assert spec is not None, item.name
        op = self.op(spec, {k.name: k.value for k in item.kwargs})
        empty_act = item.name == registry.EMPTY_CANDIDATE["act"]  # `act{relu, identity}`
        return Op(op.name, "act" if empty_act else kind, op.options)

    @staticmethod
    def op(spec: registry.OpSpec, kwargs: dict[str, Any]) -> Op:
        options = {name: opt.default for name, opt in spec.options.items()}
        options.update(kwargs)
        return Op(spec.name, spec.kind, tuple(sorted(options.items())))
