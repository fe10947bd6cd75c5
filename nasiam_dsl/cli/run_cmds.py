"""`nasiam search` and `nasiam train`: a run directory from a space or a genotype."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from nasiam_dsl.cli.app import main, out, print_nas, user_errors
from nasiam_dsl.cli.genotype_cmds import raise_unless_member_of
from nasiam_dsl.cli.run_common import config_dict, execute, run_options
from nasiam_dsl.resources import spec_path
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.usage import UsageProblem


@main.command()
@click.argument("space", type=click.Path(path_type=Path), required=False)
@run_options("search")
@click.option(
    "--seeds",
    default=None,
    help="Comma-separated seeds: one search each, then how often each candidate won.",
)
@user_errors
def search(space: Path | None, **kw: Any) -> None:
    """Search SPACE inside a framework; write genotype.nas to the run directory.

    SPACE is a file or a shipped space's name (`demo`; `nasiam spaces` lists them);
    `--resume RUN` needs none.
    """
    kw["spec_arg"] = space
    config = None if kw.get("resume") else config_dict("search", space, kw)
    if kw.get("seeds"):
        if config is None:
            raise UsageProblem("--seeds starts new runs; it does not go with --resume")
        _search_seeds(config, kw)
        return
    from nasiam_dsl.ui import print_decisions

    run = execute(config, kw, "search")
    if run.dist.is_main:
        text = RunFiles(run.run_dir).genotype.read_text("utf-8")
        print_nas(text)
        print_decisions(out, run.run_dir)
        note = f" (early stop: {run.stop_reason})" if run.stop_reason else ""
        out.print(f"run directory: {run.run_dir}{note}", markup=False, soft_wrap=True)


def _search_seeds(config: dict[str, Any], kw: dict[str, Any]) -> None:
    from nasiam_dsl.show import seed_table, seeds_rich_table

    try:
        seeds = [int(x) for x in kw["seeds"].split(",") if x.strip()]
    except ValueError:
        raise UsageProblem(f"--seeds: expected integers like 0,1,2, got {kw['seeds']!r}") from None
    if not seeds:
        raise UsageProblem("--seeds: no seed given")
    runs = []
    base = config.get("name")
    if base is None:  # a folder of its own for this set of seeds, as a run's default name
        from nasiam_dsl.run.config import RunConfig
        from nasiam_dsl.run.rundir import free_name

        out_dir = Path(config.get("out") or RunConfig.model_fields["out"].default)
        base = free_name(out_dir, f"seeds-{Path(config['spec']).stem}")
    for seed in seeds:
        out.print(f"[bold]seed {seed}[/bold]")
        run = execute({**config, "seed": seed, "name": f"{base}/seed{seed}"}, kw, "search")
        runs.append(run.run_dir)
    out.print(seeds_rich_table(seed_table(runs)))


@main.command()
@click.argument("genotype", type=click.Path(path_type=Path), required=False)
@run_options("train")
@click.option(
    "--space",
    type=click.Path(path_type=Path),
    default=None,
    help="Check first that GENOTYPE is a member of SPACE (every mismatch, exit 2).",
)
@user_errors
def train(genotype: Path | None, space: Path | None, **kw: Any) -> None:
    """Pretrain a backbone with GENOTYPE's heads (default: the framework's standard heads)."""
    kw["spec_arg"] = genotype
    if kw.get("resume"):
        run = execute(None, kw, "train")
        out.print(f"run directory: {run.run_dir}", markup=False, soft_wrap=True)
        return
    if space is not None:
        if genotype is None:
            raise UsageProblem("--space checks a GENOTYPE: name one")
        raise_unless_member_of(spec_path(genotype), space)
    config = config_dict("train", genotype, kw)
    run = execute(config, kw, "train")
    if run.dist.is_main:
        out.print(f"run directory: {run.run_dir}", markup=False, soft_wrap=True)
