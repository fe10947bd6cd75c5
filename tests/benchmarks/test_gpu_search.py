"""benchmarks/gpu_search.py --cpu-smoke runs every row and prints the table."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu_search.py"


def test_cpu_smoke_measures_every_row(capsys, one_thread) -> None:
    spec = importlib.util.spec_from_file_location("gpu_search", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_search"] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["gpu_search"]
    rows = module.main(["--cpu-smoke"])
    assert [(r.kind, r.channels_last) for r in rows] == [
        ("plain", False),
        ("search", False),
        ("plain", True),
        ("search", True),
    ]
    for r in rows:
        assert r.seconds_per_step > 0 and math.isfinite(r.images_per_second)
        assert r.images_per_step == (16 if r.kind == "search" else 8)
    out = capsys.readouterr().out
    assert "img/s" in out and "100 ep h" in out and out.count("\nsearch ") == 2
