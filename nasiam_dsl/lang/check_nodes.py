"""Checks of a head's nodes: names defined once and read after their definition, ops known
to the registry with the arguments they take, widths in range, picks that can be made.

Widths themselves come from the inference pass (`infer.py`); here only what a user wrote is
checked, node by node.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nasiam_dsl import registry
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.check_options import OptionChecks, kw_value, pipeline_text
from nasiam_dsl.lang.errors import did_you_mean, op_hint
from nasiam_dsl.lang.infer import BACKBONE, MAX_WIDTH
from nasiam_dsl.lang.walk import node_choices

__all__ = ["NodeChecks"]

EQUAL_PIPELINES = (
    "equal candidates of an op choice differ only by their random init: the choice cannot "
    "learn which is better (structurally equal candidates, such as several expanding "
    "layers of one width, are one candidate)"
)


@dataclass
class _NodeCtx:
    head: ast.Head
    node: ast.NodeDef
    scope: dict[str, None]
    later: dict[str, ast.NodeDef]
    defined_at: dict[str, ast.NodeDef] = field(default_factory=dict)


class NodeChecks(OptionChecks):
    """The node checks of one document (after `check_lets`)."""

    def check_head(self, head: ast.Head) -> None:
        src = head.source
        if isinstance(src, int) and not 0 < src <= MAX_WIDTH:
            self.error(f"input width {src} out of range 1..{MAX_WIDTH}", head.pos)
        if not head.nodes:
            self.error(f"head '{head.name}' has no nodes", head.pos)
            return
        scope = {head.input: None}
        defined_at: dict[str, ast.NodeDef] = {}
        later = {n.name: n for n in head.nodes}
        for node in head.nodes:
            if node.name in scope:
                where = defined_at.get(node.name)
                hint = (
                    f"first defined on line {where.pos.line}"
                    if where and where.pos
                    else ("this is the head's input name")
                )
                self.error(f"duplicate name '{node.name}' in head '{head.name}'", node.pos, hint)
                continue
            self.pipeline(node.expr, _NodeCtx(head, node, scope, later, defined_at))
            scope[node.name] = None
            defined_at[node.name] = node
        for site in (s for node in head.nodes for s in node_choices(head, node)):
            self.check_label(site.key, site.kind, site.choice)

    # ---- pipelines ----------------------------------------------------------------------
    def pipeline(self, p: ast.Pipeline, ctx: _NodeCtx) -> None:
        src = p.source
        if isinstance(src, ast.Choose):
            for cand in src.candidates:
                self.pipeline(cand, ctx)
            self.report.duplicates(
                [pipeline_text(c) for c in src.candidates],
                src.candidates,
                "candidate",
                severity="warning",
                hint=EQUAL_PIPELINES,
            )
        elif isinstance(src, ast.Ref):
            self.ref(src, ctx)
        else:
            self.combine(src, ctx)
        for stage in p.stages:
            self.stage(stage)

    def combine(self, comb: ast.Combine, ctx: _NodeCtx) -> None:
        for ref in comb.inputs:
            self.ref(ref, ctx)
        self.report.duplicates(
            [r.name for r in comb.inputs], comb.inputs, "input", hint="name each input once"
        )
        n = len(comb.inputs)
        if comb.pick is not None and not 1 <= comb.pick <= n:
            self.error(
                f"cannot pick {comb.pick} of {n} inputs", comb.pos, f"pick between 1 and {n}"
            )
        elif comb.mode == "depth" and comb.pick != 1:
            self.error(
                "depth(...) keeps one input: the output after the chosen number of layers",
                comb.pos,
                "write `depth(pick 1 of {h1, h2, h3})`, or `h = repeat {1, 2, 3} BLOCK(...)`",
            )

    def ref(self, ref: ast.Ref, ctx: _NodeCtx) -> None:
        name = ref.name
        if name in ctx.scope:
            return
        if name == ctx.node.name:
            self.error(
                f"node '{name}' reads itself",
                ref.pos,
                "a node may only read earlier nodes or the head input",
            )
        elif name in ctx.later:
            line = ctx.later[name].pos.line if ctx.later[name].pos else "?"
            self.error(
                f"node '{ctx.node.name}' reads '{name}', which is defined later (line {line})",
                ref.pos,
                "nodes form a DAG: a node may only read earlier nodes or the head input",
            )
        else:
            self.error(
                f"undefined name '{name}'",
                ref.pos,
                did_you_mean(name, ctx.scope) or f"names in scope: {', '.join(ctx.scope)}",
            )

    def stage(self, stage: ast.Stage) -> None:
        if isinstance(stage, ast.ActChoice):
            self.check_choice_set(stage.options, "act", stage.pos)
        elif isinstance(stage, ast.NormChoice):
            self.check_choice_set(stage.options, "norm", stage.pos)
        else:
            self.call(stage)

    def call(self, call: ast.Call) -> None:
        spec = registry.get_op(call.name)
        if spec is None:
            self.error(
                f"unknown op '{call.name}'",
                call.pos,
                op_hint(call.name) or "`nasiam ops` lists the ops, norms and activations",
            )
            return
        if spec.name == registry.NO_NORM:
            self.error(
                "'none' is only a candidate of a norm choice",
                call.pos,
                "write `norm{bn, none}`, or leave the stage out",
            )
            return
        positional = [a for a in call.args if not isinstance(a, ast.KwArg)]
        kwargs = [a for a in call.args if isinstance(a, ast.KwArg)]
        self.check_kwargs(spec, kwargs, call.pos)
        if spec.takes_width:
            if len(positional) != 1:
                self.error(
                    f"'{call.name}' takes one width, got {len(positional)}",
                    call.pos,
                    f"write `{call.name}(x, 512)` first in a pipeline, or "
                    f"`| {call.name}(512)` after it",
                )
                return
            self.width_arg(positional[0])
            return
        if positional:
            self.error(
                f"'{call.name}' takes no width",
                positional[0].pos,
                "only `linear` changes the width",
            )
        for name, option in spec.options.items():
            value = kw_value(kwargs, name, option.default)
            if option.odd and isinstance(value, int) and (value < 1 or value % 2 == 0):
                self.error(
                    f"{call.name} {name} must be odd and positive, got {value}",
                    call.pos,
                    f"the {call.name} keeps the feature size: {name} 3, 5, ...",
                )

    def width_arg(self, arg: ast.Argument) -> None:
        if isinstance(arg, ast.IntLit):
            if not 0 < arg.value <= MAX_WIDTH:
                self.error(f"width {arg.value} out of range 1..{MAX_WIDTH}", arg.pos)
            return
        if isinstance(arg, ast.WidthName):
            if arg.name == BACKBONE:
                return
            let = self.lets.get(arg.name)
            if let is None or not isinstance(let.value, ast.IntLit):
                names = [n for n, v in self.lets.items() if isinstance(v.value, ast.IntLit)]
                self.error(
                    f"undefined width '{arg.name}'",
                    arg.pos,
                    did_you_mean(arg.name, [*names, BACKBONE])
                    or "a width is an integer, `backbone`, or a `let` integer",
                )
            return
        assert isinstance(arg, ast.WidthChoice)
        for item in self.check_choice_set(arg.options, "width", arg.pos):
            if isinstance(item, ast.IntLit) and not 0 < item.value <= MAX_WIDTH:
                self.error(f"width {item.value} out of range 1..{MAX_WIDTH}", item.pos)
