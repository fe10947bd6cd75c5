"""A search or training run from start to end: `start(config, ui)` is what `nasiam search`,
`nasiam train` and the API call.

The parts live one idea per module: `build.py` (wiring), `loop.py` (the epochs),
`state.py` (checkpoint state), `rundir.py` (the run directory), `sinks.py` (metrics,
TensorBoard, UI) and `arch_side.py` (what a search adds).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nasiam_dsl.run.build import Run, build
from nasiam_dsl.run.checkpoint import load_checkpoint
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.run.loop import Interrupted, NonFinite, after_non_finite, lr_factor, train_loop
from nasiam_dsl.run.resolve import merge
from nasiam_dsl.run.rundir import (
    new_run_dir,
    spec_copy,
    write_config,
    write_final_files,
    write_start_files,
)
from nasiam_dsl.run.sinks import (
    RunUI,
    Sinks,
    open_tensorboard,
    require_tensorboard,
    require_wandb,
)
from nasiam_dsl.run.state import restore_or_explain
from nasiam_dsl.usage import UsageProblem

__all__ = ["EXIT_INTERRUPTED", "Interrupted", "Run", "resumed_config", "start"]

EXIT_INTERRUPTED = 130


def resumed_config(run_dir: Path) -> tuple[RunConfig, dict]:
    """The config and state of the checkpoint in `run_dir` (a message when unreadable)."""
    path = RunFiles(run_dir).checkpoint
    state = load_checkpoint(path)
    try:
        config = RunConfig.model_validate_json(state["config"])
    except ValueError as e:
        raise UsageProblem(
            f"cannot resume from {path}: its config is not one this nasiam reads "
            f"({str(e).splitlines()[0]})",
            "was it written by another nasiam version?",
        ) from None
    return config, state


def _resumed(run_dir: Path, changes: Mapping[str, Any] | None) -> tuple[RunConfig, dict]:
    """The run's own config with `changes` (`resolve.MAY_CHANGE` only), and its state."""
    config, state = resumed_config(run_dir)
    if not changes:
        return config, state
    config = RunConfig.model_validate(merge(config.model_dump(), changes))
    if config.epochs < int(state["epoch"]):
        raise UsageProblem(
            f"--epochs {config.epochs}: the run in {run_dir} has already done "
            f"{state['epoch']} epochs",
            "--epochs extends a run: give more epochs than it has done",
        )
    write_config(run_dir, config)
    return config, state


def stretched_schedule(before: RunConfig, r: Run) -> str | None:
    """What resuming with more epochs does to the lr, in words (None when the epochs are
    unchanged): the cosine schedule runs over the new total, so the lr rises from where the
    shorter schedule had brought it."""
    after = r.config
    if after.epochs == before.epochs:
        return None
    group = r.engine.weight_optimizer.param_groups[0]
    base = group.get("initial_lr", group["lr"])

    def lr(config: RunConfig, step: int) -> float:
        total = r.steps_per_epoch * config.epochs
        return base * lr_factor(config, step / total, step / r.steps_per_epoch)

    last = max(r.step - 1, 0)
    return (
        f"--epochs {after.epochs} stretches this {before.epochs}-epoch run's cosine lr "
        f"schedule over {after.epochs} epochs: its last step ran at lr {lr(before, last):.3g}, "
        f"the next runs at {lr(after, r.step):.3g}. The extended run is not the run "
        f"{after.epochs} epochs give from the start: its first {r.epoch} epochs followed "
        "the shorter schedule"
    )


def start(
    config: RunConfig,
    ui: RunUI,
    resume: Path | None = None,
    max_steps: int | None = None,
    changes: Mapping[str, Any] | None = None,
) -> Run:
    """Create (or resume) a run directory and run it to the end.

    On resume the run's own config is used, with `changes` (what may change on resume, see
    `resolve.resume_changes`): more `epochs` extend a finished or stopped run, and the lr
    schedule then runs over the new total (`ui.note` says what the lr becomes).
    """
    state, before = None, None
    if config.tensorboard or (changes or {}).get("tensorboard"):
        require_tensorboard()  # before a run directory exists
    if config.wandb or (changes or {}).get("wandb"):
        require_wandb()
    spec = None
    if resume is not None:
        before = resumed_config(Path(resume))[0]
        config, state = _resumed(Path(resume), changes)
        run_dir = Path(resume)
        spec = spec_copy(run_dir, config)
        if not spec.is_file():
            raise UsageProblem(
                f"cannot resume {run_dir}: its copy of the {config.command}'s spec, {spec}, is "
                "missing",
                "a run directory keeps the space or genotype it ran; restore the file",
            )
    else:
        run_dir = new_run_dir(config)
    r = build(config, run_dir, spec)
    if r.dist.is_main and state is None:
        write_start_files(run_dir, config, r.spec_text)
    if state is not None:
        restore_or_explain(r, state, RunFiles(run_dir).checkpoint)
        note = stretched_schedule(before, r) if before is not None else None
        if note is not None and r.dist.is_main and hasattr(ui, "note"):
            ui.note(note)
    tensorboard = open_tensorboard(run_dir) if config.tensorboard and r.dist.is_main else None
    try:
        train_loop(r, Sinks(run_dir, r.dist.is_main, ui, tensorboard), max_steps)
    except NonFinite as e:
        raise UsageProblem(
            after_non_finite(r, e), "lower the learning rate (--lr / --arch-lr) or check the data"
        ) from None
    if r.dist.is_main:
        write_final_files(r)
    return r
