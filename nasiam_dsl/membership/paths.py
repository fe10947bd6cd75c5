"""Pipelines as flat paths: a source, then the stages applied to it, left to right.

A space's node is many paths, one per way through its `choose`s (a candidate's stages,
then the stages written after the `choose`). A genotype's node is one path: a `choose`
that keeps one candidate (as derived genotypes write it) reads as that candidate, and a
closed set choice as its one item; `act{identity}` and `norm{none}` leave no stage.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.printer import format_pipeline
from nasiam_dsl.lang.walk import resolve_set
from nasiam_dsl.membership.forms import Scope, SetForms, StageForm, call_form, width_choice

Source = ast.Ref | ast.Combine


@dataclass(frozen=True)
class SpacePath:
    """One way through a space node: the candidate taken at each `choose` on the way."""

    source: Source
    stages: tuple[ast.Stage, ...]
    chosen: tuple[tuple[ast.Choose, int], ...] = ()


def space_paths(p: ast.Pipeline) -> Iterator[SpacePath]:
    """Every path of a space pipeline, candidates in order (nested chooses included)."""
    src = p.source
    if not isinstance(src, ast.Choose):
        yield SpacePath(src, p.stages)
        return
    for i, cand in enumerate(src.candidates):
        for inner in space_paths(cand):
            yield SpacePath(inner.source, inner.stages + p.stages, ((src, i), *inner.chosen))


@dataclass(frozen=True)
class Written:
    """One stage of a genotype path: what it computes, and the text node it came from."""

    form: StageForm
    node: ast.Node


@dataclass(frozen=True)
class OpenChoice:
    """A choice the genotype leaves open: no member can be read off it."""

    kind: str
    node: ast.Node


@dataclass
class GenotypePath:
    """A genotype node read as one path; `open` lists the choices it leaves open."""

    source: Source
    stages: list[Written] = field(default_factory=list)
    open: list[OpenChoice] = field(default_factory=list)


def genotype_path(p: ast.Pipeline, scope: Scope) -> GenotypePath:
    """The one path of a genotype pipeline (see module docs)."""
    src = p.source
    if isinstance(src, ast.Choose):
        path = genotype_path(src.candidates[0], scope)
        if len(src.candidates) != 1:
            path.open.append(OpenChoice("op", src))
    else:
        path = GenotypePath(src)
        if isinstance(src, ast.Combine) and src.pick is not None and src.pick < len(src.inputs):
            path.open.append(OpenChoice("inputs", src))
    for stage in p.stages:
        _written(stage, scope, path)
    return path


def _written(stage: ast.Stage, scope: Scope, path: GenotypePath) -> None:
    if isinstance(stage, ast.Call):
        choice = width_choice(stage)
        width = None
        if choice is not None:
            items = resolve_set(choice.options, scope.lets)
            if len(items) != 1:
                path.open.append(OpenChoice("width", choice))
            if items:
                width = scope.width(items[0])
        path.stages.append(Written(call_form(stage, scope, width), stage))
        return
    written = SetForms.of(stage, scope)
    if len(written.items) != 1:
        path.open.append(OpenChoice(written.kind, stage))
    if not written.items or not isinstance(written.items[0], ast.Term):
        return
    if not written.leaves_no_stage(0):
        path.stages.append(Written(written.forms[0], stage))


def form_call(form: StageForm) -> ast.Call:
    """A call that prints as `form` (options at their defaults left out)."""
    args: list[ast.Argument] = []
    if isinstance(form.width, int):
        args.append(ast.IntLit(value=form.width))
    elif form.width is not None:
        args.append(ast.WidthName(name=form.width))
    args += [ast.KwArg(name=k, value=v) for k, v in form.shown_options()]
    return ast.Call(name=form.name, args=tuple(args))


def path_text(source: Source, forms: list[StageForm]) -> str:
    """The canonical text of a path (what a message quotes)."""
    pipeline = ast.Pipeline(source=source, stages=tuple(form_call(f) for f in forms))
    return format_pipeline(pipeline, width=10**9)


def pipeline_text(p: ast.Pipeline) -> str:
    """A pipeline's text on one line, without probabilities."""
    return format_pipeline(_no_probs(p), width=10**9)


def _no_probs(p: ast.Pipeline) -> ast.Pipeline:
    src = p.source
    if isinstance(src, ast.Choose):
        src = src.model_copy(update={"candidates": tuple(_no_probs(c) for c in src.candidates)})
    return p.model_copy(update={"prob": None, "source": src})
