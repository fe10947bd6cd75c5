"""The `nasiam` command: thin click commands over the Python API.

Bad input never shows a traceback: language errors print like a compiler and
exit 2; other user errors print one message naming the option or file and exit 2.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from nasiam_dsl import __version__, registry
from nasiam_dsl.lang import DSLError, check, format_text, parse_file
from nasiam_dsl.lang.errors import Diagnostic
from nasiam_dsl.usage import UsageProblem

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

EXIT_USAGE = 2


def print_diagnostics(diagnostics: list[Diagnostic], source: str | None, filename: str) -> None:
    for d in diagnostics:
        style = "bold red" if d.severity == "error" else "yellow"
        text = d.render(source, filename)
        head, _, rest = text.partition("\n")
        err.print(head, style=style, markup=False, soft_wrap=True)
        if rest:
            err.print(rest, markup=False, soft_wrap=True)


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected failures into a message and exit code 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DSLError as e:
            print_diagnostics([*e.diagnostics, *e.warnings], e.source, e.filename)
            sys.exit(EXIT_USAGE)
        except UsageProblem as e:
            err.print(f"error: {e}", style="bold red", markup=False)
            if e.hint:
                err.print(f"  = help: {e.hint}", markup=False)
            sys.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            err.print("interrupted", style="yellow")
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nasiam")
def main() -> None:
    """nasiam: search the projector/predictor heads of siamese SSL networks."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--check", "check_only", is_flag=True, help="Exit 1 listing files that would change.")
@user_errors
def fmt(files: tuple[Path, ...], check_only: bool) -> None:
    """Rewrite FILES in the canonical style (comments kept), like black."""
    changed: list[Path] = []
    failed = False
    for path in files:
        try:
            doc = parse_file(path)
        except DSLError as e:
            print_diagnostics(list(e.diagnostics), e.source, e.filename)
            failed = True
            continue
        from nasiam_dsl.lang import print_document

        original = path.read_bytes().decode("utf-8")  # untranslated: CRLF is not canonical
        text = print_document(doc)
        if text == original:
            continue
        changed.append(path)
        if not check_only:
            _write_atomic(path, text)
    for path in changed:
        verb = "would reformat" if check_only else "reformatted"
        out.print(f"{verb} {path}", markup=False, soft_wrap=True)
    if failed:
        sys.exit(EXIT_USAGE)
    if check_only and changed:
        sys.exit(1)
    if not changed:
        out.print(f"{len(files)} file(s) left unchanged")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.nasiam-tmp")
    tmp.write_text(text, "utf-8")
    tmp.replace(path)


@main.command(name="check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--backbone-dim",
    type=click.IntRange(min=1),
    default=None,
    help="Resolve `backbone` widths (e.g. 512 for ResNet-18) to check them too.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@user_errors
def check_cmd(files: tuple[Path, ...], backbone_dim: int | None, strict: bool) -> None:
    """Validate FILES: syntax, names, ops, widths, choices, constraints."""
    worst = 0
    for path in files:
        try:
            doc = parse_file(path)
        except DSLError as e:
            print_diagnostics(list(e.diagnostics), e.source, e.filename)
            worst = EXIT_USAGE
            continue
        source = path.read_text("utf-8-sig")
        result = check(doc, backbone_dim=backbone_dim)
        print_diagnostics(
            sorted([*result.errors, *result.warnings], key=_position), source, str(path)
        )
        if result.errors or (strict and result.warnings):
            worst = EXIT_USAGE
        else:
            note = f" ({len(result.warnings)} warning(s))" if result.warnings else ""
            out.print(f"{path}: ok, {doc.kind} '{doc.name}'{note}", markup=False, soft_wrap=True)
    sys.exit(worst)


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


def format_file_text(path: Path) -> str:
    """Canonical text of a file (used by tests and `nasiam fmt`)."""
    return format_text(path.read_text("utf-8"), str(path))


if __name__ == "__main__":  # `python -m nasiam_dsl.cli`, e.g. under torchrun
    main()
