"""`nasiam show` and `nasiam diff`: looking at runs, genotypes and spaces."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from nasiam_dsl.cli.app import located_run, main, out, table_console, user_errors
from nasiam_dsl.files import atomic_write_text
from nasiam_dsl.lang import parse_file
from nasiam_dsl.resources import spec_path
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.show.figures import FIGURE_DPI, FORMATS


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--no-plots", is_flag=True, help="Only print the genotype tree.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="png",
    show_default=True,
    help="Figure format: png, or pdf / svg (vector) for a paper.",
)
@click.option(
    "--dpi",
    type=click.IntRange(min=50),
    default=FIGURE_DPI,
    show_default=True,
    help="Resolution of png figures.",
)
@user_errors
def show(target: Path, no_plots: bool, fmt: str, dpi: int) -> None:
    """Show a run directory (genotype tree, figures, graphs) or a genotype/space file."""
    from nasiam_dsl.show import document_tree, load_run, render_run

    if target.is_file():
        doc = parse_file(target)
        out.print(document_tree(doc))
        graph = _graph(doc, target.with_suffix(".dot"), target.with_suffix(f".{fmt}"), None, dpi)
        out.print(f"graph: {graph}", markup=False, soft_wrap=True)
        return
    if _summarised_folder(target):
        return
    target = located_run(target)
    run = load_run(target)
    if run.genotype is not None:
        out.print(document_tree(run.genotype, probabilities=None))
    else:
        out.print(_no_genotype_yet(run), markup=False, soft_wrap=True)
        if run.spec is not None:
            out.print(document_tree(run.spec))
    if no_plots:
        return
    written = render_run(target, dpi=dpi, fmt=fmt)
    doc = run.genotype or run.space
    if doc is not None:
        from nasiam_dsl.show.figures import run_title

        files = RunFiles(target)
        picture = files.graph.with_suffix(f".{fmt}")
        written += [files.graph, _graph(doc, files.graph, picture, run_title(run), dpi)]
    for path in written:
        out.print(f"wrote {path}", markup=False, soft_wrap=True)


def _summarised_folder(folder: Path) -> bool:
    """A `nasiam compare` folder or a `--seeds` folder: print its summary (the comparison's
    table and verdict, or the seeds' agreement) instead of asking for one run."""
    from nasiam_dsl.compare.cells import PLAN
    from nasiam_dsl.run.locate import is_run_dir

    if not folder.is_dir() or is_run_dir(folder):
        return False
    if (folder / PLAN).is_file():
        _show_comparison(folder)
        return True
    seeds = sorted(
        p for p in folder.iterdir() if re.fullmatch(r"seed\d+", p.name) and is_run_dir(p)
    )
    if len(seeds) < 2 or any(_command_of(p) != "search" for p in seeds):
        return False
    from nasiam_dsl.show import seed_table, seeds_rich_table

    out.print(seeds_rich_table(seed_table(seeds)))  # its caption: which choices agree
    out.print(
        f"{len(seeds)} search runs of one --seeds set; `nasiam show {seeds[0]}` shows one",
        markup=False,
        soft_wrap=True,
    )
    return True


def _command_of(run_dir: Path) -> str | None:
    """The command a run directory's config.json says it ran; None when it cannot be read
    (the run's own reader then says why)."""
    try:
        config = json.loads(RunFiles(run_dir).config.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return config.get("command") if isinstance(config, dict) else None


def _show_comparison(folder: Path) -> None:
    """The table and verdict of a comparison (how many cells are missing, when some are)."""
    from nasiam_dsl.compare.cells import PLAN, Comparison
    from nasiam_dsl.compare.study import comparison_summary, finished_results
    from nasiam_dsl.compare.table import rich_table
    from nasiam_dsl.compare.verdict import verdict_lines

    comparison = Comparison.model_validate_json((folder / PLAN).read_text("utf-8"))
    results, missing = finished_results(comparison)
    if missing:
        out.print(
            f"{folder}: a comparison with {len(results)} of {len(results) + len(missing)} "
            "cells done; the `nasiam compare` command that started it (same --out) finishes it",
            markup=False,
            soft_wrap=True,
        )
    if comparison.reference not in {r.candidate for r in results}:
        return
    summary = comparison_summary(comparison, results)
    table_console().print(rich_table(summary, title=f"comparison in {folder}"))
    report = folder / "compare.json"
    stored = json.loads(report.read_text("utf-8")) if report.is_file() and not missing else {}
    for line in stored.get("verdict") or verdict_lines(summary):
        out.print(line, markup=False, soft_wrap=True)
    names = ("compare.csv", "compare.json", "compare.png", "compare.pdf")
    files = [str(folder / name) for name in names if (folder / name).is_file()]
    if files:
        out.print("files: " + ", ".join(files), markup=False, soft_wrap=True)


def _graph(doc, dot: Path, picture: Path, title: str | None, dpi: int) -> Path:
    """Write the heads' DOT text to `dot` and their picture to `picture`: by Graphviz's
    `dot` when it is installed, else drawn with matplotlib."""
    from nasiam_dsl.show import document_dot, render_dot
    from nasiam_dsl.show.graph_figure import draw_graph

    atomic_write_text(dot, document_dot(doc))
    rendered = render_dot(dot.read_text("utf-8"), picture)
    return rendered or draw_graph(doc, picture, title=title, dpi=dpi)


@main.command()
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@click.option(
    "--ignore-probs",
    is_flag=True,
    help="Compare the decisions only: drop what a search's probabilities wrote into derived "
    "genotypes (`@p`, margins, decided counts, rank, score).",
)
@user_errors
def diff(a: Path, b: Path, ignore_probs: bool) -> None:
    """What differs between two genotypes or spaces, choice by choice (exit 1 if any)."""
    from nasiam_dsl.show import diff_documents, diff_table
    from nasiam_dsl.show.diff import decisions_only

    docs = [parse_file(spec_path(path)) for path in (a, b)]
    if ignore_probs:
        docs = [decisions_only(doc) for doc in docs]
    differences = diff_documents(*docs)
    out.print(diff_table(differences, str(a), str(b)))
    sys.exit(1 if differences else 0)


def _no_genotype_yet(run) -> str:
    """What an unfinished run has done so far, in one line."""
    epochs = run.config.get("epochs")
    done = run.metrics[-1].epoch if run.metrics else 0
    command = run.config.get("command", "search")
    what = "its space" if run.space is not None else "the genotype it trains"
    state = f"{done} of {epochs} epochs done" if epochs else f"{done} epochs done"
    if command != "search":
        return f"{run.path}: a {command} run ({state}); {what}:"
    return (
        f"{run.path}: no genotype yet ({state}: a search writes genotype.nas when it ends or "
        f"is stopped; `nasiam search --resume {run.path}` finishes it); {what}:"
    )
