"""Checkpoints, written atomically through `nasiam_dsl.files` (temp file + rename).

A kill at any moment leaves either the previous file or the new one, never half of
one. Checkpoints hold only tensors and plain containers, so they load with
`torch.load(..., weights_only=True)`.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nasiam_dsl.files import append_jsonl, atomic_write_bytes, atomic_write_text
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.usage import UsageProblem

#: the checkpoint's file name in a run directory, as `run/layout.py` names it
CHECKPOINT = RunFiles(Path()).checkpoint.name

__all__ = [
    "CHECKPOINT",
    "append_jsonl",
    "atomic_write_bytes",
    "atomic_write_text",
    "load_checkpoint",
    "rng_state",
    "save_checkpoint",
    "set_rng_state",
]


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    import io

    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    if not path.exists():
        raise UsageProblem(f"no checkpoint at {path}", "is this a nasiam run directory?")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # corrupt, truncated or foreign files all land here
        raise UsageProblem(
            f"cannot load checkpoint {path}: {type(e).__name__}: {e}".split("\n")[0],
            "the file is corrupt or was not written by nasiam",
        ) from None
    if not isinstance(state, dict) or state.get("format") != "nasiam-checkpoint-1":
        raise UsageProblem(f"{path} is not a nasiam checkpoint")
    broken = [key for key, kind in _REQUIRED.items() if not isinstance(state.get(key), kind)]
    if not broken and not isinstance(_json_or_none(state["config"]), dict):
        broken = ["config"]
    if broken:  # a tagged file without the parts a resume reads would fail deep in the run
        raise UsageProblem(
            f"{path} is an incomplete nasiam checkpoint (missing or bad: {', '.join(broken)})",
            "the file is corrupt or was not written by nasiam",
        )
    return state


_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "config": str,
    "epoch": int,
    "step": int,
    "model": dict,
}


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def rng_state() -> dict[str, Any]:
    """Every RNG a run touches, as tensors and plain values (weights_only-safe)."""
    np_state = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": {
            "keys": torch.from_numpy(np_state[1].astype(np.int64)),
            "pos": int(np_state[2]),
            "has_gauss": int(np_state[3]),
            "gauss": float(np_state[4]),
        },
        "python": [*random.getstate()[1], random.getstate()[2] or 0],
        "python_version": random.getstate()[0],
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state(
        ("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["gauss"])
    )
    py = state["python"]
    random.setstate((state["python_version"], tuple(py[:-1]), py[-1] or None))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
