"""Semantic checks: names, ops, widths, choices, labels, constraints.

Every error of a file is collected before anything is raised, so a user fixes
them all in one pass. Warnings (unused nodes, a predictor that can become
parameter-free) are reported beside the errors but never stop a build.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from nasiam_dsl import registry
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.errors import Diagnostic, DSLError, did_you_mean
from nasiam_dsl.lang.printer import format_pipeline, format_set_item
from nasiam_dsl.lang.walk import KIND_OF, is_open, node_choices, resolve_set
from nasiam_dsl.lang.widths import check_member_widths

BACKBONE = "backbone"
MAX_WIDTH = 1 << 20

Width = int | str | None  # int, "backbone" when its size is not known yet, None if unknown


@dataclass
class Cost:
    """Lower and upper bounds of a head's parameters over all its architectures."""

    min_params: int = 0
    max_params: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.min_params + other.min_params, self.max_params + other.max_params)


@dataclass
class CheckResult:
    """What the checker found, plus the facts later rooms need (widths)."""

    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    node_widths: dict[tuple[str, str], Width] = field(default_factory=dict)
    head_widths: dict[str, Width] = field(default_factory=dict)
    head_input_widths: dict[str, Width] = field(default_factory=dict)
    head_costs: dict[str, Cost] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def check(doc: ast.Document, *, backbone_dim: int | None = None) -> CheckResult:
    """Check a parsed document; `backbone_dim` resolves the `backbone` width when known."""
    return _Checker(doc, backbone_dim).run()


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


class _Checker:
    def __init__(self, doc: ast.Document, backbone_dim: int | None):
        self.doc = doc
        self.backbone_dim = backbone_dim
        self.result = CheckResult()
        self.lets: dict[str, ast.LetDef] = {}
        self.labels: dict[str, tuple[str, tuple[str, ...], ast.Pos | None]] = {}
        self.node_reads: dict[str, dict[str, list[str]]] = {}

    # ---- reporting --------------------------------------------------------------
    def error(self, message: str, pos: ast.Pos | None, hint: str | None = None, code="check"):
        self.result.errors.append(Diagnostic(message, pos, "error", hint, code))

    def warn(self, message: str, pos: ast.Pos | None, hint: str | None = None, code="check"):
        self.result.warnings.append(Diagnostic(message, pos, "warning", hint, code))

    def member_mismatch(self, message: str, pos: ast.Pos | None) -> None:
        self.error(
            message,
            pos,
            "every member of the space (one candidate per choice) must agree here: "
            "share the width decision (`width{...} as LABEL` on both) or fix the widths",
        )

    # ---- document ---------------------------------------------------------------
    def run(self) -> CheckResult:
        self.check_lets()
        order = self.head_order()
        for head in order:
            self.check_head(head)
        self.check_constraints()
        if not self.result.errors:  # members are compared once the largest widths agree
            check_member_widths(self.doc, order, self.backbone_dim, self.member_mismatch)
        if self.doc.kind == "genotype":
            self.check_closed()
        if not self.doc.heads:
            self.error(
                f"{self.doc.kind} '{self.doc.name}' has no head",
                self.doc.pos,
                "add `head projector(x: backbone) { ... }`",
            )
        return self.result

    def check_lets(self) -> None:
        for let in self.doc.lets:
            if let.name in self.lets:
                prev = self.lets[let.name].pos
                self.error(
                    f"duplicate name '{let.name}'",
                    let.pos,
                    f"first defined on line {prev.line}" if prev else None,
                )
                continue
            self.lets[let.name] = let
            if isinstance(let.value, ast.SetLiteral):
                self.check_set_literal(let.value, kind=None)

    def head_order(self) -> list[ast.Head]:
        heads: dict[str, ast.Head] = {}
        for head in self.doc.heads:
            if head.name in heads:
                prev = heads[head.name].pos
                self.error(
                    f"duplicate head '{head.name}'",
                    head.pos,
                    f"first defined on line {prev.line}" if prev else None,
                )
                continue
            heads[head.name] = head
        order: list[ast.Head] = []
        state: dict[str, str] = {}

        def visit(head: ast.Head) -> None:
            if state.get(head.name) == "done":
                return
            if state.get(head.name) == "active":
                self.error(f"heads feed each other in a cycle through '{head.name}'", head.pos)
                return
            state[head.name] = "active"
            src = head.source
            if isinstance(src, str) and src != BACKBONE:
                if src in heads:
                    visit(heads[src])
                else:
                    self.error(
                        f"undefined input source '{src}' of head '{head.name}'",
                        head.pos,
                        did_you_mean(src, [*heads, BACKBONE])
                        or "a head reads `backbone`, another head, or a width",
                    )
            state[head.name] = "done"
            order.append(head)

        for head in heads.values():
            visit(head)
        return order

    # ---- heads and nodes ------------------------------------------------------------
    def input_width(self, head: ast.Head) -> Width:
        src = head.source
        if isinstance(src, int):
            if not 0 < src <= MAX_WIDTH:
                self.error(f"input width {src} out of range 1..{MAX_WIDTH}", head.pos)
                return None
            return src
        if src == BACKBONE:
            return self.backbone_dim if self.backbone_dim is not None else BACKBONE
        return self.result.head_widths.get(src)

    def check_head(self, head: ast.Head) -> None:
        scope: dict[str, Width] = {head.input: self.input_width(head)}
        self.result.head_input_widths[head.name] = scope[head.input]
        defined_at: dict[str, ast.NodeDef] = {}
        later = {n.name: n for n in head.nodes}
        costs: dict[str, Cost] = {head.input: Cost()}
        if not head.nodes:
            self.error(f"head '{head.name}' has no nodes", head.pos)
            return
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
            ctx = _NodeCtx(head, node, scope, later, defined_at)
            width, cost = self.pipeline(node.expr, ctx)
            self.result.node_widths[(head.name, node.name)] = width
            scope[node.name] = width
            defined_at[node.name] = node
            costs[node.name] = cost
            self.node_reads.setdefault(head.name, {})[node.name] = ctx.reads
        out = head.nodes[-1].name
        self.result.head_widths[head.name] = scope.get(out)
        total = sum(costs.values(), Cost())
        self.result.head_costs[head.name] = total
        live = self.check_reachable(head)
        # what the output can cost: nodes that never reach it cannot keep it from collapsing
        out_cost = sum((c for n, c in costs.items() if n in live), Cost())
        for site in (s for node in head.nodes for s in node_choices(head, node)):
            self.check_label(site.key, site.kind, site.choice)
        if (
            out_cost.min_params == 0
            and out_cost.max_params > 0
            and head.name.startswith("pred")
            and not self.has_param_floor(head.name)
        ):
            self.warn(
                f"head '{head.name}' can become parameter-free (identity/pool ops only)",
                head.pos,
                "a SimSiam-style predictor that is the identity collapses; add "
                f"`constraint params({head.name}) > 0` or fewer parameter-free candidates",
                code="identity-predictor",
            )

    def has_param_floor(self, head: str) -> bool:
        for c in self.doc.constraints:
            if (
                c.metric == "params"
                and c.target == head
                and c.cmp in (">", ">=")
                and (c.bound > 0 if c.cmp == ">=" else c.bound >= 0)
            ):
                return True
        return False

    def check_reachable(self, head: ast.Head) -> set[str]:
        """Warn about nodes that never reach the last one; return those that do."""
        reads = self.node_reads.get(head.name, {})
        live = set()
        todo = [head.nodes[-1].name]
        while todo:
            name = todo.pop()
            if name in live:
                continue
            live.add(name)
            todo.extend(reads.get(name, ()))
        for node in head.nodes[:-1]:
            if node.name not in live:
                self.warn(
                    f"node '{node.name}' is never used",
                    node.pos,
                    f"only nodes that reach the last node ('{head.nodes[-1].name}') "
                    "are part of the head's output",
                    code="unused",
                )
        return live

    # ---- pipelines ----------------------------------------------------------------------
    def pipeline(self, p: ast.Pipeline, ctx: _NodeCtx) -> tuple[Width, Cost]:
        src = p.source
        if isinstance(src, ast.Choose):
            width, cost = self.choose(src, ctx)
        else:
            width, cost = self.input(src, ctx), Cost()
        for stage in p.stages:
            width, stage_cost = self.stage(stage, width, ctx)
            cost = cost + stage_cost
        return width, cost

    def choose(self, choose: ast.Choose, ctx: _NodeCtx) -> tuple[Width, Cost]:
        results = [self.pipeline(c, ctx) for c in choose.candidates]
        self.duplicates(
            [_pipeline_text(c) for c in choose.candidates],
            choose.candidates,
            "candidate",
            severity="warning",
            hint="equal candidates of an op choice differ only by their random init: the "
            "choice cannot learn which is better (the seed's expanding layers, lesson M3)",
        )
        widths = [w for w, _ in results]
        width = self.same_width(widths, choose.pos, "candidates of this choice")
        costs = [c for _, c in results]
        return width, Cost(min(c.min_params for c in costs), max(c.max_params for c in costs))

    def input(self, inp: ast.Input, ctx: _NodeCtx) -> Width:
        if isinstance(inp, ast.Ref):
            return self.ref(inp, ctx)
        widths = [self.ref(r, ctx) for r in inp.inputs]
        self.duplicates(
            [r.name for r in inp.inputs], inp.inputs, "input", hint="name each input once"
        )
        if inp.pick is not None:
            n = len(inp.inputs)
            if not 1 <= inp.pick <= n:
                self.error(
                    f"cannot pick {inp.pick} of {n} inputs", inp.pos, f"pick between 1 and {n}"
                )
                return None
        if inp.mode == "concat":
            known = [w for w in widths if isinstance(w, int)]
            if len(known) != len(widths):
                return None
            if inp.pick is not None and inp.pick < len(widths):  # pick n of n: concat of all
                same = self.same_width(widths, inp.pos, "inputs of a picked concat")
                return same * inp.pick if isinstance(same, int) else None
            return sum(known)
        return self.same_width(widths, inp.pos, f"inputs of {inp.mode}")

    def ref(self, ref: ast.Ref, ctx: _NodeCtx) -> Width:
        name = ref.name
        if name in ctx.scope:
            ctx.reads.append(name)
            return ctx.scope[name]
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
        return None

    def stage(self, stage: ast.Stage, width: Width, ctx: _NodeCtx) -> tuple[Width, Cost]:
        if isinstance(stage, ast.ActChoice):
            self.check_choice_set(stage.options, "act", stage.pos)
            return width, Cost()
        if isinstance(stage, ast.NormChoice):
            items = self.check_choice_set(stage.options, "norm", stage.pos)
            costs = [self.norm_params(item, width) for item in items] or [0]
            return width, Cost(min(costs), max(costs))
        return self.call(stage, width)

    def call(self, call: ast.Call, width: Width) -> tuple[Width, Cost]:
        spec = registry.get_op(call.name)
        if spec is None:
            self.error(
                f"unknown op '{call.name}'",
                call.pos,
                did_you_mean(call.name, registry.op_names())
                or "`nasiam ops` lists the ops, norms and activations",
            )
            return width, Cost()
        if spec.name == registry.NO_NORM:
            self.error(
                "'none' is only a candidate of a norm choice",
                call.pos,
                "write `norm{bn, none}`, or leave the stage out",
            )
            return width, Cost()
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
                return None, Cost()
            out, choices = self.width_arg(positional[0])
            bias = _kw(kwargs, "bias", True)
            extra = 1 if bias is not False else 0
            if isinstance(width, int) and choices:
                ps = [(width + extra) * w for w in choices]
                return out, Cost(min(ps), max(ps))
            return out, Cost()
        if positional:
            self.error(
                f"'{call.name}' takes no width",
                positional[0].pos,
                "only `linear` changes the width",
            )
        if call.name in ("avgpool", "maxpool"):
            kernel = _kw(kwargs, "kernel", 3)
            if isinstance(kernel, int) and (kernel < 1 or kernel % 2 == 0):
                self.error(
                    f"pool kernel must be odd and positive, got {kernel}",
                    call.pos,
                    "the pool keeps the feature size: kernel 3, 5, ...",
                )
        if spec.kind == "norm":
            p = self.norm_params(ast.Term(name=call.name, kwargs=tuple(kwargs)), width)
            return width, Cost(p, p)
        return width, Cost()

    def norm_params(self, item: ast.SetItem, width: Width) -> int:
        if not isinstance(item, ast.Term) or not isinstance(width, int):
            return 0
        spec = registry.get_op(item.name)
        if spec is None or spec.name == registry.NO_NORM:
            return 0
        return 2 * width if _kw(item.kwargs, "affine", True) else 0

    def width_arg(self, arg: ast.Argument) -> tuple[Width, list[int]]:
        if isinstance(arg, ast.IntLit):
            if not 0 < arg.value <= MAX_WIDTH:
                self.error(f"width {arg.value} out of range 1..{MAX_WIDTH}", arg.pos)
                return None, []
            return arg.value, [arg.value]
        if isinstance(arg, ast.WidthName):
            if arg.name == BACKBONE:
                if self.backbone_dim is None:
                    return BACKBONE, []
                return self.backbone_dim, [self.backbone_dim]
            let = self.lets.get(arg.name)
            if let is None or not isinstance(let.value, ast.IntLit):
                names = [n for n, v in self.lets.items() if isinstance(v.value, ast.IntLit)]
                self.error(
                    f"undefined width '{arg.name}'",
                    arg.pos,
                    did_you_mean(arg.name, [*names, BACKBONE])
                    or "a width is an integer, `backbone`, or a `let` integer",
                )
                return None, []
            return let.value.value, [let.value.value]
        assert isinstance(arg, ast.WidthChoice)
        items = self.check_choice_set(arg.options, "width", arg.pos)
        values = [i.value for i in items if isinstance(i, ast.IntLit)]
        for i in items:
            if isinstance(i, ast.IntLit) and not 0 < i.value <= MAX_WIDTH:
                self.error(f"width {i.value} out of range 1..{MAX_WIDTH}", i.pos)
        values = [v for v in values if 0 < v <= MAX_WIDTH]
        return (max(values) if values else None), values

    # ---- sets and choices -------------------------------------------------------------
    def check_choice_set(self, options: ast.SetExpr, kind: str, pos) -> tuple[ast.SetItem, ...]:
        if isinstance(options, ast.SetRef):
            let = self.lets.get(options.name)
            if let is None:
                sets = [n for n, v in self.lets.items() if isinstance(v.value, ast.SetLiteral)]
                self.error(
                    f"undefined set '{options.name}'",
                    options.pos or pos,
                    did_you_mean(options.name, sets) or "define it with `let`",
                )
                return ()
            if not isinstance(let.value, ast.SetLiteral):
                self.error(f"'{options.name}' is a width, not a set", options.pos or pos)
                return ()
            items = let.value.items
            self.check_set_literal(let.value, kind, report_pos=options.pos or pos)
            return items
        self.check_set_literal(options, kind)
        return options.items

    def check_set_literal(self, s: ast.SetLiteral, kind: str | None, report_pos=None) -> None:
        if not s.items:
            if report_pos is None:  # a `let` set is reported once, where it is defined
                self.error("empty choice: a set needs at least one candidate", s.pos)
            return
        if report_pos is None:
            self.duplicates([_item_text(i) for i in s.items], s.items, "candidate")
        if kind is None:
            kinds = {self.item_kind(i) for i in s.items}
            if len(kinds) > 1 and None not in kinds:
                self.error("a set mixes " + " and ".join(sorted(k for k in kinds if k)), s.pos)
            return
        for item in s.items:
            if kind == "width":
                if not isinstance(item, ast.IntLit):
                    self.error(
                        f"'{_item_text(item)}' is not a width",
                        report_pos or item.pos,
                        "width sets hold integers",
                    )
                continue
            if isinstance(item, ast.IntLit):
                self.error(
                    f"{item.value} is not {'an activation' if kind == 'act' else 'a norm'}",
                    report_pos or item.pos,
                )
                continue
            spec = registry.get_op(item.name)
            allowed = registry.op_names(kind) + (["identity"] if kind == "act" else [])
            if spec is None or item.name not in allowed:
                what = "activation" if kind == "act" else "norm"
                self.error(
                    f"unknown {what} '{item.name}'",
                    report_pos or item.pos,
                    did_you_mean(item.name, allowed) or f"{what}s: {', '.join(sorted(allowed))}",
                )
                continue
            self.check_kwargs(spec, list(item.kwargs), report_pos or item.pos)

    def item_kind(self, item: ast.SetItem) -> str | None:
        if isinstance(item, ast.IntLit):
            return "width"
        spec = registry.get_op(item.name)
        if spec is None:
            return None
        return "act" if item.name == "identity" else spec.kind

    def check_kwargs(self, spec: registry.OpSpec, kwargs: list[ast.KwArg], pos) -> None:
        seen = set()
        for kw in kwargs:
            if kw.name in seen:
                self.error(f"option '{kw.name}' given twice", kw.pos or pos)
            seen.add(kw.name)
            option = spec.options.get(kw.name)
            if option is None:
                self.error(
                    f"'{spec.name}' has no option '{kw.name}'",
                    kw.pos or pos,
                    did_you_mean(kw.name, spec.options)
                    or (
                        f"options: {', '.join(spec.options)}"
                        if spec.options
                        else f"'{spec.name}' takes no options"
                    ),
                )
                continue
            if not _type_ok(kw.value, option):
                allowed = (
                    ", ".join(_show(c) for c in option.choices)
                    if option.choices
                    else _type_name(option.type)
                )
                self.error(
                    f"bad value {_show(kw.value)} for '{spec.name}' option '{kw.name}'",
                    kw.pos or pos,
                    f"expected {allowed}",
                )

    def duplicates(
        self,
        texts: list[str],
        nodes: Iterable[ast.Node],
        what: str,
        severity: str = "error",
        hint: str = "a choice among equal candidates cannot learn which is better",
    ) -> None:
        seen: set[str] = set()
        report = self.warn if severity == "warning" else self.error
        for text, node in zip(texts, nodes, strict=False):
            if text in seen:
                report(f"duplicate {what} '{text}'", node.pos, hint, code="duplicate")
            seen.add(text)

    def same_width(self, widths: list[Width], pos, what: str) -> Width:
        ints = {w for w in widths if isinstance(w, int)}
        syms = {w for w in widths if isinstance(w, str)}
        if None in widths:
            return None
        if len(ints) > 1:
            shown = ", ".join(str(w) for w in widths)
            self.error(
                f"width mismatch: {what} have widths {shown}",
                pos,
                "summed or chosen outputs must have the same width",
            )
            return None
        if ints and syms:
            return None
        return next(iter(ints or syms), None)

    def check_label(self, key: str, kind: str, choice) -> None:
        if choice.label is None:
            return
        cands = _candidates_text(choice, self.lets)
        prev = self.labels.get(choice.label)
        if prev is None:
            self.labels[choice.label] = (kind, cands, choice.pos)
            return
        pkind, pcands, ppos = prev
        if pkind != kind or pcands != cands:
            where = f" (line {ppos.line})" if ppos else ""
            self.error(
                f"label '{choice.label}' is shared by choices with different candidates",
                choice.pos,
                f"choices sharing a label make one decision; the first{where} "
                f"has {len(pcands)} {pkind} candidates",
            )

    # ---- constraints -----------------------------------------------------------------
    def check_constraints(self) -> None:
        heads = {h.name: h for h in self.doc.heads}
        ops = registry.op_names()
        for c in self.doc.constraints:
            for op in c.ops:
                if registry.get_op(op) is None:
                    self.error(f"unknown op '{op}' in constraint", c.pos, did_you_mean(op, ops))
            for name in (c.target, c.scope):
                if name and name != "per_head" and name not in heads:
                    self.error(
                        f"constraint names unknown head '{name}'", c.pos, did_you_mean(name, heads)
                    )
            if c.bound < 0:
                self.error("a constraint bound must not be negative", c.pos)
            if c.metric == "count":
                self.check_count_satisfiable(c, heads)
            elif c.metric == "params":
                self.check_params_satisfiable(c)

    def check_count_satisfiable(self, c: ast.Constraint, heads: dict[str, ast.Head]) -> None:
        if c.cmp not in ("<=", "<", "=="):
            return
        targets = (
            list(heads.values())
            if c.scope in (None, "per_head")
            else ([heads[c.scope]] if c.scope in heads else [])
        )
        limit = c.bound - (1 if c.cmp == "<" else 0)
        mins = {h.name: sum(_min_count(n.expr, set(c.ops)) for n in h.nodes) for h in targets}
        if c.scope == "per_head" or c.scope in heads:
            bad = [(h, m) for h, m in mins.items() if m > limit]
        else:
            total = sum(mins.values())
            bad = [("all heads", total)] if total > limit else []
        for where, m in bad:
            self.error(
                f"unsatisfiable constraint: every architecture has at least {m} "
                f"{'/'.join(c.ops)} op(s) in {where}",
                c.pos,
                f"the bound allows at most {limit}",
            )

    def check_params_satisfiable(self, c: ast.Constraint) -> None:
        costs = self.result.head_costs
        if c.target is not None:
            cost = costs.get(c.target)
        else:
            cost = sum(costs.values(), Cost()) if costs else None
        if cost is None:
            return
        if (
            c.cmp in ("<=", "<")
            and cost.min_params > 0
            and (cost.min_params > c.bound or (c.cmp == "<" and cost.min_params == c.bound))
        ):
            self.error(
                f"unsatisfiable constraint: the smallest architecture has "
                f"{cost.min_params:,} parameters",
                c.pos,
                f"raise the bound to at least {cost.min_params:,}",
            )
        if c.cmp in (">=", ">") and cost.max_params < c.bound:
            self.error(
                f"unsatisfiable constraint: the largest architecture has "
                f"{cost.max_params:,} parameters",
                c.pos,
            )

    # ---- genotypes ----------------------------------------------------------------------
    def check_closed(self) -> None:
        for head in self.doc.heads:
            for node in head.nodes:
                for site in node_choices(head, node):
                    if is_open(site.choice, self.lets):
                        self.error(
                            f"a genotype has every choice closed, but this {site.kind} "
                            "choice is open",
                            site.choice.pos,
                            "keep one candidate (with its probability: `{gelu @0.71}`), "
                            "or write the file as a `space`",
                        )


@dataclass
class _NodeCtx:
    head: ast.Head
    node: ast.NodeDef
    scope: dict[str, Width]
    later: dict[str, ast.NodeDef]
    defined_at: dict[str, ast.NodeDef]
    reads: list[str] = field(default_factory=list)


def _kw(kwargs: Iterable[ast.KwArg], name: str, default):
    for kw in kwargs:
        if kw.name == name:
            return kw.value
    return default


def _type_ok(value, option: registry.Option) -> bool:
    if option.choices is not None:
        return any(value == c and type(value) is type(c) for c in option.choices)
    types = option.type if isinstance(option.type, tuple) else (option.type,)
    if float in types and isinstance(value, int) and not isinstance(value, bool):
        return True
    return any(type(value) is t for t in types)


def _type_name(t) -> str:
    types = t if isinstance(t, tuple) else (t,)
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a name"}
    return " or ".join(names.get(x, x.__name__) for x in types)


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _item_text(item: ast.SetItem) -> str:
    return format_set_item(item.model_copy(update={"prob": None}))


def _pipeline_text(p: ast.Pipeline) -> str:
    return format_pipeline(p.model_copy(update={"prob": None}), width=10**9)


def _candidates_text(choice, lets) -> tuple[str, ...]:
    if isinstance(choice, ast.Choose):
        return tuple(_pipeline_text(c) for c in choice.candidates)
    if isinstance(choice, ast.Combine):
        return (f"{choice.mode}:{choice.pick}", *(r.name for r in choice.inputs))
    return tuple(_item_text(i) for i in resolve_set(choice.options, lets))


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


__all__ = ["KIND_OF", "CheckResult", "Cost", "check", "check_or_raise"]
