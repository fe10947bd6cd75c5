"""From cell results to the comparison's numbers: per-candidate means, paired differences
against the reference, and the smallest difference the comparison can resolve."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import fmean

from nasiam_dsl.compare.cells import CellResult
from nasiam_dsl.compare.stats import (
    Paired,
    Resolution,
    mean_std,
    paired_difference,
    pooled_sd,
    resolvable_difference,
)

METRICS = ("knn", "linear_probe")


@dataclass
class Row:
    """One candidate (or baseline) over its seeds."""

    name: str
    kind: str
    values: dict[str, dict[int, float]]  # metric -> seed -> accuracy
    head_params: int | None
    head_flops: int | None
    wall_s: float
    paired: dict[str, Paired] = field(default_factory=dict)  # against the reference

    def mean_std(self, metric: str) -> tuple[float, float]:
        return mean_std(list(self.values[metric].values()))

    @property
    def seeds(self) -> list[int]:
        return sorted(self.values["knn"])


@dataclass
class Summary:
    rows: list[Row]
    reference: str
    resolution: dict[str, Resolution]  # per metric
    probe: str  # what the linear-probe number is, in words
    test_images: int

    def row(self, name: str) -> Row:
        return next(r for r in self.rows if r.name == name)

    @property
    def candidates(self) -> list[Row]:
        return [r for r in self.rows if r.kind == "candidate"]


def summarise(results: list[CellResult], order: list[str], reference: str, probe: str) -> Summary:
    """Group `results` by candidate in `order` and compare each with `reference` seed by seed."""
    rows = []
    for name in order:
        mine = [r for r in results if r.candidate == name]
        if not mine:
            continue
        rows.append(
            Row(
                name=name,
                kind=mine[0].kind,
                values={m: {r.seed: getattr(r, m) for r in mine} for m in METRICS},
                head_params=mine[0].head_params,
                head_flops=mine[0].head_flops,
                wall_s=fmean(r.wall_s for r in mine),
            )
        )
    test_images = max((r.test_images for r in results), default=0)
    by_name = {r.name: r for r in rows}
    ref = by_name.get(reference)
    resolution: dict[str, Resolution] = {}
    for metric in METRICS:
        sds = []
        if ref is not None:
            for row in rows:
                if row.kind != "candidate" or row is ref:
                    continue
                seeds = [s for s in row.seeds if s in ref.values[metric]]
                row.paired[metric] = paired_difference(
                    [row.values[metric][s] for s in seeds], [ref.values[metric][s] for s in seeds]
                )
                sds.append(row.paired[metric].sd)
        spread = pooled_sd(sds)
        if math.isnan(spread):  # no pairs yet: two independent candidates' spread
            spread = math.sqrt(2) * pooled_sd(
                [r.mean_std(metric)[1] for r in rows if r.kind == "candidate" and len(r.seeds) > 1]
            )
        accuracy = ref.mean_std(metric)[0] if ref is not None else 0.5
        seeds = len(ref.seeds) if ref is not None else 0
        resolution[metric] = resolvable_difference(spread, accuracy, seeds, test_images)
    return Summary(rows, reference, resolution, probe, test_images)
