"""`compare.png` and `compare.pdf`: each candidate's accuracy per seed (points) and its mean
(a bar), with the baselines (random-init backbone, raw pixels) as reference lines whose band
spans their seeds; one panel per metric, legends beside the axes, a title naming the setup."""

from __future__ import annotations

import textwrap
from pathlib import Path

from nasiam_dsl.compare.summary import Summary

PANELS = (("knn", "kNN top-1 accuracy (%)"), ("linear_probe", "linear probe top-1 accuracy (%)"))
BASELINE_STYLES = {"random-init": ("tab:red", "--"), "raw-pixels": ("tab:gray", ":")}
DPI = 200
TITLE_CHARS_PER_INCH = 11  # a title's line at "medium" size fits the figure's width
FORMATS = ("png", "pdf")  # a bitmap to look at, a vector figure for a paper


def plot_comparison(summary: Summary, path: Path, title: str = "") -> list[Path]:
    """Write the figure as `path` with each suffix of `FORMATS`; [] without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return []
    candidates = summary.candidates
    width = max(7.5, 4.0 + 0.9 * len(candidates))
    fig = Figure(figsize=(width, 3.6 * len(PANELS) + 0.6), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    for i, (metric, label) in enumerate(PANELS):
        ax = fig.add_subplot(len(PANELS), 1, i + 1)
        for x, row in enumerate(candidates):
            values = [100 * v for v in row.values[metric].values()]
            offsets = [0.08 * (j - (len(values) - 1) / 2) for j in range(len(values))]
            ax.scatter([x + o for o in offsets], values, s=22, color="tab:blue", zorder=3)
            mean = 100 * row.mean_std(metric)[0]
            ax.hlines(mean, x - 0.3, x + 0.3, color="black", linewidth=2, zorder=4)
        for row in summary.rows:
            if row.kind == "baseline":
                _baseline(ax, row.name, [100 * v for v in row.values[metric].values()])
        ax.scatter([], [], s=22, color="tab:blue", label="one seed")
        ax.plot([], [], color="black", linewidth=2, label="mean over seeds")
        ax.set_xticks(range(len(candidates)))
        ax.set_xticklabels([r.name for r in candidates], rotation=20, ha="right")
        ax.set_xlim(-0.6, len(candidates) - 0.4)
        ax.set_ylabel(label)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_xlabel("candidate (reference: " + summary.reference + ")")
    setup = f"{summary.probe}; {summary.test_images:,} test images"
    heading = f"{title}\n{setup}" if title else setup
    wrapped = "\n".join(
        textwrap.fill(line, int(width * TITLE_CHARS_PER_INCH)) for line in heading.split("\n")
    )
    fig.suptitle(wrapped, fontsize="medium")
    path.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix in FORMATS:
        target = path.with_suffix(f".{suffix}")
        fig.savefig(target, format=suffix, dpi=DPI)
        written.append(target)
    return written


def _baseline(ax, name: str, values: list[float]) -> None:
    """A baseline's mean as a line; with several seeds, the band they span."""
    color, style = BASELINE_STYLES.get(name, ("tab:green", "-."))
    mean = sum(values) / len(values)
    low, high = min(values), max(values)
    if len(values) > 1 and high > low:
        ax.axhspan(low, high, color=color, alpha=0.12, linewidth=0)
        label = f"{name} ({mean:.1f}; seeds {low:.1f}-{high:.1f})"
    else:
        label = f"{name} ({mean:.1f})"
    ax.axhline(mean, color=color, linestyle=style, label=label)
