"""Commands over the language: `fmt`, `check`, `ops`, `compile`, `sample`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.table import Table

from nasiam_dsl import registry
from nasiam_dsl.cli.app import EXIT_USAGE, main, out, print_diagnostics, print_nas, user_errors
from nasiam_dsl.cli.genotype_cmds import member_of_space
from nasiam_dsl.files import atomic_write_text
from nasiam_dsl.lang import DSLError, ast, check, parse_file, print_document
from nasiam_dsl.lang.errors import Diagnostic
from nasiam_dsl.lang.parser import read_source
from nasiam_dsl.names import is_dotted_path
from nasiam_dsl.resources import header_line, shipped_spaces, spec_path


def parsed_or_reported(path: Path) -> ast.Document | None:
    """The document in `path`, or None once its diagnostics are printed."""
    try:
        return parse_file(path)
    except DSLError as e:
        print_diagnostics(list(e.diagnostics), e.source, e.filename)
        return None


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--check", "check_only", is_flag=True, help="Exit 1 listing files that would change.")
@user_errors
def fmt(files: tuple[Path, ...], check_only: bool) -> None:
    """Rewrite FILES in the canonical style (comments kept), like black."""
    changed: list[Path] = []
    failed = False
    for path in files:
        doc = parsed_or_reported(path)
        if doc is None:
            failed = True
            continue
        original = path.read_bytes().decode("utf-8")  # untranslated: CRLF is not canonical
        text = print_document(doc)
        if text == original:
            continue
        changed.append(path)
        if not check_only:
            atomic_write_text(path, text)
    for path in changed:
        verb = "would reformat" if check_only else "reformatted"
        out.print(f"{verb} {path}", markup=False, soft_wrap=True)
    if failed:
        sys.exit(EXIT_USAGE)
    if check_only and changed:
        sys.exit(1)
    if not changed:
        out.print(f"{len(files)} file(s) left unchanged")


F = TypeVar("F", bound=Callable[..., Any])


def backbone_dim_option(default: int | None, purpose: str) -> Callable[[F], F]:
    """`--backbone-dim`, the width of the backbone feature, as every language command takes it."""
    return click.option(
        "--backbone-dim",
        type=click.IntRange(min=1),
        default=default,
        show_default=default is not None,
        help=f"Width of the backbone feature (512: ResNet-18, 2048: ResNet-50), {purpose}"
        + ("" if default is not None else "; default: that of the backbone a run uses by default")
        + ".",
    )


def default_backbone_dim() -> int:
    """The feature width of the backbone a run uses when none is named (small_cnn: 128)."""
    from nasiam_dsl.api import backbone_dim, run_config

    return backbone_dim(run_config("search", {"spec": "-"}))


@main.command(name="check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@backbone_dim_option(None, "to check the widths `backbone` resolves to")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--space",
    type=click.Path(path_type=Path),
    default=None,
    help="Also check that each genotype is a member of SPACE (every mismatch is listed).",
)
@user_errors
def check_cmd(
    files: tuple[Path, ...], backbone_dim: int | None, strict: bool, space: Path | None
) -> None:
    """Validate FILES: syntax, names, ops, widths, choices, constraints.

    A FILE may name a shipped space (`demo`, `standard/simsiam`; `nasiam spaces` lists them).
    """
    worst = 0
    for path in map(spec_path, files):
        doc = parsed_or_reported(path)
        if doc is None:
            worst = EXIT_USAGE
            continue
        source = read_source(path)
        result = check(doc, backbone_dim=backbone_dim)
        errors = list(result.errors) or framework_problems(doc)
        print_diagnostics(sorted([*errors, *result.warnings], key=_position), source, str(path))
        failed = errors or (strict and result.warnings)
        if not failed and space is not None:
            failed = not member_of_space(doc, path, space, backbone_dim)
        if failed:
            worst = EXIT_USAGE
            continue
        note = f" ({len(result.warnings)} warning(s))" if result.warnings else ""
        member = f", a member of {space}" if space is not None else ""
        out.print(
            f"{path}: ok, {doc.kind} '{doc.name}'{member}{note}", markup=False, soft_wrap=True
        )
    sys.exit(worst)


def framework_problems(doc: ast.Document) -> list[Diagnostic]:
    """A valid document written `for FRAMEWORK`: the framework is known and its heads fill
    the framework's slots (what `search` and `train` would refuse)."""
    from nasiam_dsl.run.known_names import head_slot_problem, head_slots, name_problem

    if doc.framework is None or is_dotted_path(doc.framework):
        return []
    first = doc.heads[0].pos if doc.heads else None
    slots = head_slots(doc.framework)
    if slots is None:
        unknown = (
            name_problem(("framework",), doc.framework) or f"unknown framework {doc.framework!r}"
        )
        return [Diagnostic(unknown, None, code="framework")]
    problem = head_slot_problem([h.name for h in doc.heads], doc.framework, slots)
    if problem is None:
        return []
    message, hint, about = problem
    pos = next((h.pos for h in doc.heads if h.name == about), first)
    return [Diagnostic(f"{doc.kind} '{doc.name}': {message}", pos, hint=hint, code="framework")]


def _position(d: Diagnostic) -> tuple[int, int]:
    return (d.pos.line, d.pos.column) if d.pos else (0, 0)


@main.command()
@user_errors
def ops() -> None:
    """List the ops, normalisations and activations the language knows."""
    table = Table(title="nasiam ops")
    for col in ("name", "kind", "options", "parameters", "what it does"):
        table.add_column(col)
    for spec in registry.all_ops():
        opts = ", ".join(f"{k}={_show_default(o.default)}" for k, o in spec.options.items())
        table.add_row(spec.name, spec.kind, opts, "no" if spec.param_free else "yes", spec.doc)
    out.print(table)


def _show_default(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@main.command(name="compile")
@click.argument("file", type=click.Path(path_type=Path))
@backbone_dim_option(None, "for its widths, parameters and FLOPs")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@user_errors
def compile_cmd(file: Path, backbone_dim: int | None, as_json: bool) -> None:
    """Compile a space (supernet) or genotype (fixed net) and report its size."""
    from nasiam_dsl.compile.report import build_report, render_report

    backbone_dim = backbone_dim or default_backbone_dim()
    file = spec_path(file)  # a path, or a shipped space by name
    doc = parse_file(file)
    try:
        report = build_report(doc, backbone_dim)
    except DSLError as e:
        raise DSLError(e.diagnostics, read_source(file), str(file), warnings=e.warnings) from None
    if as_json:
        out.print(report.to_json(), markup=False, highlight=False, soft_wrap=True)
    else:
        render_report(report, out)


@main.command()
@click.argument("space", type=click.Path(path_type=Path))
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="How many distinct members to draw.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the draws (reproducible)."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Write DIR/sample-01.nas ... (default: print them).",
)
@backbone_dim_option(None, "for `backbone` widths and params/FLOPs constraints")
@user_errors
def sample(
    space: Path, count: int, seed: int, out_dir: Path | None, backbone_dim: int | None
) -> None:
    """Draw N distinct members of SPACE as genotype files, uniformly and reproducibly.

    Each visible decision is drawn uniformly (a choice inside an unchosen candidate is not
    drawn); the space's constraints are kept by rejection, and sampling gives up after
    1,000 draws per member, naming the constraint that rejected most.
    """
    from nasiam_dsl.api import load
    from nasiam_dsl.compile.sample import sample_members

    backbone_dim = backbone_dim or default_backbone_dim()
    members = sample_members(
        load(spec_path(space), backbone_dim=backbone_dim), count, seed, backbone_dim=backbone_dim
    )
    for member in members:
        text = print_document(member.genotype)
        if out_dir is None:
            print_nas(text)
            continue
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"sample-{member.index:02d}.nas"
        atomic_write_text(path, text)
        out.print(f"wrote {path}", markup=False, soft_wrap=True)


@main.command()
@user_errors
def spaces() -> None:
    """List the shipped spaces and standard genotypes, by the name commands accept."""
    for name, path in shipped_spaces().items():
        out.print(f"{name:<22} {header_line(path)}", markup=False, soft_wrap=True)
