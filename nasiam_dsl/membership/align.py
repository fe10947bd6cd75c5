"""Aligning one genotype node with one space node: the decisions, or what differs.

Each way through the space node (`paths.space_paths`) is aligned stage by stage with the
genotype's path. A set choice takes one written stage or, with an `identity`/`none`
candidate, none. Alignment is relaxed: a width, activation or norm outside its set, a
closed value that differs, a pick the space does not allow and a label decided two ways
are recorded as problems and the alignment goes on, so the closest alignment explains
the mismatch; one without problems is a member. A different sequence of ops is no
alignment at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from nasiam_dsl import registry
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.errors import did_you_mean
from nasiam_dsl.lang.printer import format_input, format_set_item
from nasiam_dsl.lang.walk import is_open, resolve_set
from nasiam_dsl.membership.forms import Scope, SetForms, call_form, width_choice
from nasiam_dsl.membership.paths import Source, SpacePath, Written
from nasiam_dsl.membership.result import Mismatch, MismatchKind

ATTEMPTS_PER_PATH = 64  # relaxed alignments tried per path before the closest is kept


@dataclass(frozen=True)
class Decided:
    """A decision taken by the genotype, and where (for a label decided twice)."""

    value: tuple[int, ...]
    text: str
    pos: ast.Pos | None


@dataclass(frozen=True)
class Attempt:
    """One alignment: the decisions it takes and the problems it met."""

    decided: dict[str, Decided]
    problems: tuple[Mismatch, ...] = ()


class NodeAligner:
    """Aligns genotype paths with space paths of one space (see module docs).

    The space's choices carry their decision keys (`walk.keyed`); `where` writes a space
    position as `file:line:col`; `rename` maps the genotype's head input name to the space's.
    """

    def __init__(
        self,
        space: Scope,
        where: Callable[[ast.Pos | None], str],
        rename: dict[str, str],
    ) -> None:
        self.space = space
        self.where = where
        self.rename = rename

    def attempts(
        self, path: SpacePath, source: Source, stages: list[Written], decided: dict[str, Decided]
    ) -> Iterator[Attempt]:
        """Alignments of the genotype path with `path`, exact ones first."""
        start = Attempt(dict(decided))
        for choose, i in path.chosen:
            start = self.decide(start, choose, (i,), f"candidate {i + 1}", None)
        for after_source in self.source(path.source, source, start):
            yield from self.stages(path.stages, 0, stages, 0, after_source)

    # ---- decisions and problems --------------------------------------------------------
    def decide(
        self,
        at: Attempt,
        choice: ast.Node,
        value: tuple[int, ...],
        text: str,
        pos: ast.Pos | None,
    ) -> Attempt:
        if not is_open(choice, self.space.lets):  # type: ignore[arg-type]
            return at
        key = choice.key  # type: ignore[attr-defined]
        assert key is not None, "the space's choices carry their decision keys"
        prev = at.decided.get(key)
        if prev is None:
            return Attempt({**at.decided, key: Decided(value, text, pos)}, at.problems)
        if prev.value == value:
            return at
        where = f" at the genotype's {prev.pos.line}:{prev.pos.column}" if prev.pos else ""
        return self.problem(
            at,
            "label",
            f"the shared decision '{key}' takes `{text}` here but `{prev.text}`{where}",
            pos,
            choice.pos,
            "choices with one label make one decision: use the same candidate everywhere",
            f"'{key}' is decided here",
        )

    def problem(
        self,
        at: Attempt,
        kind: MismatchKind,
        message: str,
        genotype_pos: ast.Pos | None,
        space_pos: ast.Pos | None,
        hint: str | None = None,
        note: str = "the space's side",
    ) -> Attempt:
        found = Mismatch(kind, message, genotype_pos, space_pos, hint, note)
        return Attempt(at.decided, (*at.problems, found))

    # ---- sources ------------------------------------------------------------------------
    def names(self, inputs: tuple[ast.Ref, ...]) -> tuple[str, ...]:
        return tuple(self.rename.get(r.name, r.name) for r in inputs)

    def source(self, s: Source, g: Source, at: Attempt) -> Iterator[Attempt]:
        g_names = (self.rename.get(g.name, g.name),) if isinstance(g, ast.Ref) else None
        if isinstance(g, ast.Combine):
            g_names = self.names(g.inputs)
        assert g_names is not None
        if isinstance(s, ast.Ref):
            if isinstance(g, ast.Combine):
                return
            if g_names[0] != s.name:
                at = self.problem(
                    at,
                    "value",
                    f"the genotype reads `{g_names[0]}` where the space reads `{s.name}` "
                    f"at {self.where(s.pos)}",
                    g.pos,
                    s.pos,
                )
            yield at
            return
        if s.pick is None or len(s.inputs) == s.pick:
            yield from self.fixed_combine(s, g, g_names, at)
            return
        if isinstance(g, ast.Combine) and g.mode != s.mode:
            return
        if isinstance(g, ast.Ref) and s.pick != 1:
            return
        yield self.picked(s, g, g_names, at)

    def fixed_combine(
        self, s: ast.Combine, g: Source, g_names: tuple[str, ...], at: Attempt
    ) -> Iterator[Attempt]:
        if not isinstance(g, ast.Combine) or g.mode != s.mode:
            return
        s_names = self.names(s.inputs)
        same = g_names == s_names if s.mode == "concat" else sorted(g_names) == sorted(s_names)
        if not same:
            at = self.problem(
                at,
                "value",
                f"the genotype's `{format_input(g)}` differs from the space's "
                f"`{format_input(s)}` at {self.where(s.pos)}",
                g.pos,
                s.pos,
            )
        yield at

    def picked(self, s: ast.Combine, g: Source, g_names: tuple[str, ...], at: Attempt) -> Attempt:
        names = [r.name for r in s.inputs]
        index = [names.index(n) if n in names else -1 for n in g_names]
        ordered = s.mode != "concat" or index == sorted(index)
        if -1 in index or len(set(index)) != s.pick or len(index) != s.pick or not ordered:
            allowed = ", ".join(names)
            order = " in that order" if s.mode == "concat" else ""
            return self.problem(
                at,
                "inputs",
                f"the genotype combines {{{', '.join(g_names)}}}, which is not a pick of "
                f"{s.pick} of the space's {{{allowed}}} at {self.where(s.pos)}",
                g.pos,
                s.pos,
                f"pick exactly {s.pick} of {{{allowed}}}{order}",
            )
        return self.decide(at, s, tuple(sorted(index)), ", ".join(g_names), g.pos)

    # ---- stages -------------------------------------------------------------------------
    def stages(
        self, s: tuple[ast.Stage, ...], i: int, g: list[Written], j: int, at: Attempt
    ) -> Iterator[Attempt]:
        if i == len(s):
            if j == len(g):
                yield at
            return
        stage = s[i]
        if isinstance(stage, ast.Call):
            if j < len(g) and g[j].form.name == stage.name:
                yield from self.stages(s, i + 1, g, j + 1, self.call(stage, g[j], at))
            return
        chosen = SetForms.of(stage, self.space)
        kind, items, forms = chosen.kind, chosen.items, chosen.forms
        if j < len(g):
            exact = [k for k, f in enumerate(forms) if f == g[j].form]
            for k in exact:
                took = self.decide(at, stage, (k,), forms[k].text(), g[j].node.pos)
                yield from self.stages(s, i + 1, g, j + 1, took)
        for k, f in enumerate(forms):
            if chosen.leaves_no_stage(k):
                took = self.decide(at, stage, (k,), f.name, None)
                yield from self.stages(s, i + 1, g, j, took)
        spec = registry.get_op(g[j].form.name) if j < len(g) else None
        if spec is not None and spec.kind == kind and g[j].form not in forms:
            missed = self.outside_set(kind, stage, items, g[j], at)
            yield from self.stages(s, i + 1, g, j + 1, missed)

    def outside_set(
        self,
        kind: str,
        stage: ast.ActChoice | ast.NormChoice,
        items: tuple[ast.SetItem, ...],
        written: Written,
        at: Attempt,
    ) -> Attempt:
        texts = [format_set_item(t.model_copy(update={"prob": None})) for t in items]
        noun = "activation" if kind == "act" else "norm"
        text = written.form.text()
        hint = did_you_mean(text, texts) or f"the set is {{{', '.join(texts)}}}"
        return self.problem(
            at,
            kind,  # type: ignore[arg-type]
            f"the genotype's {noun} `{text}` is not in the space's set {{{', '.join(texts)}}} "
            f"at {self.where(stage.pos)}",
            written.node.pos,
            stage.pos,
            hint,
        )

    def call(self, stage: ast.Call, written: Written, at: Attempt) -> Attempt:
        choice = width_choice(stage)
        space_form = call_form(stage, self.space)
        g_form = written.form
        if choice is None:
            if g_form != space_form:
                return self.problem(
                    at,
                    "value",
                    f"the genotype's `{g_form.text()}` differs from the space's "
                    f"`{space_form.text()}` at {self.where(stage.pos)}",
                    written.node.pos,
                    stage.pos,
                )
            return at
        if not g_form.same_op(space_form):
            at = self.problem(
                at,
                "value",
                f"the genotype's `{g_form.text()}` differs from the space's "
                f"`{space_form.text()}` (width aside) at {self.where(stage.pos)}",
                written.node.pos,
                stage.pos,
            )
        widths = [self.space.width(t) for t in resolve_set(choice.options, self.space.lets)]
        if g_form.width in widths:
            k = widths.index(g_form.width)
            return self.decide(at, choice, (k,), str(g_form.width), written.node.pos)
        shown = ", ".join(str(w) for w in widths)
        return self.problem(
            at,
            "width",
            f"the genotype's width {g_form.width} is not in the space's set {{{shown}}} "
            f"at {self.where(choice.pos)}",
            written.node.pos,
            choice.pos,
            f"use one of {shown}",
        )
