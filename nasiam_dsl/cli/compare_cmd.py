"""`nasiam compare`: pretrain candidates with the same budget and seeds, evaluate, judge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from nasiam_dsl.cli.app import located_run, main, out, table_console, user_errors
from nasiam_dsl.cli.eval_options import evaluation_options, probe_settings
from nasiam_dsl.cli.run_common import config_dict, run_options, validated_config
from nasiam_dsl.resources import spec_path
from nasiam_dsl.usage import UsageProblem


@main.command()
@click.argument("candidates", nargs=-1, type=str)
@run_options("train")
@click.option("--seeds", default="0,1,2", show_default=True, help="Pretraining seeds (paired).")
@click.option(
    "--random",
    "random_count",
    type=click.IntRange(min=0),
    default=0,
    help="Also compare N uniform random members of --space.",
)
@click.option(
    "--space", type=click.Path(path_type=Path), default=None, help="The space --random draws from."
)
@click.option(
    "--random-seed", type=int, default=0, show_default=True, help="Seed of the --random draws."
)
@click.option(
    "--reference", default=None, help="The candidate the others are compared with (default: first)."
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes (one device each with several GPUs).",
)
@click.option(
    "--cell",
    "cell_index",
    type=click.IntRange(min=0),
    default=None,
    help="Run only cell I (a cluster job array); --list-cells numbers them.",
)
@click.option("--list-cells", is_flag=True, help="List the cells and whether each is done.")
@evaluation_options
@click.option(
    "--search",
    "search_run",
    type=click.Path(path_type=Path),
    default=None,
    help="A search run: score every candidate that is a member of its space as the search "
    "does, and report how its scores rank them against retraining (Kendall tau, the found "
    "genotype's rank and regret).",
)
@user_errors
def compare(candidates: tuple[str, ...], **kw: Any) -> None:
    """Pretrain every CANDIDATE with the same budget and seeds, evaluate each, and judge.

    CANDIDATE is a genotype file, `standard` (the framework's standard heads), or
    NAME=FILE to name it in the table and the figure (default: the file's name). Each
    (candidate, seed) is a `nasiam train` run directory OUT/<candidate>/seed<s>/; rerunning
    the same command resumes, skipping finished cells. Writes compare.csv, compare.json and
    compare.png/.pdf to OUT (default runs/compare) and prints a table and a verdict.
    """
    _compare(candidates, kw)


def _compare(names: tuple[str, ...], kw: dict[str, Any]) -> None:
    from nasiam_dsl import compare as cmp
    from nasiam_dsl.compare.table import rich_table

    for flag in ("seed", "name", "resume"):
        if click.get_current_context().get_parameter_source(flag).name == "COMMANDLINE":
            raise UsageProblem(
                f"--{flag} does not apply to compare",
                "seeds: --seeds 0,1,2; the comparison directory: --out DIR",
            )
    seeds = _seed_list(kw["seeds"])
    if kw["search_run"] is not None:  # a wrong run is said before any cell trains
        kw["search_run"] = located_run(kw["search_run"], "--search")
        cmp.search_scores(kw["search_run"], [])
    if kw["random_count"] and kw["space"] is None:
        raise UsageProblem("--random needs --space SPACE to draw members from")
    if not names and not kw["random_count"]:
        raise UsageProblem("no candidate given", "name genotype files, `standard`, or --random N")
    base = config_dict("train", None, {**kw, "seed": 0})
    out_given = click.get_current_context().get_parameter_source("out").name == "COMMANDLINE"
    root = Path(kw["out"] if out_given else "runs/compare").resolve()
    for key in ("command", "out", "name", "spec", "seed"):
        base.pop(key, None)
    # one framework for every cell: --framework, else the first file that names one
    framework = base.get("framework") or _declared_framework(names, kw["space"]) or "simsiam"
    base["framework"] = framework
    found, repeats = cmp.same_heads(cmp.genotype_candidates(list(names), framework))
    for name, same in repeats.items():
        out.print(f"{name} has the same heads as {same}: trained once, as {same}", markup=False)
    if kw["random_count"]:
        dim = _backbone_dim(base, kw)
        found += cmp.random_candidates(
            spec_path(kw["space"]), kw["random_count"], kw["random_seed"], root, dim, found
        )
    reference = repeats.get(kw["reference"], kw["reference"]) or found[0].name
    if reference not in [c.name for c in found]:
        raise UsageProblem(
            f"--reference {reference!r} is not a candidate",
            f"candidates: {', '.join(c.name for c in found)}",
        )
    probe = probe_settings(kw)
    comparison = cmp.Comparison(
        root=str(root),
        candidates=found + cmp.baseline_candidates(),
        seeds=seeds,
        reference=reference,
        k=kw["k"],
        probe=probe,
        base=base,
    )
    cells = cmp.cells_of(comparison)
    first = validated_config(cmp.cells.cell_config(comparison, cells[0]), kw)
    if kw.get("print_config"):
        out.print(first.model_dump_json(indent=2), markup=False, highlight=False)
        return
    if kw["list_cells"]:
        for cell in cells:
            done = "done" if cell.finished(root) else "pending"
            click.echo(f"{cell.index}\t{cell.candidate.name}\tseed{cell.seed}\t{done}")
        return
    cmp.prepare(comparison)
    if kw["cell_index"] is not None:
        if kw["cell_index"] >= len(cells):
            raise UsageProblem(
                f"--cell {kw['cell_index']}: there are {len(cells)} cells (0-{len(cells) - 1})"
            )
        cells = [cells[kw["cell_index"]]]

    for cell in cells:
        problem = cmp.cells.result_problem(cell, root)
        if problem is not None:
            out.print(f"cell {cell.index}: {problem}; evaluating it again", markup=False)

    pending = [c for c in cells if not c.finished(root)]
    cost = cmp.CellClock(list(pending), min(kw["jobs"], max(len(pending), 1)))
    if pending:
        epochs = validated_config(cmp.cells.cell_config(comparison, cells[0]), kw).epochs
        out.print(cost.plan(cells, epochs), markup=False, soft_wrap=True)

    def done(cell, result) -> None:
        out.print(
            f"cell {cell.index}: {cell.label()}: kNN {100 * result.knn:.1f}, "
            f"probe {100 * result.linear_probe:.1f} ({result.wall_s:.0f} s); "
            + cost.finished(cell, result),
            markup=False,
            soft_wrap=True,
        )

    ran = cmp.run_cells(comparison, cells, kw["jobs"], done)
    results, missing = cmp.finished_results(comparison)
    if missing:
        total = len(results) + len(missing)
        out.print(
            f"{len(ran)} cell(s) run; {len(missing)} of {total} still pending in {root}",
            markup=False,
        )
        return
    report = cmp.write_report(comparison, results, kw["search_run"])
    table = rich_table(report.summary, title=f"comparison in {root}", agreement=report.search)
    table_console().print(table)
    for line in report.verdict:
        out.print(line, markup=False, soft_wrap=True)
    for path in report.written:
        out.print(f"wrote {path}", markup=False, soft_wrap=True)


def _declared_framework(names: tuple[str, ...], space: Path | None) -> str | None:
    """The framework the first candidate file (or --space) names with `for FRAMEWORK`."""
    from nasiam_dsl.compare.candidates import named_spec
    from nasiam_dsl.lang.parser import declared_framework

    for given in names:
        found = declared_framework(spec_path(named_spec(given)[1]))
        if found is not None:
            return found
    return declared_framework(spec_path(space)) if space is not None else None


def _seed_list(text: str) -> list[int]:
    try:
        seeds = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UsageProblem(f"--seeds: expected integers like 0,1,2, got {text!r}") from None
    if not seeds or len(set(seeds)) != len(seeds):
        raise UsageProblem(f"--seeds: need distinct seeds like 0,1,2, got {text!r}")
    return seeds


def _backbone_dim(base: dict[str, Any], kw: dict[str, Any]) -> int:
    from nasiam_dsl.api import backbone_dim

    return backbone_dim(validated_config({**base, "spec": "-"}, kw))
