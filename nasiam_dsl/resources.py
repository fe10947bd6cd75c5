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
