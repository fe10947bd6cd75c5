"""`compare.png`: each candidate's accuracy per seed (points) and its mean (a bar), with the
baselines (random-init backbone, raw pixels) as reference lines; one panel per metric."""

from __future__ import annotations

from pathlib import Path

from nasiam_dsl.compare.summary import Summary

PANELS = (("knn", "kNN top-1 accuracy (%)"), ("linear_probe", "linear probe top-1 accuracy (%)"))
BASELINE_STYLES = {"random-init": ("tab:red", "--"), "raw-pixels": ("tab:gray", ":")}


def plot_comparison(summary: Summary, path: Path, dpi: int = 110) -> Path | None:
    """Write the figure; None (nothing written) when matplotlib is not installed."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    candidates = summary.candidates
    width = max(6.0, 2.0 + 1.1 * len(candidates))
    fig = Figure(figsize=(width, 4.2 * len(PANELS)), dpi=dpi)
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
            if row.kind != "baseline":
                continue
            color, style = BASELINE_STYLES.get(row.name, ("tab:green", "-."))
            mean = 100 * row.mean_std(metric)[0]
            ax.axhline(mean, color=color, linestyle=style, label=f"{row.name} ({mean:.1f})")
        ax.scatter([], [], s=22, color="tab:blue", label="one seed")
        ax.plot([], [], color="black", linewidth=2, label="mean over seeds")
        ax.set_xticks(range(len(candidates)))
        ax.set_xticklabels([r.name for r in candidates], rotation=20, ha="right")
        ax.set_xlim(-0.6, len(candidates) - 0.4)
        ax.set_ylabel(label)
        ax.set_xlabel("candidate (reference: " + summary.reference + ")")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize="small", loc="best")
    fig.suptitle(f"{summary.probe}; {summary.test_images:,} test images", fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=dpi)
    return path
