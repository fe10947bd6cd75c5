"""What `nasiam compile` reports: heads, nodes, choices, sizes, and how many architectures.

`build_report(doc, backbone_dim)` counts from the plan (nothing is allocated, so the 23M
parameters of the seed's supernet are free to report); `CompileReport.to_json()` is the
machine-readable form (architecture counts above 2**53 are written as strings, which JSON
numbers cannot hold exactly); `render_report` prints one tree per head with rich.
"""

from __future__ import annotations

from pydantic import BaseModel, field_serializer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from nasiam_dsl.compile.count import count_plan
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.check import check_or_raise
from nasiam_dsl.lang.infer import plan_document
from nasiam_dsl.lang.walk import candidate_count, is_open, node_choices

__all__ = [
    "ChoiceReport",
    "CompileReport",
    "HeadReport",
    "NodeReport",
    "build_report",
    "render_report",
]

JSON_SAFE = 2**53


class ChoiceReport(BaseModel):
    """One open choice at one site."""

    key: str
    kind: str
    candidates: int
    pick: int = 1
    label: str | None = None


class NodeReport(BaseModel):
    name: str
    width: int | None
    params: int
    flops: int
    choices: list[ChoiceReport] = []


class HeadReport(BaseModel):
    name: str
    input: str
    source: str | int
    in_width: int | None
    out_width: int | None
    params: int
    flops: int
    nodes: list[NodeReport]


class CompileReport(BaseModel):
    """A compiled document in numbers: supernet size, genotype bounds, architecture count.

    `params_*`/`flops_*`: supernet (every candidate), smallest and largest genotype; FLOPs
    are per sample, forward (convention in `nasiam_dsl.compile.count`).
    """

    name: str
    kind: str
    framework: str | None = None
    backbone_dim: int
    decisions: int
    architectures: int
    params_supernet: int
    params_min: int
    params_max: int
    flops_supernet: int
    flops_min: int
    flops_max: int
    heads: list[HeadReport]

    @field_serializer("architectures", when_used="json")
    def _big(self, value: int) -> int | str:
        return value if value < JSON_SAFE else str(value)

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)


def build_report(doc: ast.Document, backbone_dim: int) -> CompileReport:
    """Check, plan and count `doc` (raises `DSLError` on errors)."""
    result = check_or_raise(doc, backbone_dim=backbone_dim)
    plan = plan_document(doc, backbone_dim)
    counts = count_plan(plan)
    lets = {let.name: let for let in doc.lets}
    heads = []
    for head in doc.heads:
        table = counts.supernet[head.name]
        nodes = []
        for node in head.nodes:
            choices = [
                ChoiceReport(
                    key=site.key,
                    kind=site.kind,
                    candidates=candidate_count(site.choice, lets),
                    pick=getattr(site.choice, "pick", None) or 1,
                    label=site.choice.label,
                )
                for site in node_choices(head, node)
                if is_open(site.choice, lets)
            ]
            width = result.node_widths.get((head.name, node.name))
            tally = table[node.name]
            nodes.append(
                NodeReport(
                    name=node.name,
                    width=width if isinstance(width, int) else None,
                    params=tally.params,
                    flops=tally.flops,
                    choices=choices,
                )
            )
        total = counts.head(head.name)
        in_w, out_w = result.head_input_widths.get(head.name), result.head_widths.get(head.name)
        heads.append(
            HeadReport(
                name=head.name,
                input=head.input,
                source=head.source,
                in_width=in_w if isinstance(in_w, int) else None,
                out_width=out_w if isinstance(out_w, int) else None,
                params=total.params,
                flops=total.flops,
                nodes=nodes,
            )
        )
    sup, small, large = counts.supernet_total, counts.smallest_total, counts.largest_total
    return CompileReport(
        name=doc.name,
        kind=doc.kind,
        framework=doc.framework,
        backbone_dim=backbone_dim,
        decisions=len(plan.choices),
        architectures=counts.architectures,
        params_supernet=sup.params,
        params_min=small.params,
        params_max=large.params,
        flops_supernet=sup.flops,
        flops_min=small.flops,
        flops_max=large.flops,
        heads=heads,
    )


def _n(value: int) -> str:
    return f"{value:,}"


def _arch_count(n: int) -> str:
    return _n(n) if n < 10**15 else f"{n:.3e} ({len(str(n))} digits)"


def render_report(report: CompileReport, console: Console | None = None) -> None:
    """Print one tree per head (nodes, their widths, sizes and choices), then the totals."""
    console = console or Console()
    title = f"[bold]{report.kind} {report.name}[/bold]" + (
        f" for {report.framework}" if report.framework else ""
    )
    console.print(f"{title}  (backbone {report.backbone_dim})")
    for head in report.heads:
        tree = Tree(
            f"[bold cyan]head {head.name}[/]({head.input}: {head.source}) "
            f"{head.in_width} -> {head.out_width}  "
            f"[dim]{_n(head.params)} params, {_n(head.flops)} FLOPs[/]"
        )
        for node in head.nodes:
            branch = tree.add(
                f"[bold]{node.name}[/] [{node.width}]  "
                f"[dim]{_n(node.params)} params, {_n(node.flops)} FLOPs[/]"
            )
            for c in node.choices:
                pick = f"pick {c.pick} of " if c.pick > 1 else ""
                label = f" as {c.label}" if c.label else ""
                branch.add(f"[green]{c.key}[/]: {c.kind}, {pick}{c.candidates} candidates{label}")
        console.print(tree)
    table = Table(show_header=True, header_style="bold")
    for col in ("", "supernet", "smallest", "largest"):
        table.add_column(col, justify="right" if col else "left")
    table.add_row(
        "params", _n(report.params_supernet), _n(report.params_min), _n(report.params_max)
    )
    table.add_row(
        "FLOPs/sample", _n(report.flops_supernet), _n(report.flops_min), _n(report.flops_max)
    )
    console.print(table)
    console.print(
        f"{report.decisions} decisions, [bold]{_arch_count(report.architectures)}[/] architectures"
    )
