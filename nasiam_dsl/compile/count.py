"""Counting: parameters, FLOPs and the number of architectures of a space, without building it.

Counts come from the plan (`plan.py`), so a 23M-parameter supernet is counted without
allocating it; `count_params` counts a built module and the tests check that both agree.

Parameters: every weight tensor element, frozen biases and affine norm parameters included,
architecture logits excluded.

FLOPs per sample (forward pass), this convention:
  * `linear(in -> out)`: `in * out` multiply-adds, plus `out` for a bias;
  * elementwise work counts 1 per element: activations, bias adds, width masks, the
    weighting and summing of each computed candidate of a choice (`width` per candidate),
    `sum`/`mean` of inputs; `bn` counts 2 per feature (a scale and a shift: its inference
    form), `layernorm` 5 (statistics, scale, shift), pools `kernel` per feature;
  * `identity`, `zero`, `none` and `concat` are free, and a supernet never runs `zero`.

Architectures: one decision per key (choices sharing a label are one decision); an op choice
counts the sum over its candidates of their own nested architectures; `pick k of n` counts
C(n, k). Exact, except that a labelled op choice whose candidates hold open choices counts
its nested choices at its first site only.

Smallest / largest genotype: every width at its smallest / largest (parameters grow with
every width), every other choice at its cheapest / dearest candidate, site by site (a label's
sites are not forced to agree there: a bound when labels are used).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from math import comb
from typing import Literal

from torch import nn

from nasiam_dsl import registry
from nasiam_dsl.compile.plan import (
    BACKBONE,
    Choose,
    HeadPlan,
    Inputs,
    Linear,
    Op,
    Pipeline,
    Plan,
    Ref,
    SetChoice,
)

__all__ = [
    "SpaceCounts",
    "Tally",
    "count_architectures",
    "count_params",
    "count_plan",
    "genotype_tallies",
    "module_node_params",
]

Policy = Literal["super", "min", "max"] | Mapping[str, tuple[int, ...]]


@dataclass
class Tally:
    """Parameters, FLOPs per sample, and op counts (for `count(...)` constraints)."""

    params: int = 0
    flops: int = 0
    ops: Counter = field(default_factory=Counter)

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.params + other.params, self.flops + other.flops, self.ops + other.ops)

    @property
    def cost(self) -> tuple[int, int]:
        return (self.params, self.flops)


@dataclass
class SpaceCounts:
    """Everything `count_plan` finds, per head and per node."""

    supernet: dict[str, dict[str, Tally]]
    smallest: dict[str, dict[str, Tally]]
    largest: dict[str, dict[str, Tally]]
    architectures: int

    @staticmethod
    def _total(table: dict[str, dict[str, Tally]]) -> Tally:
        return sum((t for nodes in table.values() for t in nodes.values()), Tally())

    def head(self, name: str, which: str = "supernet") -> Tally:
        return sum(getattr(self, which)[name].values(), Tally())

    @property
    def supernet_total(self) -> Tally:
        return self._total(self.supernet)

    @property
    def smallest_total(self) -> Tally:
        return self._total(self.smallest)

    @property
    def largest_total(self) -> Tally:
        return self._total(self.largest)


def count_params(module: nn.Module) -> int:
    """Weight parameters of a module (architecture logits, if any, excluded)."""
    arch = getattr(module, "arch", None)
    skip = {id(p) for p in arch.parameters()} if isinstance(arch, nn.Module) else set()
    return sum(p.numel() for p in module.parameters() if id(p) not in skip)


def module_node_params(net: nn.Module) -> dict[str, dict[str, int]]:
    """Parameters per head and node of a built `Supernet`/`FixedNet`."""
    heads: nn.ModuleDict = net.heads  # type: ignore[assignment]
    return {
        h: {n: count_params(m) for n, m in head.nodes.items()}  # type: ignore[union-attr]
        for h, head in heads.items()
    }


def count_plan(plan: Plan) -> SpaceCounts:
    """Supernet, smallest and largest genotype tallies, and the number of architectures."""
    return SpaceCounts(
        supernet=_Evaluator(plan, "super").run(),
        smallest=_Evaluator(plan, "min").run(),
        largest=_Evaluator(plan, "max").run(),
        architectures=count_architectures(plan),
    )


def genotype_tallies(
    plan: Plan, decisions: Mapping[str, tuple[int, ...]]
) -> dict[str, dict[str, Tally]]:
    """Tallies of the one architecture that `decisions` (key -> chosen indices) selects."""
    return _Evaluator(plan, decisions).run()


# ---- the evaluator ----------------------------------------------------------------------


def _op_tally(op: Op, width: int) -> Tally:
    spec = registry.get_op(op.name)
    o = op.opts
    ops = Counter({op.name: 1})
    if spec is not None and spec.factory is not None:
        from nasiam_dsl.compile.ops import make_layer

        module = make_layer(op, width)
        return Tally(sum(p.numel() for p in module.parameters()), width, ops)
    if op.kind == "act":
        return Tally(0, 0 if op.name == "identity" else width, ops)
    if op.name == "bn":
        return Tally(2 * width if o["affine"] else 0, 2 * width, ops)
    if op.name == "layernorm":
        return Tally(2 * width if o["affine"] else 0, 5 * width, ops)
    if op.name in ("avgpool", "maxpool"):
        return Tally(0, int(o.get("kernel", 3)) * width, ops)
    return Tally(0, 0, ops)  # identity, zero, none


class _Evaluator:
    def __init__(self, plan: Plan, policy: Policy) -> None:
        self.plan = plan
        self.policy = policy

    def run(self) -> dict[str, dict[str, Tally]]:
        out_widths: dict[str, int] = {}
        result: dict[str, dict[str, Tally]] = {}
        for hp in self.plan.heads:
            widths = {hp.input: self.input_width(hp, out_widths)}
            nodes: dict[str, Tally] = {}
            for node in hp.nodes:
                nodes[node.name], widths[node.name] = self.pipeline(node.pipeline, widths)
            out_widths[hp.name] = widths[hp.output]
            result[hp.name] = nodes
        return result

    def input_width(self, hp: HeadPlan, out_widths: dict[str, int]) -> int:
        if isinstance(hp.source, int):
            return hp.source
        return self.plan.backbone_dim if hp.source == BACKBONE else out_widths[hp.source]

    def chosen(self, key: str) -> tuple[int, ...]:
        assert isinstance(self.policy, Mapping)
        return tuple(self.policy[key])

    def pick(self, options: list[tuple[Tally, int]]) -> tuple[Tally, int]:
        best = min if self.policy == "min" else max
        return best(options, key=lambda tw: tw[0].cost)

    def pipeline(self, p: Pipeline, widths: dict[str, int]) -> tuple[Tally, int]:
        src = p.source
        if isinstance(src, Ref):
            tally, width = Tally(), widths[src.name]
        elif isinstance(src, Inputs):
            tally, width = self.inputs(src, widths)
        else:
            tally, width = self.choose(src, widths)
        for stage in p.stages:
            t, width = self.stage(stage, width)
            tally = tally + t
        return tally, width

    def inputs(self, src: Inputs, widths: dict[str, int]) -> tuple[Tally, int]:
        names = list(src.names)
        if src.key is not None and self.policy != "super":
            if isinstance(self.policy, Mapping):
                names = [src.names[i] for i in self.chosen(src.key)]
            else:
                names = names[: src.pick]
        w = widths[names[0]]
        if src.mode == "concat":
            width = w * src.pick if src.key is not None else sum(widths[n] for n in names)
            return Tally(0, len(names) * w if src.key and self.policy == "super" else 0), width
        flops = (len(names) - 1) * w + (w if src.mode == "mean" else 0)
        if src.key is not None and self.policy == "super":
            flops = 2 * len(names) * w  # weight and accumulate every candidate
        return Tally(0, flops), w

    def choose(self, src: Choose, widths: dict[str, int]) -> tuple[Tally, int]:
        if src.key is None:
            return self.pipeline(src.candidates[0], widths)
        if isinstance(self.policy, Mapping):
            return self.pipeline(src.candidates[self.chosen(src.key)[0]], widths)
        built = [self.pipeline(c, widths) for c in src.candidates]
        if self.policy != "super":
            return self.pick(built)
        width = max(w for _, w in built)
        tally = Tally()
        for c, (t, _) in zip(src.candidates, built, strict=True):
            if not c.is_zero:
                tally = tally + t + Tally(0, width)
        return tally, width

    def stage(self, stage: Linear | Op | SetChoice, width: int) -> tuple[Tally, int]:
        if isinstance(stage, Linear):
            extra = 0
            if stage.key is None:
                out = stage.widths[0]
            elif isinstance(self.policy, Mapping):
                out = stage.widths[self.chosen(stage.key)[0]]
            elif self.policy == "min":
                out = min(stage.widths)
            else:
                out = max(stage.widths)
                extra = out if self.policy == "super" else 0  # the mask
            bias = out if stage.bias is not False else 0
            return Tally(width * out + bias, width * out + bias + extra, Counter(linear=1)), out
        if isinstance(stage, Op):
            return _op_tally(stage, width), width
        if stage.key is None:
            return _op_tally(stage.items[0], width), width
        if isinstance(self.policy, Mapping):
            return _op_tally(stage.items[self.chosen(stage.key)[0]], width), width
        options = [(_op_tally(op, width), width) for op in stage.items]
        if self.policy != "super":
            return self.pick(options)
        total = sum((t for t, _ in options), Tally())
        return total + Tally(0, len(options) * width), width


# ---- architectures ----------------------------------------------------------------------


def count_architectures(plan: Plan) -> int:
    """The exact number of distinct architectures (see module docs), as a Python int."""
    seen: set[str] = set()
    total = 1
    for hp in plan.heads:
        for node in hp.nodes:
            total *= _count_pipeline(node.pipeline, plan, seen)
    return total


def _factor(key: str | None, n: int, seen: set[str]) -> int:
    if key is None or key in seen:
        return 1
    seen.add(key)
    return n


def _count_pipeline(p: Pipeline, plan: Plan, seen: set[str]) -> int:
    src = p.source
    total = 1
    if isinstance(src, Choose):
        if src.key is None:
            total = _count_pipeline(src.candidates[0], plan, seen)
        elif src.key in seen:
            total = max(_count_pipeline(c, plan, set(seen)) for c in src.candidates)
        else:
            seen.add(src.key)
            total = sum(_count_pipeline(c, plan, seen) for c in src.candidates)
    elif isinstance(src, Inputs) and src.key is not None:
        total = _factor(src.key, comb(len(src.names), src.pick), seen)
    for stage in p.stages:
        if isinstance(stage, Linear):
            total *= _factor(stage.key, len(stage.widths), seen)
        elif isinstance(stage, SetChoice):
            total *= _factor(stage.key, len(stage.items), seen)
    return total
