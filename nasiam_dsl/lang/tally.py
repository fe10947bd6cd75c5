"""What an architecture costs: parameters, FLOPs per sample and op counts, read off a plan.

One evaluator serves every question: the supernet (`"super"`), the smallest and largest
genotypes (`"min"`, `"max"`: bounds) and one architecture (decisions `key -> indices`). The
checker's bounds, `nasiam compile`'s counts and the constraints of derivation and sampling
all read it; the conventions are in `nasiam_dsl.compile.count`. Torch-free: a user op's
parameters are counted on the module its factory returns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from nasiam_dsl import registry
from nasiam_dsl.lang.plan import (
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
from nasiam_dsl.lang.reach import depth_keys, hidden_nodes

__all__ = ["BACKBONE", "Policy", "Tally", "evaluate", "node_tally", "op_tally"]

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


def op_tally(op: Op, width: int) -> Tally:
    """An op's parameters, FLOPs and count at `width` features, as its registry entry says
    (`OpSpec.cost`); an `identity` activation or a `none` norm is no op at all."""
    if op.is_empty:
        return Tally()
    spec = registry.get_op(op.name)
    if spec is None:
        return Tally(0, 0, Counter({op.name: 1}))
    params, flops = spec.cost(width, op.opts)
    return Tally(params, flops, Counter({op.name: 1}))


def evaluate(plan: Plan, policy: Policy) -> dict[str, dict[str, Tally]]:
    """Tallies per head and node of the plan under `policy` (see module docs)."""
    return _Evaluator(plan, policy).run()


def node_tally(
    plan: Plan, pipeline: Pipeline, decisions: Mapping[str, tuple[int, ...]], widths: dict[str, int]
) -> tuple[Tally, int]:
    """One node's tally and output width in the architecture `decisions` select, its inputs
    `widths` wide."""
    return _Evaluator(plan, decisions).pipeline(pipeline, widths)


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
            left_out = self.left_out(hp)
            for node in hp.nodes:
                nodes[node.name], widths[node.name] = self.pipeline(node.pipeline, widths)
                if node.name in left_out:
                    nodes[node.name] = Tally()
            out_widths[hp.name] = widths[hp.output]
            result[hp.name] = nodes
        return result

    def left_out(self, hp: HeadPlan) -> frozenset[str]:
        """Layers past a depth: left out of one architecture when its depth hides them, and
        out of the smallest whenever some depth can (a lower bound)."""
        if isinstance(self.policy, Mapping):
            return hidden_nodes(hp, self.policy)
        if self.policy != "min":
            return frozenset()
        keys = depth_keys(hp)
        return frozenset(
            name
            for key in keys
            for i in range(self.plan.choices[key].size)
            for name in hidden_nodes(hp, {key: (i,)})
        )

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
            return op_tally(stage, width), width
        if stage.key is None:
            return op_tally(stage.items[0], width), width
        if isinstance(self.policy, Mapping):
            return op_tally(stage.items[self.chosen(stage.key)[0]], width), width
        options = [(op_tally(op, width), width) for op in stage.items]
        if self.policy != "super":
            return self.pick(options)
        total = sum((t for t, _ in options), Tally())
        return total + Tally(0, len(options) * width), width
