"""Pinning: a member of a space written by naming its decisions.

`pin(space, {"projector.h1.op": "identity(x)", "shared.act_all": "gelu"})` is the genotype
those decisions select. A key is a decision key (`nasiam compile` lists them); a value is a
candidate's index (an `int`) or its text, read by the parser and compared by meaning, so
spaces, a `let` name for its width and options at their defaults do not matter:
`linear(h1, backbone, bias=false) | bn | relu`, `gelu(approximate=tanh)`, `512`, `h1, h3`
(a pick of inputs), and a depth by its number of layers (`2` in `repeat {2, 4}`). A text of
digits is a width (or input) first and an index otherwise. Among equal candidates the first
is taken, unless the decisions given are those of a later one. Every decision that is not
hidden by another must be given; unknown keys, unknown candidates and missing decisions are
reported all at once, with the closest names.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.errors import DSLError, did_you_mean
from nasiam_dsl.lang.parser import parse
from nasiam_dsl.lang.printer import format_set_item
from nasiam_dsl.lang.walk import (
    DEPTH,
    ChoiceSite,
    is_open,
    iter_choices,
    keeps,
    keyed,
    pipeline_choices,
    resolve_set,
)
from nasiam_dsl.membership.forms import Scope, term_form
from nasiam_dsl.membership.paths import genotype_path, pipeline_text
from nasiam_dsl.membership.select import member_document, visible_keys

__all__ = ["PinError", "candidate_texts", "pin"]

Value = str | int


@dataclass
class PinError(ValueError):
    """Every problem of one `pin` call, one per line."""

    problems: list[str]

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(f"error: {p}" for p in self.problems)


def pin(
    space: ast.Document,
    assignments: Mapping[str, Value],
    *,
    name: str | None = None,
) -> ast.Document:
    """The genotype of `space` that `assignments` (decision key -> candidate) select."""
    space = keyed(space)
    lets = {let.name: let for let in space.lets}
    sites: dict[str, ChoiceSite] = {}
    for site in iter_choices(space):
        if is_open(site.choice, lets):
            sites.setdefault(site.key, site)
    scope = Scope.of(space)
    problems: list[str] = []
    decisions: dict[str, tuple[int, ...]] = {}
    for key, value in assignments.items():
        site = sites.get(key)
        if site is None:
            hint = did_you_mean(key, sites) or "the keys are " + ", ".join(sites)
            problems.append(f"'{key}' is not a decision of space '{space.name}'; {hint}")
            continue
        chosen = _candidate(site.choice, value, scope, assignments)
        if chosen is None:
            texts = candidate_texts(site.choice, lets)
            problems.append(
                f"{key}={value!s} is not a candidate of {key}{_close(str(value), texts)}; "
                "the candidates are " + "; ".join(f"{i}: {t}" for i, t in enumerate(texts))
            )
            continue
        decisions[key] = chosen
    for key in visible_keys(space, decisions):
        if key not in assignments:
            texts = candidate_texts(sites[key].choice, lets)
            problems.append(
                f"decision '{key}' is not given; its candidates are "
                + "; ".join(f"{i}: {t}" for i, t in enumerate(texts))
            )
    if problems:
        raise PinError(problems)
    return member_document(
        space, decisions, name=name or f"{space.name}_pinned", meta={"pinned": True}
    )


def candidate_texts(choice: ast.Node, lets: dict[str, ast.LetDef]) -> list[str]:
    """The text of each candidate of a choice, as a pin value can spell it (a depth
    decision's candidates are its depths)."""
    if isinstance(choice, ast.Choose):
        return [pipeline_text(c) for c in choice.candidates]
    if isinstance(choice, ast.Combine):
        if choice.mode == DEPTH and choice.depths is not None:
            return [str(d) for d in choice.depths]
        return [r.name for r in choice.inputs]
    options = choice.options  # type: ignore[attr-defined]
    return [
        format_set_item(i.model_copy(update={"prob": None})) for i in resolve_set(options, lets)
    ]


def _close(text: str, texts: list[str]) -> str:
    close = difflib.get_close_matches(text, texts, n=1, cutoff=0.0)
    return f" (did you mean '{close[0]}'?)" if close and text not in texts else ""


def _candidate(
    choice: ast.Node, value: Value, scope: Scope, given: Mapping[str, Value]
) -> tuple[int, ...] | None:
    """The candidate indices `value` names, or None. A depth is named by its number of
    layers; among equal candidates of an op choice, the first whose own decisions are
    `given` (else the first)."""
    count = len(candidate_texts(choice, scope.lets))
    pick = keeps(choice)  # type: ignore[arg-type]
    if isinstance(value, bool):
        return None
    if isinstance(choice, ast.Combine) and choice.mode == DEPTH and choice.depths is not None:
        text = str(value).strip()
        depth = int(text) if text.isdigit() else None
        return (choice.depths.index(depth),) if depth in choice.depths else None
    if isinstance(value, int):
        if 0 <= value < count and pick == 1:
            return (value,)
        return None
    try:
        found = _by_text(choice, value, scope, given)
    except (DSLError, ValueError):
        found = None
    if found is None and value.strip().isdigit() and pick == 1:
        index = int(value.strip())
        found = (index,) if index < count else None
    return found


def _by_text(
    choice: ast.Node, text: str, scope: Scope, given: Mapping[str, Value]
) -> tuple[int, ...] | None:
    if isinstance(choice, ast.Choose):
        wanted = _shape(_read(text), scope)
        equal = [i for i, c in enumerate(choice.candidates) if _shape(c, scope) == wanted]
        for i in equal:
            inner = {
                c.key
                for c in pipeline_choices(choice.candidates[i])
                if is_open(c, scope.lets) and c.key is not None
            }
            if inner and inner <= set(given):
                return (i,)
        return (equal[0],) if equal else None
    if isinstance(choice, ast.Combine):
        names = [n.strip() for n in text.strip().strip("{}").split(",") if n.strip()]
        inputs = [r.name for r in choice.inputs]
        if len(names) != choice.pick or len(set(names)) != len(names):
            return None
        if any(n not in inputs for n in names):
            return None
        return tuple(sorted(inputs.index(n) for n in names))
    items = resolve_set(choice.options, scope.lets)  # type: ignore[attr-defined]
    if isinstance(choice, ast.WidthChoice):
        (item,) = _read(f"x | linear(width{{{text}}})").stages[0].args[0].options.items  # type: ignore[union-attr]
        values = [scope.width(i) for i in items]
        wanted_width = scope.width(item)
        return (values.index(wanted_width),) if wanted_width in values else None
    (item,) = _read(f"x | act{{{text}}}").stages[0].options.items  # type: ignore[union-attr]
    if not isinstance(item, ast.Term):
        return None
    forms = [term_form(i) if isinstance(i, ast.Term) else None for i in items]
    wanted_form = term_form(item)
    return (forms.index(wanted_form),) if wanted_form in forms else None


def _read(text: str) -> ast.Pipeline:
    """Parse `text` as the pipeline of one node (raises `DSLError` if it is not one)."""
    doc = parse(f"space pin {{ head pin(x: 1) {{ n = {text} }} }}", "<pin>")
    (head,) = doc.heads
    if len(head.nodes) != 1:
        raise ValueError(f"not one pipeline: {text}")
    return head.nodes[0].expr


def _shape(p: ast.Pipeline, scope: Scope) -> object:
    """What a candidate computes, when closed (its path); its syntax tree otherwise."""
    path = genotype_path(p, scope)
    if path.open:
        return p
    return (path.source, tuple(w.form for w in path.stages))
