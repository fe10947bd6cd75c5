"""The `nasiam` group and what every command shares: the consoles, printing diagnostics and
nasiam text, and turning expected failures into a message and exit code 2.

Bad input never shows a traceback: language errors print like a compiler and
exit 2; other user errors print one message naming the option or file and exit 2.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from nasiam_dsl.lang import DSLError
from nasiam_dsl.lang.errors import Diagnostic
from nasiam_dsl.membership import MembershipError
from nasiam_dsl.usage import UsageProblem
from nasiam_dsl.version import __version__

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
LOG_WIDTH = 160  # a wide table under a pipe: a log keeps its rows whole


def table_console() -> Console:
    """Where a wide table goes: the terminal as it is, or a wide console under a pipe."""
    return out if out.is_terminal else Console(width=LOG_WIDTH, highlight=False)


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
        except MembershipError as e:
            err.print(e.render(), markup=False, highlight=False, soft_wrap=True)
            sys.exit(EXIT_USAGE)
        except DSLError as e:
            print_diagnostics([*e.diagnostics, *e.warnings], e.source, e.filename)
            sys.exit(EXIT_USAGE)
        except UsageProblem as e:
            err.print(f"error: {e}", style="bold red", markup=False, soft_wrap=True)
            if e.hint:
                err.print(f"  = help: {e.hint}", markup=False, soft_wrap=True)
            sys.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            err.print("interrupted", style="yellow")
            sys.exit(130)
        except Exception as e:  # a bug of ours: say so plainly, traceback on request
            if os.environ.get("NASIAM_DEBUG"):
                raise
            err.print(f"internal error: {type(e).__name__}: {e}", style="bold red", markup=False)
            err.print(
                "  = help: this is a bug in nasiam; rerun with NASIAM_DEBUG=1 for the "
                "traceback and report it",
                markup=False,
            )
            sys.exit(1)

    return wrapper


PLUGINS = "NASIAM_PLUGINS"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nasiam")
def main() -> None:
    """nasiam: search the projector/predictor heads of siamese SSL networks.

    NASIAM_PLUGINS=mod1,mod2 imports those modules first: the frameworks, backbones,
    datasets, samplers and ops they register are then names like the built-in ones.
    """
    load_plugins(os.environ.get(PLUGINS, ""))


def load_plugins(names: str) -> None:
    """Import the `NASIAM_PLUGINS` modules; one that cannot be imported is a message."""
    from nasiam_dsl.names import load_plugins as load

    try:
        load(names)
    except ImportError as e:
        err.print(f"error: {PLUGINS}: {e}", style="bold red", markup=False)
        sys.exit(EXIT_USAGE)


def print_nas(text: str) -> None:
    """Print nasiam text, highlighted on a terminal, verbatim (never cropped) elsewhere."""
    if not out.is_terminal:
        out.print(text, markup=False, highlight=False, soft_wrap=True, end="")
        return
    from rich.syntax import Syntax

    from nasiam_dsl.highlight import NasiamLexer

    out.print(
        Syntax(text, NasiamLexer(), theme="ansi_dark", background_color="default", word_wrap=True)
    )


def located_run(given: Path, purpose: str = "RUN_DIR") -> Path:
    """The run directory a user pointed at (its `--out` folder will do); say when it is
    another path than the one given."""
    from nasiam_dsl.run.locate import find_run_dir

    found = find_run_dir(given, purpose)
    if found.note:
        err.print(found.note, markup=False, soft_wrap=True)
    return found.path
