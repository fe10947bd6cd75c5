"""How far an architecture is from satisfying a space's constraints.

`count(...)` violations count ops, `params` and `flops` ones are relative to the bound, and
every broken constraint adds 1, so 0 means feasible and any repair step that lowers the
measure removes part of a violation (`repair.py` follows it greedily).
"""

from __future__ import annotations

from collections.abc import Mapping

from nasiam_dsl.compile.count import Tally, genotype_tallies
from nasiam_dsl.compile.plan import Plan
from nasiam_dsl.lang import ast

__all__ = ["HOLDS", "ConstraintCheck", "constraint_groups", "constraint_value", "holds"]

HOLDS = {
    "<=": lambda value, bound: value <= bound,
    "<": lambda value, bound: value < bound,
    ">=": lambda value, bound: value >= bound,
    ">": lambda value, bound: value > bound,
    "==": lambda value, bound: value == bound,
}


class ConstraintCheck:
    """The constraints of a document, measured on the architectures of its plan."""

    def __init__(self, doc: ast.Document, plan: Plan) -> None:
        self.constraints = doc.constraints
        self.plan = plan

    def __bool__(self) -> bool:
        return bool(self.constraints)

    def violation(self, decisions: Mapping[str, tuple[int, ...]]) -> float:
        """0 when every constraint holds; else the graded sum described in the module docs."""
        if not self.constraints:
            return 0.0
        tallies = genotype_tallies(self.plan, decisions)
        heads = {h: sum(nodes.values(), Tally()) for h, nodes in tallies.items()}
        total = 0.0
        for c in self.constraints:
            for names in constraint_groups(c, list(heads)):
                value = constraint_value(c, heads, names)
                scale = 1.0 if c.metric == "count" else max(float(c.bound), 1.0)
                if not holds(c, value):
                    total += abs(value - c.bound) / scale + 1.0
        return total

    def feasible(self, decisions: Mapping[str, tuple[int, ...]]) -> bool:
        return self.violation(decisions) == 0.0


def constraint_groups(c: ast.Constraint, heads: list[str]) -> list[list[str]]:
    """The head groups one constraint bounds: each head, one head, or all of them."""
    if isinstance(c.scope, ast.PerHead):
        return [[h] for h in heads]
    if isinstance(c.scope, ast.InHead):
        return [[c.scope.name]]
    if c.target is not None:
        return [[c.target]]
    return [heads]


def constraint_value(c: ast.Constraint, heads: Mapping[str, Tally], names: list[str]) -> float:
    """What a constraint measures on the heads `names` of one architecture."""
    if c.metric == "count":
        return sum(heads[h].ops[op] for h in names for op in c.ops)
    return sum(getattr(heads[h], c.metric) for h in names)


def holds(c: ast.Constraint, value: float) -> bool:
    return HOLDS[c.cmp](value, c.bound)
