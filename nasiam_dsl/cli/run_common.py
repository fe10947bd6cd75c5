"""What the run commands share: their generated options, the merge of `--config` and typed
flags, and running a resolved config through the API."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from nasiam_dsl.cli.app import err, out


def run_options(command: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Every config option of `command` (generated from the config models), and the options
    that steer the run itself."""
    from nasiam_dsl.run.options import add_config_options

    steering = [
        click.option(
            "--resume",
            type=click.Path(path_type=Path),
            default=None,
            help="Continue the run in RUN_DIR from its last checkpoint.",
        ),
        click.option(
            "--stop-after",
            type=int,
            default=None,
            hidden=True,
            help="Stop (as if interrupted) after N steps.",
        ),
        click.option("--quiet", is_flag=True),
        click.option(
            "--config",
            type=click.Path(path_type=Path),
            default=None,
            help="A TOML file with any option (flags given here override it).",
        ),
        click.option("--print-config", is_flag=True, help="Print the resolved config and exit."),
    ]

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        for opt in reversed(steering):
            fn = opt(fn)
        return add_config_options(command)(fn)

    return decorate


def config_dict(command: str, spec: Path | None, kw: dict[str, Any]) -> dict[str, Any]:
    """The config file (if any), then every option typed on the command line, on top."""
    from nasiam_dsl.run.options import typed_overrides
    from nasiam_dsl.run.resolve import load_toml, resolve

    base = load_toml(kw["config"]) if kw.get("config") else {}
    top = typed_overrides(click.get_current_context(), kw, command)
    if spec is not None:
        top["spec"] = str(spec)
    return resolve(command, base, top)


def validated_config(config: dict[str, Any], kw: dict[str, Any]):
    from nasiam_dsl.run.resolve import validated

    return validated(config, str(kw["config"]) if kw.get("config") else None)


def execute(config_dict: dict[str, Any], kw: dict[str, Any]):
    from nasiam_dsl.api import start_run
    from nasiam_dsl.run.runner import EXIT_INTERRUPTED, Interrupted
    from nasiam_dsl.run.ui import RichUI

    config = validated_config(config_dict, kw)
    if kw.get("print_config"):
        out.print(config.model_dump_json(indent=2), markup=False, highlight=False)
        sys.exit(0)
    ui = RichUI(out, quiet=kw.get("quiet", False))
    try:
        return start_run(config, ui=ui, resume=kw.get("resume"), max_steps=kw.get("stop_after"))
    except Interrupted as e:
        err.print(
            f"{e}; checkpoint and genotype saved in {e.run_dir}", style="yellow", markup=False
        )
        sys.exit(EXIT_INTERRUPTED)
