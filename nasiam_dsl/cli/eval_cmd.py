"""`nasiam eval`: kNN and linear-probe accuracy of a run's backbone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from nasiam_dsl.cli.app import located_run, main, out, user_errors


@main.command(name="eval")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--random-init", is_flag=True, help="Evaluate the same backbone at random init.")
@click.option("--k", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--probe-epochs", type=click.IntRange(min=1), default=100, show_default=True)
@click.option(
    "--protocol",
    type=click.Choice(["fast", "standard"]),
    default="fast",
    show_default=True,
    help="fast: linear probe on frozen features, no augmentation; standard: augmented images "
    "(random resized crop + flip) through the frozen backbone, SGD momentum 0.9, cosine.",
)
@click.option("--probe-lr", type=float, default=None, help="Default: 0.01 fast, 0.1 standard.")
@click.option("--probe-batch-size", type=click.IntRange(min=1), default=256, show_default=True)
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda, cuda:1 or auto.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@user_errors
def eval_cmd(run_dir: Path, random_init: bool, k: int, as_json: bool, **probe: Any) -> None:
    """Report kNN and linear-probe accuracy of RUN_DIR's backbone."""
    import json

    from nasiam_dsl.run.evaluation import ProbeSettings, evaluate_run

    settings = ProbeSettings(
        protocol=probe["protocol"],
        epochs=probe["probe_epochs"],
        lr=probe["probe_lr"],
        batch_size=probe["probe_batch_size"],
    )
    run_dir = located_run(run_dir)
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
