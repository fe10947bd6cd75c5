"""Files shipped inside the package (the grammar, the spaces), found in any install.

A wheel installs `grammars/` and `spaces/` as `nasiam_dsl/grammars` and `nasiam_dsl/spaces`;
an editable install cannot map those folders, so the source tree is the fallback.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parents[1]


def shipped(package: str, relative: str) -> Path:
    """Path of `relative` inside the shipped folder `package` ("grammars" or "spaces")."""
    try:
        path = Path(str(resources.files(f"nasiam_dsl.{package}").joinpath(relative)))
        if path.exists():
            return path
    except (ModuleNotFoundError, FileNotFoundError, TypeError):
        pass
    return _SOURCE_ROOT / package / relative


def standard_genotype(filename: str) -> Path:
    """A framework's default heads: `spaces/standard/<filename>`."""
    return shipped("spaces", f"standard/{filename}")


def shipped_spaces() -> dict[str, Path]:
    """The shipped spaces and standard genotypes by name (`demo`, `standard/simsiam`)."""
    root = shipped("spaces", "")
    found = {p.stem: p for p in sorted(root.glob("*.nas"))}
    found.update({f"standard/{p.stem}": p for p in sorted(root.glob("standard/*.nas"))})
    return found


def spec_path(given: str | Path) -> Path:
    """A file the user named: the path itself when it exists, else the shipped space of that
    name (`demo`, `demo.nas`, `standard/simsiam`); a path that is neither is returned as is,
    for the caller's "not found" message."""
    path = Path(given)
    if path.exists():
        return path
    name = str(given).replace("\\", "/").removeprefix("spaces/").removesuffix(".nas")
    return shipped_spaces().get(name, path)


def header_line(path: Path, width: int = 100) -> str:
    """The first paragraph of a file's header comment on one line (cut at `width`)."""
    words: list[str] = []
    for line in path.read_text("utf-8").splitlines():
        if not line.startswith("#"):
            break
        text = line.lstrip("#").strip()
        if not text:
            break
        words.append(text)
    summary = " ".join(words)
    end = summary.find(". ")
    summary = summary[: end + 1] if end >= 0 else summary
    return summary if len(summary) <= width else summary[: width - 1].rstrip() + "…"
