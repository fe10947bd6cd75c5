"""Canonical forms of what a pipeline does, so that two files compare by meaning.

A stage's form is its op name, its width (a `let` name resolved, `backbone` kept as the
symbol unless its size is given) and every option with the registry's default filled in:
`linear(x, dim)` with `let dim = 512` is `linear(x, 512, bias=true)`. The text of a form is
what messages show.
"""

from __future__ import annotations

from dataclasses import dataclass

from nasiam_dsl import registry
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.printer import format_scalar
from nasiam_dsl.lang.walk import resolve_set

BACKBONE = "backbone"

WidthValue = int | str  # an integer, `backbone` (size unknown), or an unresolved name


@dataclass(frozen=True)
class Scope:
    """What resolves the names of one document: its `let`s and the backbone's size."""

    lets: dict[str, ast.LetDef]
    backbone_dim: int | None = None

    @classmethod
    def of(cls, doc: ast.Document, backbone_dim: int | None = None) -> Scope:
        return cls({let.name: let for let in doc.lets}, backbone_dim)

    def width(self, arg: ast.IntLit | ast.WidthName | ast.Term) -> WidthValue:
        """The value of a closed width (an integer, a name, or a width set's item)."""
        if isinstance(arg, ast.IntLit):
            return arg.value
        if arg.name == BACKBONE:
            return self.backbone_dim if self.backbone_dim is not None else BACKBONE
        let = self.lets.get(arg.name)
        if let is not None and isinstance(let.value, ast.IntLit):
            return let.value.value
        return arg.name


@dataclass(frozen=True)
class StageForm:
    """One unary op as it computes: name, width (for `linear`) and every option."""

    name: str
    width: WidthValue | None = None
    options: tuple[tuple[str, ast.Scalar], ...] = ()

    def shown_options(self) -> tuple[tuple[str, ast.Scalar], ...]:
        """The options that differ from the registry's defaults (what text shows)."""
        spec = registry.get_op(self.name)
        defaults = {k: o.default for k, o in spec.options.items()} if spec else {}
        return tuple(
            (k, v) for k, v in self.options if k not in defaults or not _same(defaults[k], v)
        )

    def text(self) -> str:
        written = [str(self.width)] if self.width is not None else []
        written += [f"{k}={format_scalar(v)}" for k, v in self.shown_options()]
        return f"{self.name}({', '.join(written)})" if written else self.name

    def same_op(self, other: StageForm) -> bool:
        """Same op and options; the widths may differ."""
        return self.name == other.name and self.options == other.options


def _same(a: ast.Scalar, b: ast.Scalar) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def options_of(name: str, kwargs: tuple[ast.KwArg, ...]) -> tuple[tuple[str, ast.Scalar], ...]:
    """Every option of op `name`, written ones first resolved, defaults filled in, sorted."""
    spec = registry.get_op(name)
    values: dict[str, ast.Scalar] = {}
    if spec is not None:
        values = {k: o.default for k, o in spec.options.items()}
    for kw in kwargs:
        value = kw.value
        if isinstance(value, int) and not isinstance(value, bool):
            value = float(value) if isinstance(values.get(kw.name), float) else value
        values[kw.name] = value
    return tuple(sorted(values.items()))


def term_form(term: ast.Term) -> StageForm:
    """The form of a set item that is an op: `relu`, `bn(affine=false)`."""
    return StageForm(term.name, None, options_of(term.name, term.kwargs))


def call_form(call: ast.Call, scope: Scope, width: WidthValue | None = None) -> StageForm:
    """The form of a call; `width` overrides a chosen width argument."""
    kwargs = tuple(a for a in call.args if isinstance(a, ast.KwArg))
    if width is None:
        for arg in call.args:
            if isinstance(arg, (ast.IntLit, ast.WidthName)):
                width = scope.width(arg)
    return StageForm(call.name, width, options_of(call.name, kwargs))


def width_choice(call: ast.Call) -> ast.WidthChoice | None:
    """The width choice among a call's arguments, if it has one."""
    for arg in call.args:
        if isinstance(arg, ast.WidthChoice):
            return arg
    return None


@dataclass(frozen=True)
class SetForms:
    """An act or norm set: its kind, its items (a `let` set resolved) and their forms."""

    kind: str
    items: tuple[ast.SetItem, ...]
    forms: tuple[StageForm, ...]

    @classmethod
    def of(cls, stage: ast.ActChoice | ast.NormChoice, scope: Scope) -> SetForms:
        kind = "act" if isinstance(stage, ast.ActChoice) else "norm"
        items = resolve_set(stage.options, scope.lets)
        forms = tuple(term_form(t) if isinstance(t, ast.Term) else StageForm(str(t)) for t in items)
        return cls(kind, items, forms)

    def leaves_no_stage(self, index: int) -> bool:
        """Whether item `index` is the empty candidate (`identity`, `none`)."""
        return self.forms[index].name == registry.EMPTY_CANDIDATE[self.kind]
