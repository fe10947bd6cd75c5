"""What the run commands share: their generated options, the merge of `--config` and typed
flags, and running a resolved config through the API."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from nasiam_dsl.cli.app import err, out
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.usage import UsageProblem


def run_options(command: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Every config option of `command` (generated from the config models), and the options
    that steer the run itself."""
    from nasiam_dsl.run.options import add_config_options, flag_of
    from nasiam_dsl.run.resolve import MAY_CHANGE

    may_change = ", ".join(sorted(filter(None, (flag_of(p) for p in MAY_CHANGE))))
    steering = [
        click.option(
            "--resume",
            type=click.Path(path_type=Path),
            default=None,
            help="Continue the run in RUN_DIR from its last checkpoint, with its own config "
            f"(only {may_change} may change).",
        ),
        click.option(
            "--stop-after",
            type=int,
            default=None,
            hidden=True,
            help="Stop (as if interrupted) after N steps.",
        ),
        click.option(
            "--quiet",
            is_flag=True,
            help="No progress bar and no epoch lines (errors and the result are printed).",
        ),
        click.option(
            "--config",
            type=click.Path(path_type=Path),
            default=None,
            help="A TOML file with any option, or a run's config.json (flags given here "
            "override it).",
        ),
        click.option(
            "--print-config",
            is_flag=True,
            help="Print the resolved config as TOML (what --config reads) and exit.",
        ),
    ]

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        for opt in reversed(steering):
            fn = opt(fn)
        return add_config_options(command)(fn)

    return decorate


def config_dict(command: str, spec: Path | None, kw: dict[str, Any]) -> dict[str, Any]:
    """The config file (if any), then every option typed on the command line, on top."""
    from nasiam_dsl.resources import spec_path
    from nasiam_dsl.run.resolve import resolve

    return resolve(command, *_given(spec_path(spec) if spec is not None else None, kw, command))


def _given(
    spec: Path | None, kw: dict[str, Any], command: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    from nasiam_dsl.run.options import typed_overrides
    from nasiam_dsl.run.resolve import load_toml

    base = load_toml(kw["config"]) if kw.get("config") else {}
    top = typed_overrides(click.get_current_context(), kw, command)
    if spec is not None:
        top["spec"] = str(spec)
    return base, top


def validated_config(config: dict[str, Any], kw: dict[str, Any], command: str = "train"):
    """`config` (resolved) as the run will use it: `api.run_config`, the one builder."""
    from nasiam_dsl.api import run_config

    return run_config(command, config, origin=_origin(kw))


def _origin(kw: dict[str, Any]) -> str | None:
    """The `--config` file the values came from, for messages."""
    return str(kw["config"]) if kw.get("config") else None


def resumed(spec: Path | None, kw: dict[str, Any], command: str):
    """`--resume`: the run directory, its own config and the changes the flags ask for
    (refused when one conflicts with the run's config)."""
    from nasiam_dsl.run.locate import find_run_dir
    from nasiam_dsl.run.resolve import merge, resume_changes
    from nasiam_dsl.run.rundir import spec_copy
    from nasiam_dsl.run.runner import resumed_config

    given = Path(kw["resume"])
    run_dir = given
    if not RunFiles(given).checkpoint.exists() and given.is_dir():
        found = find_run_dir(given, "--resume")
        if found.note:
            err.print(found.note, markup=False, soft_wrap=True)
        run_dir = found.path
    saved, _ = resumed_config(run_dir)
    if saved.command != command:
        raise UsageProblem(
            f"{run_dir} is a {saved.command} run: `nasiam {command} --resume` cannot continue it",
            f"continue it with `nasiam {saved.command} --resume {run_dir}`, or start a "
            f"{command} run of its genotype",
        )
    base, top = _given(spec, kw, command)
    changes = resume_changes(saved, merge(base, top), spec_copy(run_dir, saved))
    return run_dir, saved, changes


def execute(config_dict: dict[str, Any] | None, kw: dict[str, Any], command: str = "search"):
    """Run a resolved config (`None` with `--resume`: the run's own) with the terminal UI."""
    from nasiam_dsl.api import start_run
    from nasiam_dsl.run.resolve import config_toml, merge, validated

    resume, changes = None, None
    if kw.get("resume"):
        resume, saved, changes = resumed(kw.get("spec_arg"), kw, command)
        config = validated(merge(saved.model_dump(), changes), _origin(kw))
    else:
        assert config_dict is not None
        config = validated_config(config_dict, kw, command)
    if kw.get("print_config"):
        click.echo(config_toml(config), nl=False)
        sys.exit(0)
    if config.wandb or (changes or {}).get("wandb"):
        from nasiam_dsl.run.sinks import require_wandb

        require_wandb()  # before a run directory exists
    from nasiam_dsl.run.runner import EXIT_INTERRUPTED, Interrupted  # torch, once validated
    from nasiam_dsl.ui import RichUI

    ui = RichUI(out, quiet=kw.get("quiet", False))
    try:
        return start_run(
            config, ui=ui, resume=resume, max_steps=kw.get("stop_after"), changes=changes
        )
    except Interrupted as e:
        err.print(
            f"{e}; checkpoint and genotype saved in {e.run_dir}",
            style="yellow",
            markup=False,
            soft_wrap=True,
        )
        err.print(
            f"resume with: nasiam {command} --resume {e.run_dir}", markup=False, soft_wrap=True
        )
        sys.exit(EXIT_INTERRUPTED)
