"""Checkpoint state of a run: what `checkpoint.pt` holds, and putting it back on resume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nasiam_dsl.run.build import Run
from nasiam_dsl.run.checkpoint import (
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.usage import UsageProblem

FORMAT = "nasiam-checkpoint-1"


def checkpoint_state(r: Run, interrupted: bool) -> dict[str, Any]:
    """Model, optimisers, streams, RNGs and the architecture side's parts, weights_only-safe."""
    state = {
        "format": FORMAT,
        "config": r.config.model_dump_json(),
        "epoch": r.progress.epoch,
        "step": r.progress.step,
        "interrupted": interrupted,
        "epoch_logs": {k: list(v) for k, v in r.progress.epoch_logs.items()},
        "model": r.model.state_dict(),
        "weight_optimizer": r.engine.weight_optimizer.state_dict(),
        "engine": r.engine.state_dict(),
        "train_stream": r.streams.train.state_dict(),
        "rng": rng_state(),
        **r.side.state_dict(),
    }
    if r.streams.val is not None:
        state["val_stream"] = r.streams.val.state_dict()
    if r.streams.augment is not None:
        state["augment_rng"] = r.streams.augment.get_rng_state()
    return state


def restore(r: Run, state: dict[str, Any]) -> None:
    """Put a checkpoint's state back into a freshly built run."""
    r.model.load_state_dict(state["model"])
    r.engine.weight_optimizer.load_state_dict(state["weight_optimizer"])
    r.engine.load_state_dict(state["engine"])
    r.progress.epoch, r.progress.step = int(state["epoch"]), int(state["step"])
    logs = state.get("epoch_logs") or {}  # checkpoints written before it kept none
    r.progress.epoch_logs = {str(k): [float(x) for x in v] for k, v in logs.items()}
    for stream, key in ((r.streams.train, "train_stream"), (r.streams.val, "val_stream")):
        if stream is not None and key in state:
            stream.load_state_dict(state[key])
    if r.streams.augment is not None and "augment_rng" in state:
        r.streams.augment.set_rng_state(state["augment_rng"])
    r.side.load_state_dict(state)
    set_rng_state(state["rng"])


def save(r: Run, interrupted: bool = False) -> None:
    """Write `checkpoint.pt` atomically (rank 0 only)."""
    if r.dist.is_main:
        save_checkpoint(RunFiles(r.run_dir).checkpoint, checkpoint_state(r, interrupted))


def restore_or_explain(r: Run, state: dict[str, Any], path: Path) -> None:
    """`restore`, or a message saying the checkpoint does not fit the run its config builds."""
    try:
        restore(r, state)
    except (RuntimeError, KeyError, ValueError, TypeError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise UsageProblem(
            f"cannot resume from {path}: it does not match the run its config describes "
            f"({first[:200]})",
            "was the space, framework or backbone changed since?",
        ) from None
