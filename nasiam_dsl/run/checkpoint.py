"""Checkpoints and run-directory files, written atomically (temp file + rename).

A kill at any moment leaves either the previous file or the new one, never half of
one. Checkpoints hold only tensors and plain containers, so they load with
`torch.load(..., weights_only=True)`.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nasiam_dsl.usage import UsageProblem

CHECKPOINT = "checkpoint.pt"


def _remove_stale_temps(path: Path) -> None:
    """Delete temp files of `path` left by writers that were killed (their pid is gone)."""
    for stale in path.parent.glob(f".{path.name}.tmp-*"):
        try:
            pid = int(stale.name.rsplit("-", 1)[1])
        except ValueError:
            continue
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            stale.unlink(missing_ok=True)
        except OSError:  # alive but not ours (EPERM): leave it
            continue


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves the old file or the new, never half."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    _remove_stale_temps(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise UsageProblem(
            f"cannot write {path}: {e.strerror or e}",
            "is the disk full or the directory read-only?",
        ) from None


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def append_jsonl(path: Path, record: dict[str, Any]) -> None:
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, sort_keys=True) + "\n")
    except OSError as e:  # a full disk is the user's to fix, not an internal error
        raise UsageProblem(
            f"cannot write {path}: {e.strerror or e}",
            "is the disk full or the directory read-only?",
        ) from None


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
