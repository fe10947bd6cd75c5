"""Figures of a run, written as PNG files into its directory (headless, no pyplot state).

* `probabilities-HEAD.png`: per head, the final architecture probabilities, one row per
  choice, one cell per candidate (named from the space); the genotype's pick is framed.
* `choices.png`: each choice's candidate probabilities over epochs, one subplot per choice.
* `collapse.png`: z_std·√d, RankMe and parameter-free op counts over epochs, those that
  `metrics.jsonl` has.
* `losses.png`: train / held-out loss and kNN accuracy over epochs, those it has.

Figure sizes are fixed by the content (no tight bounding box), so the pixel size of a
file is predictable: see `heatmap_size`, `grid_size` and `panel_size`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasiam_dsl.show.choices import align_genotype, candidate_names, choice_heads
from nasiam_dsl.show.rundir import ALPHAS, METRICS, RunDir, load_run
from nasiam_dsl.usage import UsageProblem

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "grid_size",
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

DPI = 100
MAX_NAME = 40  # legend and cell names longer than this are cut with an ellipsis
CURVE_COLUMNS = 2


# ---- sizes (pixels at `dpi`) ----------------------------------------------------------------


def heatmap_size(rows: int, columns: int, dpi: int = DPI) -> tuple[int, int]:
    """Pixel size of a heatmap with `rows` choices and up to `columns` candidates."""
    return _scale(
        _HEAT_LEFT + _HEAT_RIGHT + 160 * columns, _HEAT_TOP + _HEAT_BOTTOM + 60 * rows, dpi
    )


_HEAT_LEFT, _HEAT_RIGHT, _HEAT_TOP, _HEAT_BOTTOM = 190, 90, 40, 50  # margins, pixels


def grid_size(plots: int, dpi: int = DPI) -> tuple[int, int]:
    """Pixel size of the choice curves: `CURVE_COLUMNS` subplots a row."""
    columns = min(CURVE_COLUMNS, plots)
    rows = math.ceil(plots / columns)
    return _scale(560 * columns, 60 + 320 * rows, dpi)


def panel_size(panels: int, dpi: int = DPI) -> tuple[int, int]:
    """Pixel size of a row of `panels` metric panels (collapse, losses)."""
    return _scale(440 * panels, 380, dpi)


def _scale(width: int, height: int, dpi: int) -> tuple[int, int]:
    return round(width * dpi / DPI), round(height * dpi / DPI)


# ---- plumbing -------------------------------------------------------------------------------


def _figure(size: tuple[int, int], dpi: int) -> Figure:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageProblem(
            "plots need matplotlib, which is not installed",
            "pip install 'nasiam[plots]' (or pip install matplotlib)",
        ) from None
    # a quarter pixel more, so that Agg's truncation lands on the exact size
    return Figure(figsize=((size[0] + 0.25) / dpi, (size[1] + 0.25) / dpi), dpi=dpi)


def _save(fig: Figure, path: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=fig.dpi)
    return path


def _run(run: RunDir | str | Path) -> RunDir:
    return run if isinstance(run, RunDir) else load_run(run)


def _out(run: RunDir, out_dir: str | Path | None, name: str) -> Path:
    return Path(out_dir if out_dir is not None else run.path) / name


def _short(text: str, limit: int = MAX_NAME) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _need_alphas(run: RunDir) -> list[dict[str, Any]]:
    if not run.alphas:
        raise UsageProblem(
            f"{run.path}: no architecture probabilities ({ALPHAS} is missing or empty)",
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


def _integer_ticks():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def _epochs(records: list[dict[str, Any]]) -> list[float]:
    return [float(r.get("epoch", i + 1)) for i, r in enumerate(records)]


# ---- heatmaps -------------------------------------------------------------------------------


def plot_heatmap(
    run: RunDir | str | Path, head: str, *, out_dir: str | Path | None = None, dpi: int = DPI
) -> Path:
    """`probabilities-HEAD.png`: the last architecture probabilities of one head's choices."""
    import numpy as np

    run = _run(run)
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
    chosen = (
        align_genotype(run.space, run.genotype)
        if run.space is not None and run.genotype is not None
        else {}
    )

    width, height = heatmap_size(len(keys), columns, DPI)
    fig = _figure(heatmap_size(len(keys), columns, dpi), dpi)
    ax = fig.add_axes(
        (
            _HEAT_LEFT / width,
            _HEAT_BOTTOM / height,
            160 * columns / width,
            60 * len(keys) / height,
        )
    )
    cax = fig.add_axes(
        (
            (width - _HEAT_RIGHT + 15) / width,
            _HEAT_BOTTOM / height,
            15 / width,
            60 * len(keys) / height,
        )
    )
    cmap = _cmap()
    image = ax.imshow(np.ma.masked_invalid(matrix), cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto")
    for r, key in enumerate(keys):
        names = _names(run, key, len(probs[key]))
        picked = chosen[key].indices if key in chosen else ()
        for c, p in enumerate(probs[key]):
            ax.text(
                c,
                r,
                f"{_short(names[c], 18)}\n{p:.2f}",
                ha="center",
                va="center",
                fontsize=7,
                color="black" if p > 0.55 else "white",
            )
            if c in (picked or ()):
                ax.add_patch(_frame(c, r))
    ax.set_yticks(range(len(keys)), [_row_label(k, head) for k in keys], fontsize=8)
    ax.set_xticks(range(columns), [f"#{i}" for i in range(columns)], fontsize=8)
    ax.set_xlabel("candidate (name in the cell; framed: the genotype's choice)", fontsize=8)
    epoch = final.get("epoch")
    ax.set_title(f"{head}: architecture probabilities" + (f" at epoch {epoch}" if epoch else ""))
    fig.colorbar(image, cax=cax)
    cax.tick_params(labelsize=7)
    return _save(fig, _out(run, out_dir, f"probabilities-{_safe(head)}.png"))


def plot_heatmaps(
    run: RunDir | str | Path, *, out_dir: str | Path | None = None, dpi: int = DPI
) -> list[Path]:
    """One `probabilities-HEAD.png` per head that has choices."""
    run = _run(run)
    groups = _keys_by_head(run, list(_need_alphas(run)[-1]["probabilities"]))
    return [plot_heatmap(run, head, out_dir=out_dir, dpi=dpi) for head in groups]


def _cmap():
    import matplotlib

    return matplotlib.colormaps["viridis"].with_extremes(bad="#dddddd")


def _frame(c: int, r: int):
    from matplotlib.patches import Rectangle

    return Rectangle((c - 0.48, r - 0.48), 0.96, 0.96, fill=False, edgecolor="red", linewidth=2)


def _row_label(key: str, head: str) -> str:
    return key[len(head) + 1 :] if key.startswith(head + ".") else key


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


# ---- probabilities over epochs --------------------------------------------------------------


def plot_choice_curves(
    run: RunDir | str | Path, *, out_dir: str | Path | None = None, dpi: int = DPI
) -> Path:
    """`choices.png`: every choice's candidate probabilities over epochs."""
    run = _run(run)
    records = _need_alphas(run)
    keys: list[str] = []
    for record in records:
        keys += [k for k in record["probabilities"] if k not in keys]
    groups = _keys_by_head(run, keys)
    keys = list(dict.fromkeys(k for ks in groups.values() for k in ks))
    if not keys:
        raise UsageProblem(f"{run.path / ALPHAS}: the space has no open choice to plot")
    columns = min(CURVE_COLUMNS, len(keys))
    rows = math.ceil(len(keys) / columns)
    fig = _figure(grid_size(len(keys), dpi), dpi)
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
            ax.plot(xs, ys, marker="o", markersize=3, label=_short(names[c]))
        ax.set_title(key, fontsize=9)
        ax.xaxis.set_major_locator(_integer_ticks())
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_ylabel("probability", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6, loc="best")
    for j in range(len(keys), rows * columns):
        axes[j // columns][j % columns].set_visible(False)
    fig.suptitle(f"{run.path.name}: architecture probabilities over epochs")
    fig.subplots_adjust(
        left=0.08, right=0.97, bottom=0.08, top=1 - 70 / (60 + 320 * rows), hspace=0.45, wspace=0.25
    )
    return _save(fig, _out(run, out_dir, "choices.png"))


# ---- metric panels --------------------------------------------------------------------------

Series = dict[str, tuple[list[float], list[float]]]
Panel = tuple[str, Series, "float | None", bool]  # title, lines, reference line, integer y


def _series(records: list[dict[str, Any]], key: str) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for x, r in zip(_epochs(records), records, strict=True):
        v = r.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            xs.append(x)
            ys.append(float(v))
    return xs, ys


def op_count_series(records: list[dict[str, Any]]) -> Series:
    """Parameter-free op counts over epochs, in the shapes a metrics record may hold them:
    `"op_counts": {head: {"param_free": n}}` (or `{head: n}`), or flat keys
    `"op_counts/HEAD/NAME"` and `"param_free/HEAD"`."""
    out: Series = {}

    def add(label: str, x: float, v: Any) -> None:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            xs, ys = out.setdefault(label, ([], []))
            xs.append(x)
            ys.append(float(v))

    for x, r in zip(_epochs(records), records, strict=True):
        nested = r.get("op_counts")
        if isinstance(nested, dict):
            for head, value in nested.items():
                if isinstance(value, dict):
                    for name, n in value.items():
                        add(f"{head} {name}", x, n)
                else:
                    add(f"{head} param_free", x, value)
        for key, value in r.items():
            if key.startswith("op_counts/"):
                add(" ".join(key.split("/")[1:]), x, value)
            elif key.startswith("param_free/"):
                add(f"{key.split('/', 1)[1]} param_free", x, value)
    return out


def _collapse_panels(run: RunDir) -> list[Panel]:
    panels: list[Panel] = []
    z = _series(run.metrics, "z_std_normalised")
    if z[0]:
        panels.append(("z_std·√d (collapse → 0)", {"z_std·√d": z}, 1.0, False))
    rank = _series(run.metrics, "rankme")
    if rank[0]:
        panels.append(("RankMe", {"rankme": rank}, None, False))
    ops = op_count_series(run.metrics)
    if ops:
        panels.append(("parameter-free ops in the genotype", ops, None, True))
    return panels


def _loss_panels(run: RunDir) -> list[Panel]:
    panels: list[Panel] = []
    losses = {k: _series(run.metrics, k) for k in ("train/loss", "heldout/loss")}
    losses = {k: v for k, v in losses.items() if v[0]}
    if losses:
        panels.append(("loss", losses, None, False))
    knn = _series(run.metrics, "knn")
    if knn[0]:
        panels.append(("kNN accuracy", {"knn": knn}, None, False))
    return panels


def _need_metrics(run: RunDir) -> None:
    if not run.metrics:
        raise UsageProblem(
            f"{run.path}: no metrics ({METRICS} is missing or empty)",
            "a run writes a line at the end of every epoch",
        )


def plot_collapse(
    run: RunDir | str | Path, *, out_dir: str | Path | None = None, dpi: int = DPI
) -> Path:
    """`collapse.png`: z_std·√d, RankMe and op counts over epochs (those present)."""
    run = _run(run)
    _need_metrics(run)
    panels = _collapse_panels(run)
    if not panels:
        raise UsageProblem(f"{run.path / METRICS}: no z_std_normalised, rankme or op counts")
    return _draw(run, "collapse", panels, _out(run, out_dir, "collapse.png"), dpi)


def plot_losses(
    run: RunDir | str | Path, *, out_dir: str | Path | None = None, dpi: int = DPI
) -> Path:
    """`losses.png`: train / held-out loss and kNN accuracy over epochs (those present)."""
    run = _run(run)
    _need_metrics(run)
    panels = _loss_panels(run)
    if not panels:
        raise UsageProblem(f"{run.path / METRICS}: no train/loss, heldout/loss or knn")
    return _draw(run, "loss and kNN accuracy", panels, _out(run, out_dir, "losses.png"), dpi)


def _draw(
    run: RunDir,
    title: str,
    panels: list[Panel],
    path: Path,
    dpi: int,
) -> Path:
    fig = _figure(panel_size(len(panels), dpi), dpi)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (label, series, reference, integer) in zip(axes, panels, strict=True):
        for line, (xs, ys) in series.items():
            ax.plot(xs, ys, marker="o", markersize=3, label=line)
        if reference is not None:
            ax.axhline(reference, color="grey", linestyle="--", linewidth=1)
        ax.set_title(label, fontsize=10)
        ax.xaxis.set_major_locator(_integer_ticks())
        if integer:
            ax.yaxis.set_major_locator(_integer_ticks())
        ax.set_xlabel("epoch", fontsize=8)
        ax.tick_params(labelsize=7)
        if len(series) > 1:
            ax.legend(fontsize=7)
    fig.suptitle(f"{run.path.name}: {title}")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.84, wspace=0.3)
    return _save(fig, path)


# ---- everything -----------------------------------------------------------------------------


def render_run(
    run_dir: RunDir | str | Path, *, out_dir: str | Path | None = None, dpi: int = DPI
) -> list[Path]:
    """Every figure the run's files allow (none is an error only if the directory is bad)."""
    run = _run(run_dir)
    paths: list[Path] = []
    if run.alphas and run.final_probabilities():
        paths += plot_heatmaps(run, out_dir=out_dir, dpi=dpi)
        paths.append(plot_choice_curves(run, out_dir=out_dir, dpi=dpi))
    if run.metrics:
        if _collapse_panels(run):
            paths.append(plot_collapse(run, out_dir=out_dir, dpi=dpi))
        if _loss_panels(run):
            paths.append(plot_losses(run, out_dir=out_dir, dpi=dpi))
    return paths
