"""Checks of a document's constraints: they name known ops and heads, and some architecture
of the space keeps each of them, and all of them together (`feasible.py`)."""

from __future__ import annotations

from nasiam_dsl import registry
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.errors import did_you_mean, op_hint
from nasiam_dsl.lang.feasible import Bounds, Refusal, feasibility
from nasiam_dsl.lang.infer import Inference, names_backbone
from nasiam_dsl.lang.printer import format_bound, format_constraint_body
from nasiam_dsl.lang.report import Reporter

__all__ = ["check_constraints", "check_satisfiable", "constraint_heads"]


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
                report.error(f"unknown op '{op}' in constraint", c.pos, op_hint(op, ops))
        for name in constraint_heads(c):
            if name not in heads:
                report.error(
                    f"constraint names unknown head '{name}'", c.pos, did_you_mean(name, heads)
                )
        if c.bound < 0:
            report.error("a constraint bound must not be negative", c.pos)


def check_satisfiable(doc: ast.Document, facts: Inference, report: Reporter) -> None:
    """Constraints that no architecture of the space keeps, alone or together
    (`feasible.py`: exactly in small spaces, by bounds in large ones). With the backbone's
    width unknown, parameters and FLOPs are judged by bounds that hold for any width."""
    if not doc.constraints:
        return
    sized = facts._sized
    if facts.backbone_dim is None and names_backbone(doc):
        counts = doc.model_copy(
            update={"constraints": tuple(c for c in doc.constraints if c.metric == "count")}
        )
        found = feasibility(counts, sized.plan)
        refused = list(found.refused)
        bounds = Bounds(sized.plan)
        for c in doc.constraints:
            if c.metric != "count" and c.cmp in ("<=", "<"):
                refusal = bounds.refute(c)
                if refusal is not None:
                    refused.append(refusal)
        only_counts = len(counts.constraints) == len(doc.constraints)
        together = found.together if only_counts or found.together is False else None
    else:
        found = feasibility(doc, sized.plan)
        refused, together = list(found.refused), found.together
    for refusal in refused:
        message, hint = _explain(refusal)
        report.error(message, refusal.constraint.pos, hint)
    if not refused and together is False:
        last = doc.constraints[-1]
        report.error(
            "unsatisfiable constraints: each is kept by some architecture, but none keeps them all",
            last.pos,
            "loosen one of the bounds: "
            + "; ".join(f"`{format_constraint_body(c)}`" for c in doc.constraints),
        )


def _explain(r: Refusal) -> tuple[str, str | None]:
    """The message and hint of one refusal, in the words of its metric."""
    c = r.constraint
    if not r.names:
        return (
            "unsatisfiable constraint: no architecture keeps it in every head at once",
            "the heads share decisions: loosen the bound",
        )
    whole = isinstance(c.scope, ast.Whole) and c.target is None
    where = "all heads" if whole else r.names[0]
    low, high = int(r.low), int(r.high)
    if c.metric == "count":
        ops = f"{'/'.join(c.ops)} op(s) in {where}"
        if c.cmp in ("<=", "<"):
            limit = int(c.bound) - (1 if c.cmp == "<" else 0)
            return (
                f"unsatisfiable constraint: every architecture has at least {low} {ops}",
                f"the bound allows at most {limit}",
            )
        if c.cmp in (">=", ">"):
            return (
                f"unsatisfiable constraint: every architecture has at most {high} {ops}",
                f"the bound asks for at least {int(c.bound) + (1 if c.cmp == '>' else 0)}",
            )
        return (
            f"unsatisfiable constraint: no architecture has exactly {format_bound(c.bound)} {ops}",
            f"architectures have {low} to {high}",
        )
    noun = "parameters" if c.metric == "params" else "FLOPs per sample"
    scope = "" if where == "all heads" else f" in {where}"
    if c.cmp in ("<=", "<"):
        return (
            f"unsatisfiable constraint: the smallest architecture has {low:,} {noun}{scope}",
            f"raise the bound to at least {low + (1 if c.cmp == '<' else 0):,}",
        )
    if c.cmp in (">=", ">"):
        return (
            f"unsatisfiable constraint: the largest architecture has {high:,} {noun}{scope}",
            f"lower the bound to at most {high - (1 if c.cmp == '>' else 0):,}",
        )
    exactly = f"exactly {format_bound(c.bound)} {noun}{scope}"
    return (
        f"unsatisfiable constraint: no architecture has {exactly}",
        f"architectures have {low:,} to {high:,}",
    )
