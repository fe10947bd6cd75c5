"""Run directories: naming a new one, the files it starts with, the files a run ends with.

A run directory holds everything needed to repeat the run: the spec text, `config.json`,
`metrics.jsonl`, `alphas.jsonl` (search), `checkpoint.pt`, `genotype.nas` (search) and
`backbone.pt` / `model.pt` (final weights, loadable with `weights_only=True`), `summary.json`.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import torch

from nasiam_dsl.files import atomic_write_bytes, atomic_write_text
from nasiam_dsl.run.build import Run
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.usage import UsageProblem


def new_run_dir(config: RunConfig) -> Path:
    """`out/name`, refused when it exists (a script reading `out/name/genotype.nas` would read
    the older run's); without a name `out/<command>-<spec stem>-<time>`, `-2`... when taken."""
    root = Path(config.out)
    if config.name is not None:
        path = root / config.name
        if path.exists():
            raise UsageProblem(
                f"--name {config.name}: {path} already exists",
                f"`nasiam {config.command} --resume {path}` goes on with that run; pick "
                "another --name, or move the old run away",
            )
        return path
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return root / free_name(root, f"{config.command}-{Path(config.spec).stem}-{stamp}")


def free_name(root: Path, name: str) -> str:
    """`name`, or `name-2`, `name-3`... the first that `root` does not hold."""
    taken, i = name, 1
    while (root / taken).exists():
        i += 1
        taken = f"{name}-{i}"
    return taken


def spec_copy(run_dir: Path, config: RunConfig) -> Path:
    """The run's own copy of the space or genotype it ran: what a resume reads."""
    return RunFiles(run_dir).spec_copy(config.spec)


def write_start_files(run_dir: Path, config: RunConfig, spec_text: str) -> None:
    """The spec's copy and the resolved `config.json` of a new run."""
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(spec_copy(run_dir, config), spec_text)
    write_config(run_dir, config)


def write_config(run_dir: Path, config: RunConfig) -> None:
    """The resolved `config.json` (rewritten when a resume extends the run)."""
    atomic_write_text(RunFiles(run_dir).config, config.model_dump_json(indent=2) + "\n")


def write_final_files(r: Run) -> None:
    """`backbone.pt`, `model.pt` (state dicts) and `summary.json` of a finished run."""
    files = RunFiles(r.run_dir)
    for path, module in (
        (files.backbone_weights, r.framework.backbone),
        (files.model_weights, r.model),
    ):
        buffer = io.BytesIO()
        torch.save(module.state_dict(), buffer)
        atomic_write_bytes(path, buffer.getvalue())
    summary = {"epochs": r.epoch, "steps": r.step, "stop_reason": r.stop_reason}
    atomic_write_text(files.summary, json.dumps(summary, indent=2) + "\n")
