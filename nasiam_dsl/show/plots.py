"""Figures of a run, written into its directory (headless, no pyplot state): PNG at 200 dpi
by default, or PDF / SVG (`fmt`) for a paper; each title names the run.

* `probabilities-HEAD.png`: per head, the final architecture probabilities, one row per
  choice, one cell per candidate (named from the space, wrapped to fit); the genotype's
  pick is framed (dashed when the choice is undecided), each row says its verdict and how
  many times as probable the pick is as the runner-up, a choice the genotype does not
  have (inside a candidate it did not keep, past its depth) says it is hidden, and the
  colourbar marks chance (1/n, 0.5 for sigmoid gates).
* `choices.png`: each choice's candidate probabilities over epochs, one subplot per
  choice, with chance as a dotted line, the verdict (or "hidden") in the title and the
  legend beside the axes.
* `collapse.png`, `losses.png`: metric panels (`show.panels`).

Figure sizes are fixed by the content (no tight bounding box), so the pixel size of a
file is predictable: see `heatmap_size`, `grid_size` and `panel_size`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasiam_dsl.membership.chosen import candidate_names, choice_heads
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.search.margins import DECIDED_RATIO, Margin, chance_level
from nasiam_dsl.show.decisions import run_margins, run_normalised
from nasiam_dsl.show.figures import (
    CHANCE_STYLE,
    DECIDED_COLOUR,
    DPI,
    FIGURE_DPI,
    HIDDEN_COLOUR,
    UNDECIDED_COLOUR,
    as_run,
    check_format,
    fit_text,
    integer_ticks,
    new_figure,
    out_path,
    run_title,
    safe_name,
    save,
    scale,
    wrap,
)
from nasiam_dsl.show.panels import (
    collapse_panels,
    loss_panels,
    op_count_series,
    panel_size,
    plot_collapse,
    plot_losses,
)
from nasiam_dsl.show.rundir import RunDir
from nasiam_dsl.usage import UsageProblem

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "choice_curves_figure",
    "grid_size",
    "heatmap_figure",
    "heatmap_size",
    "op_count_series",
    "panel_size",
    "plot_choice_curves",
    "plot_collapse",
    "plot_heatmap",
    "plot_heatmaps",
    "plot_losses",
    "render_run",
]

CURVE_COLUMNS = 2
_CURVE_W = 760  # a subplot and its legend beside it, pixels
LEGEND_WRAP = 34  # characters a legend line holds before it wraps
_HEAT_LEFT, _HEAT_RIGHT, _HEAT_TOP, _HEAT_BOTTOM = 190, 150, 60, 50  # margins, pixels
_CELL_W, _CELL_H = 160, 60


def heatmap_size(rows: int, columns: int, dpi: int = DPI) -> tuple[int, int]:
    """Pixel size of a heatmap with `rows` choices and up to `columns` candidates."""
    return scale(
        _HEAT_LEFT + _HEAT_RIGHT + _CELL_W * columns,
        _HEAT_TOP + _HEAT_BOTTOM + _CELL_H * rows,
        dpi,
    )


def grid_size(plots: int, dpi: int = DPI) -> tuple[int, int]:
    """Pixel size of the choice curves: `CURVE_COLUMNS` subplots a row."""
    columns = min(CURVE_COLUMNS, plots)
    rows = math.ceil(plots / columns)
    return scale(_CURVE_W * columns, 60 + 320 * rows, dpi)


def _need_alphas(run: RunDir) -> list[dict[str, Any]]:
    if not run.alphas:
        raise UsageProblem(
            f"{run.path}: no architecture probabilities "
            f"({RunFiles(run.path).alphas.name} is missing or empty)",
            "a search writes them at the end of every epoch; a training run has none",
        )
    return run.alphas


def _names(run: RunDir, key: str, count: int) -> list[str]:
    """Candidate names from the space; `#i` when the space is missing or disagrees."""
    names = candidate_names(run.space).get(key) if run.space is not None else None
    if names is None or len(names) != count:
        return [f"#{i}" for i in range(count)]
    return names


def _keys_by_head(run: RunDir, keys: Sequence[str]) -> dict[str, list[str]]:
    """Keys grouped by the heads they occur in, in the space's order when it is known."""
    groups: dict[str, list[str]] = {}
    heads = choice_heads(run.space) if run.space is not None else {}
    order = list(heads) + [k for k in keys if k not in heads]
    for key in order:
        if key not in keys:
            continue
        for head in heads.get(key) or [key.split(".", 1)[0]]:
            groups.setdefault(head, []).append(key)
    return groups


def _verdict_line(m: Margin | None, hidden: bool = False) -> tuple[str, str]:
    """A row's verdict text and colour (a choice the genotype does not have: hidden)."""
    if hidden:
        return "hidden: not in the genotype", HIDDEN_COLOUR
    if m is None:
        return "", "black"
    if m.decided:
        return f"decided: {m.ratio_text} the runner-up", DECIDED_COLOUR
    return f"undecided: {m.ratio_text} the runner-up", UNDECIDED_COLOUR


def _hidden(run: RunDir) -> set[str]:
    """The choices of the space that the run's genotype does not have (none without one)."""
    if run.genotype is None or run.space is None:
        return set()
    kept = run_margins(run)
    return {k for k in run.final_probabilities() if k not in kept}


# ---- heatmaps -------------------------------------------------------------------------------


def heatmap_figure(run: RunDir, head: str, dpi: int = DPI) -> Figure:
    """The heatmap of one head's final probabilities (not saved: tests read its artists)."""
    import numpy as np

    final = _need_alphas(run)[-1]
    probs: dict[str, list[float]] = final["probabilities"]
    groups = _keys_by_head(run, list(probs))
    if head not in groups:
        known = ", ".join(groups) or "none"
        raise UsageProblem(
            f"{run.path}: head '{head}' has no choices (heads with choices: {known})"
        )
    keys = groups[head]
    columns = max(len(probs[k]) for k in keys)
    matrix = np.full((len(keys), columns), np.nan)
    for r, key in enumerate(keys):
        matrix[r, : len(probs[key])] = probs[key]
    found = run_margins(run, kept_only=False)
    kept = run_margins(run) if run.genotype is not None else {}
    hidden = _hidden(run)

    width, height = heatmap_size(len(keys), columns, DPI)
    fig = new_figure(heatmap_size(len(keys), columns, dpi), dpi)
    body = (_HEAT_BOTTOM / height, _CELL_H * len(keys) / height)
    ax = fig.add_axes((_HEAT_LEFT / width, body[0], _CELL_W * columns / width, body[1]))
    cax = fig.add_axes(((width - _HEAT_RIGHT + 15) / width, body[0], 15 / width, body[1]))
    image = ax.imshow(np.ma.masked_invalid(matrix), cmap=_cmap(), vmin=0.0, vmax=1.0, aspect="auto")
    for r, key in enumerate(keys):
        names = _names(run, key, len(probs[key]))
        m = found.get(key)
        picked = kept[key].chosen if key in kept else ()
        for c, p in enumerate(probs[key]):
            text, size = fit_text(names[c], _CELL_W - 10, _CELL_H - 20, 7)
            ax.text(
                c,
                r,
                f"{text}\n{p:.2f}",
                ha="center",
                va="center",
                fontsize=size,
                color="black" if p > 0.55 else "white",
            )
            if c in picked:
                ax.add_patch(_frame(c, r, decided=m is None or m.decided))
    ax.set_yticks(range(len(keys)), [_row_label(k, head) for k in keys], fontsize=8)
    for r, key in enumerate(keys):
        verdict, colour = _verdict_line(found.get(key), key in hidden)
        ax.get_yticklabels()[r].set_color(colour)
        ax.text(-0.55, r + 0.3, verdict, ha="right", va="center", fontsize=7, color=colour)
    ax.set_xticks(range(columns), [f"#{i}" for i in range(columns)], fontsize=8)
    ax.set_xlabel(
        f"candidate; framed: the genotype's pick (dashed: undecided, < {DECIDED_RATIO:g}x the "
        "runner-up)",
        fontsize=8,
    )
    epoch = final.get("epoch")
    at = f" at epoch {epoch}" if epoch else ""
    ax.set_title(f"{run_title(run)}\n{head}: architecture probabilities{at}", fontsize=9)
    fig.colorbar(image, cax=cax)
    cax.set_title("p", fontsize=8)
    cax.tick_params(labelsize=7)
    normalised = run_normalised(run)
    for n in sorted({len(probs[k]) for k in keys}):
        level = chance_level(n, normalised)
        cax.axhline(level, color="white", linewidth=2)
        cax.axhline(level, color="black", linewidth=1, linestyle=":")
        label = f"chance 1/{n}" if normalised else "chance 0.5"
        cax.text(3.3, level, label, transform=cax.get_yaxis_transform(), fontsize=7, va="center")
    return fig


def plot_heatmap(
    run: RunDir | str | Path,
    head: str,
    *,
    out_dir: str | Path | None = None,
    dpi: int = FIGURE_DPI,
    fmt: str = "png",
) -> Path:
    """`probabilities-HEAD.png`: the last architecture probabilities of one head's choices."""
    run = as_run(run)
    fig = heatmap_figure(run, head, dpi)
    name = f"probabilities-{safe_name(head)}.{check_format(fmt)}"
    return save(fig, out_path(run, out_dir, name))


def plot_heatmaps(
    run: RunDir | str | Path,
    *,
    out_dir: str | Path | None = None,
    dpi: int = FIGURE_DPI,
    fmt: str = "png",
) -> list[Path]:
    """One `probabilities-HEAD.png` per head that has choices."""
    run = as_run(run)
    groups = _keys_by_head(run, list(_need_alphas(run)[-1]["probabilities"]))
    return [plot_heatmap(run, head, out_dir=out_dir, dpi=dpi, fmt=fmt) for head in groups]


def _cmap():
    import matplotlib

    return matplotlib.colormaps["viridis"].with_extremes(bad="#dddddd")


def _frame(c: int, r: int, *, decided: bool):
    from matplotlib.patches import Rectangle

    return Rectangle(
        (c - 0.46, r - 0.46),
        0.92,
        0.92,
        fill=False,
        edgecolor="red" if decided else UNDECIDED_COLOUR,
        linestyle="-" if decided else "--",
        linewidth=2,
    )


def _row_label(key: str, head: str) -> str:
    return key[len(head) + 1 :] if key.startswith(head + ".") else key


# ---- probabilities over epochs --------------------------------------------------------------


def choice_curves_figure(run: RunDir, dpi: int = DPI) -> Figure:
    """Every choice's probabilities over epochs (not saved: tests read its artists)."""
    records = _need_alphas(run)
    keys: list[str] = []
    for record in records:
        keys += [k for k in record["probabilities"] if k not in keys]
    groups = _keys_by_head(run, keys)
    keys = list(dict.fromkeys(k for ks in groups.values() for k in ks))
    if not keys:
        raise UsageProblem(f"{RunFiles(run.path).alphas}: the space has no open choice to plot")
    found = run_margins(run, kept_only=False)
    hidden = _hidden(run)
    normalised = run_normalised(run)
    columns = min(CURVE_COLUMNS, len(keys))
    rows = math.ceil(len(keys) / columns)
    fig = new_figure(grid_size(len(keys), dpi), dpi)
    fig.set_layout_engine("constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    for i, key in enumerate(keys):
        ax = axes[i // columns][i % columns]
        series = [
            (r.get("epoch", n + 1), r["probabilities"].get(key)) for n, r in enumerate(records)
        ]
        series = [(e, p) for e, p in series if p is not None]
        count = max(len(p) for _, p in series)
        names = _names(run, key, count)
        for c in range(count):
            xs = [e for e, p in series if c < len(p)]
            ys = [p[c] for _, p in series if c < len(p)]
            ax.plot(xs, ys, marker="o", markersize=3, label=wrap(names[c], LEGEND_WRAP))
        level = chance_level(count, normalised)
        chance = f"1/{count}" if normalised else "0.5"
        ax.axhline(level, label=f"chance ({chance})", **CHANCE_STYLE)
        verdict, colour = _verdict_line(found.get(key), key in hidden)
        ax.set_title(key + (f" — {verdict}" if verdict else ""), fontsize=9, color=colour)
        ax.xaxis.set_major_locator(integer_ticks())
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_ylabel("probability", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    for j in range(len(keys), rows * columns):
        axes[j // columns][j % columns].set_visible(False)
    fig.suptitle(f"{run_title(run)}: architecture probabilities over epochs", fontsize=10)
    return fig


def plot_choice_curves(
    run: RunDir | str | Path,
    *,
    out_dir: str | Path | None = None,
    dpi: int = FIGURE_DPI,
    fmt: str = "png",
) -> Path:
    """`choices.png`: every choice's candidate probabilities over epochs."""
    run = as_run(run)
    path = out_path(run, out_dir, f"choices.{check_format(fmt)}")
    return save(choice_curves_figure(run, dpi), path)


# ---- everything -----------------------------------------------------------------------------


def render_run(
    run_dir: RunDir | str | Path,
    *,
    out_dir: str | Path | None = None,
    dpi: int = FIGURE_DPI,
    fmt: str = "png",
) -> list[Path]:
    """Every figure the run's files allow (none is an error only if the directory is bad)."""
    run = as_run(run_dir)
    check_format(fmt)
    options: dict[str, Any] = {"out_dir": out_dir, "dpi": dpi, "fmt": fmt}
    paths: list[Path] = []
    if run.alphas and run.final_probabilities():
        paths += plot_heatmaps(run, **options)
        paths.append(plot_choice_curves(run, **options))
    if run.metrics:
        if collapse_panels(run):
            paths.append(plot_collapse(run, **options))
        if loss_panels(run):
            paths.append(plot_losses(run, **options))
    return paths
