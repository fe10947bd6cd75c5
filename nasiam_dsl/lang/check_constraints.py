"""Checks of a document's constraints: they name known ops and heads, and some architecture
of the space can satisfy them (op counts from the document, parameters from the inference's
bounds)."""

from __future__ import annotations

from nasiam_dsl import registry
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.errors import did_you_mean
from nasiam_dsl.lang.infer import Inference
from nasiam_dsl.lang.report import Reporter

__all__ = ["check_constraints", "check_params_satisfiable", "constraint_heads"]


def constraint_heads(c: ast.Constraint) -> list[str]:
    """The heads a constraint names (its target and its `in NAME` scope)."""
    names = [c.target] if c.target is not None else []
    if isinstance(c.scope, ast.InHead):
        names.append(c.scope.name)
    return names


def check_constraints(doc: ast.Document, report: Reporter) -> None:
    """Names, bounds and op counts of every constraint (parameters: `check_params_...`)."""
    heads = {h.name: h for h in doc.heads}
    ops = registry.op_names()
    for c in doc.constraints:
        for op in c.ops:
            if registry.get_op(op) is None:
                report.error(f"unknown op '{op}' in constraint", c.pos, did_you_mean(op, ops))
        for name in constraint_heads(c):
            if name not in heads:
                report.error(
                    f"constraint names unknown head '{name}'", c.pos, did_you_mean(name, heads)
                )
        if c.bound < 0:
            report.error("a constraint bound must not be negative", c.pos)
        if c.metric == "count":
            _check_count_satisfiable(c, heads, report)


def _check_count_satisfiable(
    c: ast.Constraint, heads: dict[str, ast.Head], report: Reporter
) -> None:
    if c.cmp not in ("<=", "<", "=="):
        return
    if isinstance(c.scope, ast.InHead):
        targets = [heads[c.scope.name]] if c.scope.name in heads else []
    else:
        targets = list(heads.values())
    limit = c.bound - (1 if c.cmp == "<" else 0)
    mins = {h.name: sum(_min_count(n.expr, set(c.ops)) for n in h.nodes) for h in targets}
    if isinstance(c.scope, ast.Whole):
        total = sum(mins.values())
        bad = [("all heads", total)] if total > limit else []
    else:
        bad = [(h, m) for h, m in mins.items() if m > limit]
    for where, m in bad:
        report.error(
            f"unsatisfiable constraint: every architecture has at least {m} "
            f"{'/'.join(c.ops)} op(s) in {where}",
            c.pos,
            f"the bound allows at most {limit}",
        )


def check_params_satisfiable(doc: ast.Document, facts: Inference, report: Reporter) -> None:
    """`params` constraints that the smallest (or largest) architecture already breaks."""
    for c in doc.constraints:
        if c.metric != "params":
            continue
        head = c.target
        if head is not None and head not in facts.smallest:
            continue
        lo, hi = facts.bounds(head)
        if (
            c.cmp in ("<=", "<")
            and lo.params > 0
            and (lo.params > c.bound or (c.cmp == "<" and lo.params == c.bound))
        ):
            report.error(
                f"unsatisfiable constraint: the smallest architecture has {lo.params:,} parameters",
                c.pos,
                f"raise the bound to at least {lo.params:,}",
            )
        if c.cmp in (">=", ">") and facts.upper_bounds and hi.params < c.bound:
            report.error(
                f"unsatisfiable constraint: the largest architecture has {hi.params:,} parameters",
                c.pos,
            )


def _min_count(p: ast.Pipeline, ops: set[str]) -> int:
    """The fewest of `ops` any architecture of this pipeline can contain."""
    src = p.source
    total = 0
    if isinstance(src, ast.Choose):
        total += min(_min_count(c, ops) for c in src.candidates)
    for stage in p.stages:
        if isinstance(stage, ast.Call) and stage.name in ops:
            total += 1
    return total
