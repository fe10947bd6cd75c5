"""Semantic checks: names, ops, widths, choices, labels, constraints.

Every error of a file is collected before anything is raised, so a user fixes them all in
one pass. Warnings (unused nodes, a predictor that can become parameter-free) are reported
beside the errors but never stop a build. The facts the checks judge (head order, widths,
bounds) come from the one inference pass (`infer.py`); each idea is checked in its own
module: nodes (`check_nodes.py`), sets and options (`check_options.py`), constraints
(`check_constraints.py`), warnings (`check_warnings.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.check_constraints import check_constraints, check_satisfiable
from nasiam_dsl.lang.check_nodes import NodeChecks
from nasiam_dsl.lang.check_warnings import warn_parameter_free_predictors, warn_unused
from nasiam_dsl.lang.errors import Diagnostic, DSLError, did_you_mean
from nasiam_dsl.lang.expand import expand_heads
from nasiam_dsl.lang.infer import BACKBONE, Inference, Width, infer
from nasiam_dsl.lang.report import Reporter
from nasiam_dsl.lang.walk import KIND_OF, is_open, node_choices

MEMBER_HINT = (
    "every member of the space (one candidate per choice) must agree here: "
    "share the width decision (`width{...} as LABEL` on both) or fix the widths"
)


@dataclass
class CheckResult:
    """What the checker found, plus the facts later rooms read (`facts`, and its widths)."""

    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    facts: Inference | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def node_widths(self) -> dict[tuple[str, str], Width]:
        return self.facts.node_widths if self.facts else {}

    @property
    def head_widths(self) -> dict[str, Width]:
        return self.facts.head_widths if self.facts else {}

    @property
    def head_input_widths(self) -> dict[str, Width]:
        return self.facts.input_widths if self.facts else {}


def check(doc: ast.Document, *, backbone_dim: int | None = None) -> CheckResult:
    """Check a parsed document; `backbone_dim` resolves the `backbone` width when known."""
    if doc.written is not None or doc.blocks:
        try:
            expand_heads(doc)
        except DSLError as err:  # the heads are not plain nodes: nothing else can be judged
            return CheckResult(list(err.diagnostics))
    report = Reporter()
    facts = infer(doc, backbone_dim)
    nodes = NodeChecks(doc, report)
    nodes.check_lets()
    _report_head_order(facts, report)
    for head in facts.order:
        nodes.check_head(head)
        if head.nodes:
            warn_unused(head, facts, report)
    _report_width_conflicts(facts, report)
    check_constraints(doc, report)
    if not report.errors and facts.bounds_known:
        check_satisfiable(doc, facts, report)
        warn_parameter_free_predictors(doc, facts, report)
    if not report.errors:  # members are compared once the largest widths agree
        for found in facts.member_conflicts:
            report.error(found.message, found.pos, MEMBER_HINT)
    if doc.kind == "genotype":
        _check_closed(doc, nodes.lets, report)
    if not doc.heads:
        report.error(
            f"{doc.kind} '{doc.name}' has no head",
            doc.pos,
            "add `head projector(x: backbone) { ... }`",
        )
    return CheckResult(report.errors, report.warnings, facts)


def check_or_raise(
    doc: ast.Document,
    source: str | None = None,
    filename: str = "<text>",
    *,
    backbone_dim: int | None = None,
) -> CheckResult:
    """Check and raise one `DSLError` holding every error (warnings ride along)."""
    result = check(doc, backbone_dim=backbone_dim)
    if result.errors:
        ordered = sorted(result.errors, key=_order)
        raise DSLError(ordered, source, filename, warnings=tuple(result.warnings))
    return result


def _order(d: Diagnostic) -> tuple[int, int]:
    return (d.pos.line, d.pos.column) if d.pos else (0, 0)


def _report_head_order(facts: Inference, report: Reporter) -> None:
    heads = [h.name for h in facts.doc.heads]
    for problem in facts.head_problems:
        head = problem.head
        if problem.kind == "duplicate":
            prev = problem.first.pos if problem.first else None
            report.error(
                f"duplicate head '{head.name}'",
                head.pos,
                f"first defined on line {prev.line}" if prev else None,
            )
        elif problem.kind == "cycle":
            report.error(f"heads feed each other in a cycle through '{head.name}'", head.pos)
        else:
            src = str(head.source)
            report.error(
                f"undefined input source '{src}' of head '{head.name}'",
                head.pos,
                did_you_mean(src, [*dict.fromkeys(heads), BACKBONE])
                or "a head reads `backbone`, another head, or a width",
            )


def _report_width_conflicts(facts: Inference, report: Reporter) -> None:
    for conflict in facts.conflicts:
        shown = ", ".join(str(w) for w in conflict.widths)
        report.error(
            f"width mismatch: {conflict.what} have widths {shown}",
            conflict.pos,
            "summed or chosen outputs must have the same width",
        )


def _check_closed(doc: ast.Document, lets: dict[str, ast.LetDef], report: Reporter) -> None:
    for head in doc.heads:
        for node in head.nodes:
            for site in node_choices(head, node):
                if is_open(site.choice, lets):
                    report.error(
                        f"a genotype has every choice closed, but this {site.kind} choice is open",
                        site.choice.pos,
                        "keep one candidate (with its probability: `{gelu @0.71}`), "
                        "or write the file as a `space`",
                    )


__all__ = ["KIND_OF", "CheckResult", "check", "check_or_raise"]
