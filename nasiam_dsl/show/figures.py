"""Plumbing shared by the figures of a run: headless matplotlib figures of an exact pixel
size, saving, run loading, and candidate names that fit a cell or a legend by wrapping
(never by cutting)."""

from __future__ import annotations

import math
import re
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasiam_dsl.show.rundir import RunDir, load_run
from nasiam_dsl.usage import UsageProblem

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 100  # the resolution the layouts' pixel sizes are written at
FIGURE_DPI = 200  # what `nasiam show` writes bitmaps at (print quality)
FORMATS = ("png", "pdf", "svg")  # a bitmap, or vector figures for a paper
CHANCE_STYLE: dict[str, Any] = {"color": "0.35", "linestyle": ":", "linewidth": 1.2}
UNDECIDED_COLOUR = "#d95f02"  # orange: readable on white, apart from viridis and tab10's red
DECIDED_COLOUR = "#1b7837"
HIDDEN_COLOUR = "0.45"  # grey: a choice the genotype does not have


def scale(width: int, height: int, dpi: int) -> tuple[int, int]:
    """A size in pixels at `DPI`, at `dpi` instead."""
    return round(width * dpi / DPI), round(height * dpi / DPI)


def new_figure(size: tuple[int, int], dpi: int) -> Figure:
    """A figure of exactly `size` pixels (no pyplot state)."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageProblem(
            "plots need matplotlib, which is not installed",
            "pip install 'nasiam[plots]' (or pip install matplotlib)",
        ) from None
    # a quarter pixel more, so that Agg's truncation lands on the exact size
    return Figure(figsize=((size[0] + 0.25) / dpi, (size[1] + 0.25) / dpi), dpi=dpi)


def save(fig: Figure, path: Path) -> Path:
    """Write `fig` in the format its suffix names (`FORMATS`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format=path.suffix.lstrip(".") or "png", dpi=fig.dpi)
    return path


def check_format(fmt: str) -> str:
    """`fmt` when it is one of `FORMATS`, else a message naming the option."""
    if fmt not in FORMATS:
        raise UsageProblem(f"--format {fmt}: not a figure format", f"one of {', '.join(FORMATS)}")
    return fmt


def run_title(run: RunDir) -> str:
    """What a figure's title says of its run: the directory's name, then what it ran
    (framework, dataset, the space or genotype, epochs, seed), as far as its config says."""
    c = run.config
    data = c.get("data") if isinstance(c.get("data"), dict) else {}
    spec = run.spec.name if run.spec is not None else None
    parts = [
        f"{c['framework']} on {data.get('dataset', '?')}" if c.get("framework") else None,
        spec,
        f"{c['epochs']} epochs" if isinstance(c.get("epochs"), int) else None,
        f"seed {c['seed']}" if isinstance(c.get("seed"), int) else None,
    ]
    described = ", ".join(p for p in parts if p)
    return f"{run.path.name} ({described})" if described else run.path.name


def as_run(run: RunDir | str | Path) -> RunDir:
    return run if isinstance(run, RunDir) else load_run(run)


def out_path(run: RunDir, out_dir: str | Path | None, name: str) -> Path:
    return Path(out_dir if out_dir is not None else run.path) / name


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def integer_ticks():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def epochs_of(records: list[dict[str, Any]]) -> list[float]:
    return [float(r.get("epoch", i + 1)) for i, r in enumerate(records)]


def wrap(text: str, width: int) -> str:
    """`text` on lines of at most `width` characters, broken after `|` or `,` where it can
    (a pipeline stays readable), inside a long word only where it must."""
    pieces = re.split(r"(?<=[|,]) ", text)
    lines: list[str] = []
    for piece in pieces:
        for part in textwrap.wrap(piece, width, break_long_words=True) or [""]:
            if lines and len(lines[-1]) + 1 + len(part) <= width:
                lines[-1] += " " + part
            else:
                lines.append(part)
    return "\n".join(lines)


def fit_text(text: str, width_px: float, height_px: float, size: float) -> tuple[str, float]:
    """`text` wrapped and a font size (points, at most `size`) with which it fits a box of
    `width_px` x `height_px` pixels at 100 dpi; the text is never cut."""
    while True:
        char_px = 0.62 * size * 100 / 72  # DejaVu Sans: about 0.6 em a character
        line_px = 1.25 * size * 100 / 72
        columns = max(4, math.floor(width_px / char_px))
        wrapped = wrap(text, columns)
        lines = wrapped.count("\n") + 1
        if (lines * line_px <= height_px and max(map(len, wrapped.split("\n"))) <= columns) or (
            size <= 4
        ):
            return wrapped, size
        size -= 0.5
