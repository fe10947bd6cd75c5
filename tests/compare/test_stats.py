"""The comparison's statistics and verdict on fixed numbers."""

from __future__ import annotations

import math

import pytest

from nasiam_dsl.compare.cells import CellResult
from nasiam_dsl.compare.stats import (
    paired_difference,
    resolvable_difference,
    sign_flip_p,
    smallest_p_value,
    t_quantile,
)
from nasiam_dsl.compare.summary import summarise
from nasiam_dsl.compare.verdict import NO_DIFFERENCE, verdict_lines


@pytest.mark.parametrize(
    ("df", "expected"), [(1, 12.7062), (2, 4.3027), (4, 2.7764), (10, 2.2281), (30, 2.0423)]
)
def test_t_quantiles_match_the_tables(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=2e-4)


def test_paired_interval_and_sign_flip_on_known_numbers() -> None:
    paired = paired_difference([0.71, 0.70, 0.72], [0.70, 0.69, 0.70])
    assert paired.mean == pytest.approx(0.013333, abs=1e-6)
    half = 4.3027 * 0.0057735 / math.sqrt(3)  # t(0.975, 2) * sd / sqrt(n)
    assert (paired.low, paired.high) == pytest.approx((0.013333 - half, 0.013333 + half), abs=1e-4)
    assert paired.p_value == 0.25  # all positive: 2 of the 8 sign patterns are as extreme
    assert smallest_p_value(3) == 0.25
    assert sign_flip_p([0.01, -0.01, 0.02, -0.02]) == 1.0
    assert sign_flip_p([0.01] * 8) == pytest.approx(2 / 256)


def test_resolution_from_seed_spread_and_test_set_size() -> None:
    r = resolvable_difference(paired_sd=0.014, accuracy=0.7, seeds=3, test_images=1000)
    assert r.test_part == pytest.approx(1.96 * math.sqrt(2 * 0.7 * 0.3 / 1000), rel=1e-3)
    assert r.seed_part == pytest.approx(4.3027 * 0.014 / math.sqrt(3), rel=1e-3)
    assert r.smallest == pytest.approx(math.hypot(r.seed_part, r.test_part))
    more = resolvable_difference(paired_sd=0.014, accuracy=0.7, seeds=10, test_images=10_000)
    assert more.smallest < r.smallest / 2


def cells(name: str, knn: list[float], probe: list[float], kind: str = "candidate"):
    return [
        CellResult(name, kind, seed, k, p, 4000, 1000, 100, 200, 10.0, 1.0)
        for seed, (k, p) in enumerate(zip(knn, probe, strict=True))
    ]


def summary_of(*groups):
    results = [c for g in groups for c in g]
    order = list(dict.fromkeys(c.candidate for c in results))
    return summarise(results, order, order[0], "linear probe on frozen features, 5 epochs")


BASELINES = (
    cells("random-init", [0.30, 0.31, 0.30], [0.35, 0.36, 0.35], "baseline"),
    cells("raw-pixels", [0.50, 0.50, 0.50], [0.55, 0.55, 0.55], "baseline"),
)


def test_verdict_says_no_difference_within_the_seed_spread() -> None:
    standard = cells("standard", [0.700, 0.690, 0.710], [0.750, 0.740, 0.760])
    found = cells("found", [0.705, 0.700, 0.695], [0.745, 0.755, 0.750])
    lines = verdict_lines(summary_of(standard, found, *BASELINES))
    assert lines[0].startswith(f"{NO_DIFFERENCE}: found and standard")
    assert "with 3 seed(s) and 1,000 test images, differences below" in lines[1]
    assert "cannot go below p = 0.25" in lines[2]
    assert "linear probe on frozen features" in lines[3]
    assert not any(line.startswith("warning") for line in lines)


def test_verdict_names_a_clear_win_with_its_interval() -> None:
    standard = cells("standard", [0.60, 0.61, 0.60, 0.62, 0.61, 0.60], [0.65] * 6)
    found = cells(
        "found", [0.70, 0.71, 0.71, 0.72, 0.70, 0.71], [0.65, 0.66, 0.65, 0.64, 0.65, 0.65]
    )
    base = [
        cells(b[0].candidate, [b[0].knn] * 6, [b[0].linear_probe] * 6, "baseline")
        for b in BASELINES
    ]
    summary = summary_of(standard, found, *base)
    lines = verdict_lines(summary)
    assert lines[0].startswith("found is better than standard on kNN by 10.2 points (95 % CI")
    assert "p = 0.0312" in lines[0]  # 2 / 2^6: every seed agrees
    assert not any("linear probe by" in line for line in lines)  # the probe did not move
    assert summary.row("found").paired["knn"].excludes_zero


def test_verdict_warns_when_pretraining_did_not_beat_the_baselines() -> None:
    standard = cells("standard", [0.30, 0.31, 0.30], [0.35, 0.35, 0.36])
    found = cells("found", [0.31, 0.30, 0.30], [0.35, 0.36, 0.35])
    lines = verdict_lines(summary_of(standard, found, *BASELINES))
    assert lines[-1].startswith("warning: standard is not clearly above the untrained backbone")


def test_a_long_figure_title_is_wrapped_to_the_figure(tmp_path, monkeypatch) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from nasiam_dsl.compare import plot

    titles: list[str] = []
    original = Figure.suptitle

    def suptitle(self, text, **kwargs):
        titles.append(text)
        return original(self, text, **kwargs)

    monkeypatch.setattr(Figure, "suptitle", suptitle)
    standard = cells("standard", [0.70, 0.69, 0.71], [0.75, 0.74, 0.76])
    found = cells("found", [0.71, 0.70, 0.69], [0.74, 0.75, 0.75])
    title = "simsiam on embedded, " + "a setup with a long description, " * 8
    written = plot.plot_comparison(
        summary_of(standard, found, *BASELINES), tmp_path / "c.png", title
    )
    assert [p.suffix for p in written] == [".png", ".pdf"]
    width = 7.5  # inches: the narrowest figure, two candidates
    lines = titles[0].split("\n")
    assert len(lines) >= 3
    assert all(len(line) <= width * plot.TITLE_CHARS_PER_INCH for line in lines)
