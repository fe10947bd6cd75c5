"""How far an architecture is from satisfying a space's constraints.

`count(...)` violations count ops, `params` and `flops` ones are relative to the bound, and
every broken constraint adds 1, so 0 means feasible and any repair step that lowers the
measure removes part of a violation (`repair.py` follows it greedily).
"""

from __future__ import annotations

from collections.abc import Mapping

from nasiam_dsl.compile.count import Tally, genotype_tallies
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.feasible import HOLDS, constraint_groups, constraint_value, holds
from nasiam_dsl.lang.plan import Plan

__all__ = ["HOLDS", "ConstraintCheck", "constraint_groups", "constraint_value", "holds"]


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
