"""Metric figures of a run: `collapse.png` (z_std·√d, RankMe, parameter-free ops) and
`losses.png` (train / held-out loss, kNN accuracy), one panel per metric that
`metrics.jsonl` has.

Axes are honest: z_std·√d is drawn on a fixed [0, 1.05] (1 is a healthy, spread-out
embedding, 0 a collapsed one; an auto-zoomed axis makes noise look like collapse),
accuracies on [0, 1], counts and ranks from 0. A kNN or RankMe evaluated once is said to be
in the title (with the option that draws its curve), the kNN's chance level (1 / classes,
`knn_chance`) and the random-init kNN (`knn_random_init` in a metrics record, or a `knn` at
epoch 0) are drawn as reference lines when the run recorded them. Legends sit under the
axes, where they cover no data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.run.record import EpochRecord
from nasiam_dsl.show.figures import (
    FIGURE_DPI,
    as_run,
    check_format,
    epochs_of,
    integer_ticks,
    new_figure,
    out_path,
    run_title,
    save,
    scale,
)
from nasiam_dsl.show.rundir import RunDir
from nasiam_dsl.usage import UsageProblem

__all__ = ["Panel", "op_count_series", "panel_size", "plot_collapse", "plot_losses"]

Series = dict[str, tuple[list[float], list[float]]]
Z_RANGE = (0.0, 1.05)


@dataclass
class Panel:
    """One metric panel: its lines, labels, fixed y range and reference lines."""

    title: str
    ylabel: str
    series: Series
    ylim: tuple[float | None, float | None] = (0.0, None)
    references: list[tuple[float, str]] = field(default_factory=list)
    integer: bool = False


def panel_size(panels: int, dpi: int = 100) -> tuple[int, int]:
    """Pixel size of a row of `panels` metric panels (collapse, losses)."""
    return scale(440 * panels, 440, dpi)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _series(records: list[EpochRecord], key: str) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for x, r in zip(epochs_of(records), records, strict=True):
        v = r.get(key)
        if _number(v):
            xs.append(x)
            ys.append(float(v))
    return xs, ys


def op_count_series(records: list[EpochRecord]) -> Series:
    """Parameter-free op counts over epochs: a record's `op_counts` (`{head: {name: n}}`),
    or flat logs `"op_counts/HEAD/NAME"` and `"param_free/HEAD"`."""
    out: Series = {}

    def add(label: str, x: float, v: Any) -> None:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            xs, ys = out.setdefault(label, ([], []))
            xs.append(x)
            ys.append(float(v))

    for x, r in zip(epochs_of(records), records, strict=True):
        for head, counts in (r.op_counts or {}).items():
            for name, n in counts.items():
                add(f"{head} {name}", x, n)
        for key, value in r.extra.items():
            if key.startswith("op_counts/"):
                add(" ".join(key.split("/")[1:]), x, value)
            elif key.startswith("param_free/"):
                add(f"{key.split('/', 1)[1]} param_free", x, value)
    return out


def random_init_knn(records: list[EpochRecord]) -> float | None:
    """The kNN accuracy of the untrained backbone, when the run recorded it."""
    for r in records:
        if _number(r.get("knn_random_init")):
            return float(r.get("knn_random_init"))
    for r in records:
        if r.epoch == 0 and _number(r.knn):
            return float(r.knn)
    return None


def collapse_panels(run: RunDir) -> list[Panel]:
    panels: list[Panel] = []
    z = _series(run.metrics, "z_std_normalised")
    if z[0]:
        panels.append(
            Panel(
                "collapse: z_std·√d (1 healthy, 0 collapsed)",
                "std of L2-normalised z × √d",
                {"z_std·√d": z},
                Z_RANGE,
                [(1.0, "healthy: 1")],
            )
        )
    rank = _series(run.metrics, "rankme")
    if rank[0]:
        title = "RankMe of the backbone's features" + _once(rank[0])
        panels.append(Panel(title, "effective rank", {"RankMe": rank}))
    ops = op_count_series(run.metrics)
    if ops:
        panels.append(Panel("parameter-free ops in the genotype", "count", ops, integer=True))
    return panels


def loss_panels(run: RunDir) -> list[Panel]:
    panels: list[Panel] = []
    losses = {k: _series(run.metrics, k) for k in ("train/loss", "heldout/loss")}
    losses = {k: v for k, v in losses.items() if v[0]}
    if losses:
        panels.append(Panel("loss", "SSL loss", losses, (None, None)))
    knn = _series([r for r in run.metrics if r.epoch != 0], "knn")
    if knn[0]:
        title = "kNN top-1 accuracy" + _once(knn[0])
        refs = []
        base = random_init_knn(run.metrics)
        if base is not None:
            refs.append((base, f"random init: {base:.3f}"))
        chance = next(
            (r.get("knn_chance") for r in run.metrics if _number(r.get("knn_chance"))), None
        )
        if chance is not None:
            refs.append((float(chance), f"chance: 1/{round(1 / chance)}"))
        panels.append(Panel(title, "accuracy", {"kNN": knn}, (0.0, 1.0), refs))
    return panels


def _once(epochs: list[float]) -> str:
    """What a title says of a monitor read at one epoch only."""
    if len(epochs) != 1:
        return ""
    return f"\n(read once, epoch {epochs[0]:g}; --knn-every 1 draws its curve)"


def _need_metrics(run: RunDir) -> None:
    if not run.metrics:
        raise UsageProblem(
            f"{run.path}: no metrics ({RunFiles(run.path).metrics.name} is missing or empty)",
            "a run writes a line at the end of every epoch",
        )


def plot_collapse(
    run: RunDir | str | Path,
    *,
    out_dir: str | Path | None = None,
    dpi: int = FIGURE_DPI,
    fmt: str = "png",
) -> Path:
    """`collapse.png`: z_std·√d, RankMe and op counts over epochs (those present)."""
    run = as_run(run)
    _need_metrics(run)
    panels = collapse_panels(run)
    if not panels:
        metrics = RunFiles(run.path).metrics
        raise UsageProblem(f"{metrics}: no z_std_normalised, rankme or op counts")
    path = out_path(run, out_dir, f"collapse.{check_format(fmt)}")
    return draw_panels(run, "collapse", panels, path, dpi)


def plot_losses(
    run: RunDir | str | Path,
    *,
    out_dir: str | Path | None = None,
    dpi: int = FIGURE_DPI,
    fmt: str = "png",
) -> Path:
    """`losses.png`: train / held-out loss and kNN accuracy over epochs (those present)."""
    run = as_run(run)
    _need_metrics(run)
    panels = loss_panels(run)
    if not panels:
        metrics = RunFiles(run.path).metrics
        raise UsageProblem(f"{metrics}: no train/loss, heldout/loss or knn")
    path = out_path(run, out_dir, f"losses.{check_format(fmt)}")
    return draw_panels(run, "loss and kNN accuracy", panels, path, dpi)


def panels_figure(run: RunDir, title: str, panels: list[Panel], dpi: int):
    """The figure of a row of panels (not saved: tests read its artists)."""
    fig = new_figure(panel_size(len(panels), dpi), dpi)
    fig.set_layout_engine("constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    epochs = epochs_of(run.metrics) or [1.0]
    span = (min(epochs) - 0.25, max(epochs) + 0.25)  # every panel, even one point, alike
    for ax, panel in zip(axes, panels, strict=True):
        for line, (xs, ys) in panel.series.items():
            ax.plot(xs, ys, marker="o", markersize=4, label=line)
        for value, label in panel.references:
            ax.axhline(value, color="grey", linestyle="--", linewidth=1, label=label)
        ax.set_title(panel.title, fontsize=9)
        ax.xaxis.set_major_locator(integer_ticks())
        ax.set_xlim(*span)
        low, high = panel.ylim
        if panel.integer:
            ax.yaxis.set_major_locator(integer_ticks())
            top = max((max(ys) for _, ys in panel.series.values() if ys), default=0.0)
            low, high = -0.25, max(1.0, top) + 0.75  # a count of 0 stays off the axis line
        if low is not None or high is not None:
            ax.set_ylim(bottom=low, top=high)
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_ylabel(panel.ylabel, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        if len(panel.series) + len(panel.references) > 1:
            ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2)
    fig.suptitle(f"{run_title(run)}: {title}", fontsize=10)
    return fig


def draw_panels(run: RunDir, title: str, panels: list[Panel], path: Path, dpi: int) -> Path:
    return save(panels_figure(run, title, panels, dpi), path)
