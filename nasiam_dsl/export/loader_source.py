"""`load_backbone.py`, written into every export: the backbone rebuilt with torch and
torchvision alone, following `backbone.json`.

The file is a module of this package (`nasiam_dsl/export/load_backbone.py`), so the export
itself rebuilds ResNets with its `rebuild_torchvision` and the two cannot drift apart; an
export copies its text as it is.
"""

from __future__ import annotations

from importlib import resources

__all__ = ["LOADER_FILE", "LOADER_SOURCE"]

LOADER_FILE = "load_backbone.py"

LOADER_SOURCE = resources.files("nasiam_dsl.export").joinpath(LOADER_FILE).read_text("utf-8")
