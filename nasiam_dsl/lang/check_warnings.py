"""Warnings: what builds but is likely not what the user meant (never stops a build)."""

from __future__ import annotations

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.infer import BACKBONE, Inference
from nasiam_dsl.lang.report import Reporter

__all__ = ["PREDICTOR_SLOT", "is_predictor", "warn_parameter_free_predictors", "warn_unused"]

PREDICTOR_SLOT = "predictor"
"""The head slot the predicting frameworks (SimSiam, BYOL, MoCo v3) read a prediction from;
a head fills the slot of its name."""


def warn_unused(head: ast.Head, facts: Inference, report: Reporter) -> None:
    """Nodes that never reach the head's last node."""
    live = facts.live.get(head.name)
    if live is None:
        return
    for node in head.nodes[:-1]:
        if node.name not in live:
            report.warn(
                f"node '{node.name}' is never used",
                node.pos,
                f"only nodes that reach the last node ('{head.nodes[-1].name}') "
                "are part of the head's output",
                code="unused",
            )


def is_predictor(head: ast.Head, doc: ast.Document) -> bool:
    """A head that predicts: it fills the predictor slot, or it is the second head reading
    the first one's output."""
    if head.name == PREDICTOR_SLOT:
        return True
    heads = {h.name for h in doc.heads}
    return isinstance(head.source, str) and head.source != BACKBONE and head.source in heads


def warn_parameter_free_predictors(doc: ast.Document, facts: Inference, report: Reporter) -> None:
    """A predictor whose output can have no parameters at all collapses (the identity)."""
    for head in facts.order:
        if not is_predictor(head, doc) or _has_param_floor(doc, head.name):
            continue
        lo, hi = facts.bounds(head.name, facts.live.get(head.name))
        if lo.params == 0 and hi.params > 0:
            report.warn(
                f"head '{head.name}' can become parameter-free (identity/pool ops only)",
                head.pos,
                "a SimSiam-style predictor that is the identity collapses; add "
                f"`constraint params({head.name}) > 0` or fewer parameter-free candidates",
                code="identity-predictor",
            )


def _has_param_floor(doc: ast.Document, head: str) -> bool:
    return any(
        c.metric == "params"
        and c.target == head
        and c.cmp in (">", ">=")
        and (c.bound > 0 if c.cmp == ">=" else c.bound >= 0)
        for c in doc.constraints
    )
