"""Finding the run directory a user points at: the run itself, or the `--out` folder that
holds it (one run: that one, and say so; several: list them). Torch-free, so `show` can
use it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.usage import UsageProblem

__all__ = ["FoundRun", "find_run_dir", "is_run_dir"]


def is_run_dir(path: Path) -> bool:
    """A directory a run wrote (it holds its config)."""
    return RunFiles(path).is_run()


@dataclass(frozen=True)
class FoundRun:
    """The run directory, and a note when it is not the path that was given."""

    path: Path
    note: str | None = None


def _runs_below(path: Path, depth: int = 2) -> list[Path]:
    found: list[Path] = []
    for child in sorted(p for p in path.iterdir() if p.is_dir()):
        if is_run_dir(child):
            found.append(child)
        elif depth > 1:
            found.extend(_runs_below(child, depth - 1))
    return found


def find_run_dir(given: str | Path, purpose: str = "RUN_DIR") -> FoundRun:
    """The run directory `given` names: itself, or the one run inside it (two levels down at
    most: `--out` folders and `--seeds` groups). No run, or several, is a `UsageProblem`
    naming `purpose` (the argument or option) and listing the runs found."""
    path = Path(given)
    if not path.exists():
        raise UsageProblem(
            f"{purpose} {path}: no such directory",
            "give the run directory `nasiam search` or `nasiam train` printed (runs/...)",
        )
    if not path.is_dir():
        raise UsageProblem(f"{purpose} {path}: not a directory")
    if is_run_dir(path):
        return FoundRun(path)
    runs = _runs_below(path)
    if len(runs) == 1:
        return FoundRun(runs[0], f"{path} holds one run: using {runs[0]}")
    if not runs:
        raise UsageProblem(
            f"{purpose} {path} is not a run directory (no {RunFiles(path).config.name} in it or "
            "below it)",
            "give the directory `nasiam search` or `nasiam train` wrote",
        )
    listed = "\n".join(f"    {run}" for run in runs)
    raise UsageProblem(
        f"{purpose} {path} holds {len(runs)} runs; name one of them:\n{listed}",
        f"`nasiam show {path}` summarises a comparison's folder or a --seeds folder",
    )
