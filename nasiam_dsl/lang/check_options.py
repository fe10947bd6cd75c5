"""Checks of sets, options and labels: candidates a choice may hold, and what they are called.

A choice set holds candidates of one kind (widths, activations or norms), each known to the
registry with options of the right types; choices sharing a label hold equal candidates.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nasiam_dsl import registry
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.errors import did_you_mean, op_hint
from nasiam_dsl.lang.printer import format_pipeline, format_set_item
from nasiam_dsl.lang.report import Reporter
from nasiam_dsl.lang.walk import resolve_set

__all__ = ["OptionChecks", "item_text", "kw_value", "pipeline_text"]


class OptionChecks:
    """Sets, options and labels of one document, reported to `report`."""

    def __init__(self, doc: ast.Document, report: Reporter) -> None:
        self.doc = doc
        self.report = report
        self.error = report.error
        self.lets: dict[str, ast.LetDef] = {}
        self.labels: dict[str, tuple[str, tuple[str, ...], ast.Pos | None]] = {}

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
            self.report.duplicates([item_text(i) for i in s.items], s.items, "candidate")
        if kind is None:
            kinds = {self.item_kind(i) for i in s.items}
            if len(kinds) > 1 and None not in kinds:
                self.error("a set mixes " + " and ".join(sorted(k for k in kinds if k)), s.pos)
            return
        for item in s.items:
            if kind == "width":
                if not isinstance(item, ast.IntLit):
                    self.error(
                        f"'{item_text(item)}' is not a width",
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
            empty = registry.EMPTY_CANDIDATE["act"]  # `act{relu, identity}`: no activation
            allowed = registry.op_names(kind) + ([empty] if kind == "act" else [])
            if spec is None or item.name not in allowed:
                what = "activation" if kind == "act" else "norm"
                self.error(
                    f"unknown {what} '{item.name}'",
                    report_pos or item.pos,
                    op_hint(item.name, allowed) or f"{what}s: {', '.join(sorted(allowed))}",
                )
                continue
            self.check_kwargs(spec, list(item.kwargs), report_pos or item.pos)

    def item_kind(self, item: ast.SetItem) -> str | None:
        if isinstance(item, ast.IntLit):
            return "width"
        spec = registry.get_op(item.name)
        if spec is None:
            return None
        return "act" if item.name == registry.EMPTY_CANDIDATE["act"] else spec.kind

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

    def check_label(self, key: str, kind: str, choice) -> None:
        if choice.label is None:
            return
        cands = candidates_text(choice, self.lets)
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


def kw_value(kwargs: Iterable[ast.KwArg], name: str, default: Any) -> Any:
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


def item_text(item: ast.SetItem) -> str:
    return format_set_item(item.model_copy(update={"prob": None}))


def pipeline_text(p: ast.Pipeline) -> str:
    return format_pipeline(p.model_copy(update={"prob": None}), width=10**9)


def candidates_text(choice, lets) -> tuple[str, ...]:
    if isinstance(choice, ast.Choose):
        return tuple(pipeline_text(c) for c in choice.candidates)
    if isinstance(choice, ast.Combine):
        return (f"{choice.mode}:{choice.pick}", *(r.name for r in choice.inputs))
    return tuple(item_text(i) for i in resolve_set(choice.options, lets))
