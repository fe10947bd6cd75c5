"""Lark tree → pydantic AST: one method per grammar rule, every node keeping its position."""

from __future__ import annotations

from typing import Any

from lark import Token, Transformer, v_args

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.tokens import (
    TokenValueError,
    int_value,
    number_value,
    prob_value,
    token_pos,
    unquote,
)


def meta_pos(meta: Any) -> ast.Pos | None:
    """A tree node's span, or None for an empty rule."""
    if getattr(meta, "empty", True):
        return None
    return ast.Pos(
        line=meta.line, column=meta.column, end_line=meta.end_line, end_column=meta.end_column
    )


def _name_and_value(children: list[Any]) -> tuple[str, Any]:
    """A `name = value` pair (meta entry, keyword argument); a number token becomes its value."""
    name, value = children
    return str(name), number_value(value) if isinstance(value, Token) else value


@v_args(meta=True)
class AstBuilder(Transformer):
    """Lark tree → pydantic AST, keeping positions."""

    def start(self, meta, children):
        return children[0]

    def document(self, meta, children):
        kind, name, framework, *items = children
        fields: dict[str, Any] = {"lets": [], "heads": [], "constraints": [], "blocks": []}
        meta_block = None
        for item in items:
            if isinstance(item, ast.Meta):
                if meta_block is not None:
                    raise TokenValueError("a document has at most one meta block", item.pos)
                meta_block = item
            elif isinstance(item, ast.LetDef):
                fields["lets"].append(item)
            elif isinstance(item, ast.Head):
                fields["heads"].append(item)
            elif isinstance(item, ast.BlockDef):
                fields["blocks"].append(item)
            else:
                fields["constraints"].append(item)
        return ast.Document(
            kind=str(kind),
            name=str(name),
            framework=str(framework) if framework is not None else None,
            meta=meta_block,
            lets=tuple(fields["lets"]),
            heads=tuple(fields["heads"]),
            constraints=tuple(fields["constraints"]),
            blocks=tuple(fields["blocks"]),
            pos=meta_pos(meta),
        )

    def block(self, meta, children):
        name, *params, body = children
        return ast.BlockDef(
            name=str(name), params=tuple(str(p) for p in params), **body, pos=meta_pos(meta)
        )

    def block_nodes(self, meta, children):
        return {"nodes": tuple(children)}

    def block_expr(self, meta, children):
        return {"expr": children[0]}

    def repeat(self, meta, children):
        (count,) = children
        if isinstance(count, Token):
            return ast.IntLit(value=int_value(count), pos=token_pos(count))
        return count

    def each(self, meta, children):
        return ast.Each(options=children[0], pos=meta_pos(meta))

    def kind(self, meta, children):
        return children[0]

    def meta(self, meta, children):
        return ast.Meta(entries=tuple(children), pos=meta_pos(meta))

    def meta_entry(self, meta, children):
        key, value = _name_and_value(children)
        return ast.MetaEntry(key=key, value=value, pos=meta_pos(meta))

    def string(self, meta, children):
        return unquote(children[0])

    def true(self, meta, children):
        return True

    def false(self, meta, children):
        return False

    def value_name(self, meta, children):
        return str(children[0])

    def let(self, meta, children):
        name, value = children
        if isinstance(value, Token):
            value = ast.IntLit(value=int_value(value), pos=token_pos(value))
        return ast.LetDef(name=str(name), value=value, pos=meta_pos(meta))

    def head(self, meta, children):
        name, input_name, source, *nodes = children
        return ast.Head(
            name=str(name),
            input=str(input_name),
            source=source,
            nodes=tuple(nodes),
            pos=meta_pos(meta),
        )

    def source_name(self, meta, children):
        return str(children[0])

    def source_width(self, meta, children):
        return int_value(children[0])

    def node(self, meta, children):
        name, repeat, expr = children
        return ast.NodeDef(name=str(name), expr=expr, repeat=repeat, pos=meta_pos(meta))

    def pipeline(self, meta, children):
        source, *stages = children
        if isinstance(source, tuple):  # call_with_input: (input, first stage)
            source, first = source
            stages = [first, *stages]
        return ast.Pipeline(source=source, stages=tuple(stages), pos=meta_pos(meta))

    def call_with_input(self, meta, children):
        name, input_, *args = children
        return input_, ast.Call(name=str(name), args=tuple(args), pos=meta_pos(meta))

    def choose(self, meta, children):
        *candidates, label = children
        return ast.Choose(candidates=tuple(candidates), label=label, pos=meta_pos(meta))

    def candidate(self, meta, children):
        pipeline, copies, prob = children
        update: dict[str, Any] = {}
        if copies is not None:
            update["copies"] = int_value(copies)
        if prob is not None:
            update["prob"] = prob
        return pipeline.model_copy(update=update) if update else pipeline

    def ref(self, meta, children):
        return ast.Ref(name=str(children[0]), pos=token_pos(children[0]))

    def combine_mode(self, meta, children):
        return str(children[0])

    def combine_fixed(self, meta, children):
        mode, *refs = children
        return ast.Combine(mode=mode, inputs=tuple(refs), pos=meta_pos(meta))

    def combine_pick(self, meta, children):
        mode, k, *items, label = children
        return ast.Combine(
            mode=mode, inputs=tuple(items), pick=int_value(k), label=label, pos=meta_pos(meta)
        )

    def pick_item(self, meta, children):
        name, prob = children
        return ast.Ref(name=str(name), prob=prob, pos=token_pos(name))

    def call(self, meta, children):
        name, *args = children
        args = [a for a in args if a is not None]
        return ast.Call(name=str(name), args=tuple(args), pos=meta_pos(meta))

    def act_choice(self, meta, children):
        options, label = children
        return ast.ActChoice(options=options, label=label, pos=meta_pos(meta))

    def norm_choice(self, meta, children):
        options, label = children
        return ast.NormChoice(options=options, label=label, pos=meta_pos(meta))

    def kwarg(self, meta, children):
        name, value = _name_and_value(children)
        return ast.KwArg(name=name, value=value, pos=meta_pos(meta))

    def width_int(self, meta, children):
        return ast.IntLit(value=int_value(children[0]), pos=meta_pos(meta))

    def width_name(self, meta, children):
        return ast.WidthName(name=str(children[0]), pos=meta_pos(meta))

    def width_choice(self, meta, children):
        options, label = children
        return ast.WidthChoice(options=options, label=label, pos=meta_pos(meta))

    def set_ref(self, meta, children):
        return ast.SetRef(name=str(children[0]), pos=meta_pos(meta))

    def set_literal(self, meta, children):
        return ast.SetLiteral(items=tuple(c for c in children if c is not None), pos=meta_pos(meta))

    def set_item(self, meta, children):
        item, prob = children
        if isinstance(item, Token):
            item = ast.IntLit(value=int_value(item), pos=token_pos(item))
        return item.model_copy(update={"prob": prob}) if prob is not None else item

    def term(self, meta, children):
        name, *kwargs = children
        return ast.Term(
            name=str(name), kwargs=tuple(k for k in kwargs if k is not None), pos=meta_pos(meta)
        )

    def label(self, meta, children):
        return str(children[0])

    def prob(self, meta, children):
        return prob_value(children[0])

    def constraint(self, meta, children):
        (metric, ops, target), cmp, bound, scope = children
        return ast.Constraint(
            metric=metric,
            ops=ops,
            target=target,
            cmp=str(cmp),
            bound=number_value(bound),
            scope=scope if scope is not None else ast.Whole(),
            pos=meta_pos(meta),
        )

    def cmp(self, meta, children):
        return str(children[0])

    def metric_count(self, meta, children):
        return "count", tuple(str(c) for c in children), None

    def size_metric(self, meta, children):
        return str(children[0])

    def metric_size(self, meta, children):
        metric, target = children
        return metric, (), str(target) if target is not None else None

    def per_head(self, meta, children):
        return ast.PerHead(pos=meta_pos(meta))

    def in_head(self, meta, children):
        return ast.InHead(name=str(children[0]), pos=meta_pos(meta))


__all__ = ["AstBuilder", "meta_pos"]
