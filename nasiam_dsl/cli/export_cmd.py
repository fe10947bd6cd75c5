"""`nasiam export`: a finished run's backbone and heads as plain PyTorch (docs/export.md)."""

from __future__ import annotations

from pathlib import Path

import click

from nasiam_dsl.cli.app import located_run, main, out, user_errors


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--to", type=click.Path(path_type=Path), required=True, help="The folder to write.")
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
@click.option(
    "--program",
    is_flag=True,
    help="Write the backbone as a torch.export program (fast inference, not trainable) "
    "instead of its weights and plain PyTorch code.",
)
@user_errors
def export(run_dir: Path, to: Path, force: bool, program: bool) -> None:
    """Write RUN_DIR's backbone, normalisation and heads to a folder as plain PyTorch."""
    from nasiam_dsl.api import export as export_run

    result = export_run(located_run(run_dir), to, overwrite=force, program=program)
    out.print(
        f"exported {result.backbone_format} backbone ({result.feature_dim} features) and "
        f"heads {', '.join(result.heads)} to {result.folder}",
        markup=False,
        soft_wrap=True,
    )
    for name in result.files:
        out.print(f"  {name}", markup=False)
