"""The verdict of a comparison in plain words: which candidates differ from the reference
beyond the seed spread, and always the smallest difference the comparison can resolve.

A candidate differs when the 95 % interval of its paired difference excludes 0 and the
difference is larger than what the test set's size alone could produce; anything else is
reported as within the noise, never ranked.
"""

from __future__ import annotations

from nasiam_dsl.compare.cells import RANDOM_INIT, RAW_PIXELS
from nasiam_dsl.compare.stats import Paired, Resolution, smallest_p_value
from nasiam_dsl.compare.summary import Summary

METRIC_NAMES = {"knn": "kNN", "linear_probe": "linear probe"}
NO_DIFFERENCE = "no difference beyond the seed spread"


def points(x: float) -> str:
    """An accuracy difference (0-1) in percentage points."""
    return f"{100 * x:.1f}"


def is_clear(paired: Paired, resolution: Resolution) -> bool:
    """Beyond the seed spread (interval excludes 0) and beyond the test set's resolution."""
    return paired.excludes_zero and abs(paired.mean) >= resolution.test_part


def verdict_lines(summary: Summary) -> list[str]:
    """The verdict, one sentence a line, headline first."""
    clear: list[str] = []
    for row in summary.candidates:
        for metric, paired in row.paired.items():
            if is_clear(paired, summary.resolution[metric]):
                way = "better" if paired.mean > 0 else "worse"
                clear.append(
                    f"{row.name} is {way} than {summary.reference} on {METRIC_NAMES[metric]} "
                    f"by {points(abs(paired.mean))} points (95 % CI {points(paired.low)} to "
                    f"{points(paired.high)}, sign-flip p = {paired.p_value:.3g})."
                )
    compared = [r.name for r in summary.candidates if r.paired]
    if not compared:
        lines = [f"only {summary.reference} was measured: nothing to compare it with."]
    elif clear:
        lines = clear
    else:
        lines = [
            f"{NO_DIFFERENCE}: {', '.join(compared)} and {summary.reference} are within the "
            "noise on kNN and linear probe."
        ]
    lines.append(_resolution_line(summary))
    seeds = summary.resolution["knn"].seeds
    if compared and smallest_p_value(seeds) > 0.05:
        lines.append(
            f"with {seeds} seeds the sign-flip test cannot go below p = "
            f"{smallest_p_value(seeds):.3g}; 6 seeds or more can reach p < 0.05."
        )
    lines.append(f"linear probe: {summary.probe}.")
    lines += _baseline_lines(summary)
    return lines


def _resolution_line(summary: Summary) -> str:
    knn, probe = summary.resolution["knn"], summary.resolution["linear_probe"]
    return (
        f"with {knn.seeds} seed(s) and {summary.test_images:,} test images, differences below "
        f"{points(knn.smallest)} points (kNN) and {points(probe.smallest)} points (linear "
        f"probe) cannot be resolved (seed spread: {points(knn.seed_part)} / "
        f"{points(probe.seed_part)}, test-set size: {points(knn.test_part)} / "
        f"{points(probe.test_part)})."
    )


def _baseline_lines(summary: Summary) -> list[str]:
    """A warning when the reference is not clearly above a baseline: then the pretraining
    budget, not the heads, decides the numbers."""
    names = {r.name for r in summary.rows}
    if summary.reference not in names:
        return []
    ref = summary.row(summary.reference)
    below = []
    for name, what in ((RANDOM_INIT, "the untrained backbone"), (RAW_PIXELS, "the raw pixels")):
        if name not in names:
            continue
        base = summary.row(name)
        gains = {m: ref.mean_std(m)[0] - base.mean_std(m)[0] for m in ("knn", "linear_probe")}
        if any(gains[m] <= summary.resolution[m].smallest for m in gains):
            below.append(
                f"{what} (kNN {100 * gains['knn']:+.1f}, probe "
                f"{100 * gains['linear_probe']:+.1f} points)"
            )
    if not below:
        return []
    return [
        f"warning: {summary.reference} is not clearly above {' nor '.join(below)}: the "
        "pretraining budget may be too small for the heads to matter."
    ]
