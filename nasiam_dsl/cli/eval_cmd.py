"""`nasiam eval`: kNN and linear-probe accuracy of a run's backbone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from nasiam_dsl.cli.app import located_run, main, out, user_errors
from nasiam_dsl.cli.eval_options import evaluation_options, probe_settings


@main.command(name="eval")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--random-init", is_flag=True, help="Evaluate the same backbone at random init.")
@evaluation_options
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda, cuda:1 or auto.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@user_errors
def eval_cmd(run_dir: Path, random_init: bool, k: int, as_json: bool, **probe: Any) -> None:
    """Report kNN and linear-probe accuracy of RUN_DIR's backbone."""
    import json

    from nasiam_dsl.run.evaluation import evaluate_run

    run_dir = located_run(run_dir)
    settings = probe_settings(probe)
    result = evaluate_run(
        run_dir, random_init=random_init, k=k, probe=settings, device=probe["device"]
    )
    if as_json:  # verbatim: a console would wrap long strings inside the JSON
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    table = Table(title=f"evaluation of {run_dir}", caption=f"linear probe: {result.probe}")
    for col in ("weights", "kNN top-1", "linear probe top-1", "train / test images"):
        table.add_column(col)
    table.add_row(
        result.weights,
        f"{result.knn:.4f}",
        f"{result.linear_probe:.4f}",
        f"{result.train_images} / {result.test_images}",
    )
    out.print(table)
