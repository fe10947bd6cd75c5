"""What a member costs, read off its plain nodes: parameters, FLOPs per sample, op counts.

The conventions of `nasiam compile` (its module `compile/count.py` says them), applied to
one architecture written as plain nodes, without plans:

- `linear(in -> out)`: `in * out` weights and multiply-adds, plus `out` for a bias (a frozen
  bias counts); `bn` 2 parameters per feature when affine and 2 FLOPs per feature; `layernorm`
  2 parameters when affine and 5 FLOPs; an activation 1 FLOP per feature; a pool `kernel` per
  feature; `identity` and `zero` nothing; `sum` and `mean` of n inputs `(n - 1) * width`
  (`mean` one more per feature), `concat` nothing;
- every op written in the member counts once for `count(...)`; an `identity` activation and a
  `none` norm are no op (they leave no stage).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from nasiam_dsl.lang import ast

__all__ = ["Cost", "head_costs", "satisfies"]

BACKBONE = "backbone"
DEFAULTS = {"bias": True, "affine": True, "kernel": 3}


@dataclass
class Cost:
    params: int = 0
    flops: int = 0
    ops: Counter = field(default_factory=Counter)

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.params + other.params, self.flops + other.flops, self.ops + other.ops)


def _option(call: ast.Call, name: str) -> object:
    for arg in call.args:
        if isinstance(arg, ast.KwArg) and arg.name == name:
            return arg.value
    return DEFAULTS[name]


def head_costs(
    heads: list[tuple[ast.Head, list[ast.NodeDef]]],
    lets: dict[str, ast.LetDef],
    backbone_dim: int,
) -> dict[str, Cost]:
    """The cost of each head of a member (plain nodes, every choice closed)."""
    by_name = {head.name: (head, nodes) for head, nodes in heads}
    out_width: dict[str, int] = {}
    costs: dict[str, Cost] = {}

    def width_of(arg: ast.Argument) -> int:
        if isinstance(arg, ast.IntLit):
            return arg.value
        assert isinstance(arg, ast.WidthName), arg
        if arg.name == BACKBONE:
            return backbone_dim
        return lets[arg.name].value.value  # type: ignore[union-attr]

    def head(name: str) -> None:
        if name in costs:
            return
        h, nodes = by_name[name]
        if isinstance(h.source, int):
            width = h.source
        elif h.source == BACKBONE:
            width = backbone_dim
        else:
            head(h.source)
            width = out_width[h.source]
        widths = {h.input: width}
        total = Cost()
        for node in nodes:
            cost, widths[node.name] = _pipeline(node.expr, widths, width_of)
            total = total + cost
        costs[name] = total
        out_width[name] = widths[nodes[-1].name]

    for name in by_name:
        head(name)
    return costs


def _pipeline(p: ast.Pipeline, widths: dict[str, int], width_of) -> tuple[Cost, int]:
    src = p.source
    cost = Cost()
    if isinstance(src, ast.Ref):
        width = widths[src.name]
    else:
        assert isinstance(src, ast.Combine), "a member has no open op choice"
        ins = [widths[r.name] for r in src.inputs]
        if src.mode == "concat":
            width = sum(ins)
        else:
            width = ins[0]
            cost.flops = (len(ins) - 1) * width + (width if src.mode == "mean" else 0)
    for stage in p.stages:
        assert isinstance(stage, ast.Call), "a member has no open set choice"
        name = stage.name
        cost.ops[name] += 1
        if name == "linear":
            (arg,) = [a for a in stage.args if not isinstance(a, ast.KwArg)]
            out = width_of(arg)
            bias = out if _option(stage, "bias") is not False else 0
            cost.params += width * out + bias
            cost.flops += width * out + bias
            width = out
        elif name in ("bn", "layernorm"):
            cost.params += 2 * width if _option(stage, "affine") else 0
            cost.flops += (2 if name == "bn" else 5) * width
        elif name in ("avgpool", "maxpool"):
            cost.flops += int(_option(stage, "kernel")) * width  # type: ignore[call-overload]
        elif name not in ("identity", "zero"):
            cost.flops += width  # an activation
    return cost, width


HOLDS = {
    "<=": lambda v, b: v <= b,
    "<": lambda v, b: v < b,
    ">=": lambda v, b: v >= b,
    ">": lambda v, b: v > b,
    "==": lambda v, b: v == b,
}


def satisfies(costs: dict[str, Cost], constraint: ast.Constraint) -> bool:
    """Whether a member with these head costs keeps `constraint`."""
    heads = list(costs)
    if isinstance(constraint.scope, ast.PerHead):
        groups = [[h] for h in heads]
    elif isinstance(constraint.scope, ast.InHead):
        groups = [[constraint.scope.name]]
    elif constraint.target is not None:
        groups = [[constraint.target]]
    else:
        groups = [heads]
    for group in groups:
        if constraint.metric == "count":
            value = sum(costs[h].ops[op] for h in group for op in constraint.ops)
        else:
            value = sum(getattr(costs[h], constraint.metric) for h in group)
        if not HOLDS[constraint.cmp](value, constraint.bound):
            return False
    return True
