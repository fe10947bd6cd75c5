"""Files written so that a crash or a full disk loses nothing (no torch needed).

`atomic_write_*` write a temp file, fsync it and rename it over the target: a kill at any
moment leaves the old file or the new one, never half of one. Write errors become a
`UsageProblem` naming the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from nasiam_dsl.usage import UsageProblem


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
