"""The comparison as a rich table, `compare.csv` (one row per candidate) and `compare.json`
(the rows, every cell's values, the resolution and the verdict)."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from rich.table import Table

from nasiam_dsl.compare.search_rank import RankAgreement, agreement_record
from nasiam_dsl.compare.summary import METRICS, Row, Summary
from nasiam_dsl.files import atomic_write_text

CSV_COLUMNS = [
    "candidate",
    "kind",
    "seeds",
    "knn_mean",
    "knn_std",
    "linear_probe_mean",
    "linear_probe_std",
    "knn_diff",
    "knn_diff_low",
    "knn_diff_high",
    "knn_p",
    "linear_probe_diff",
    "linear_probe_diff_low",
    "linear_probe_diff_high",
    "linear_probe_p",
    "head_params",
    "head_flops",
    "wall_s",
    "search_score",
]


def _finite(x: float | None) -> float | None:
    return None if x is None or math.isnan(x) or math.isinf(x) else x


def _score(row: Row, agreement: RankAgreement | None) -> float | None:
    """The search's score of a candidate that is a member of its space (else None)."""
    if agreement is None or row.name not in agreement.scores:
        return None
    return agreement.scores[row.name].score


def row_record(row: Row, agreement: RankAgreement | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"candidate": row.name, "kind": row.kind, "seeds": len(row.seeds)}
    for metric in METRICS:
        mean, std = row.mean_std(metric)
        record[f"{metric}_mean"], record[f"{metric}_std"] = mean, std
        paired = row.paired.get(metric)
        record[f"{metric}_diff"] = paired.mean if paired else None
        record[f"{metric}_diff_low"] = _finite(paired.low) if paired else None
        record[f"{metric}_diff_high"] = _finite(paired.high) if paired else None
        record[f"{metric}_p"] = paired.p_value if paired else None
    record.update(head_params=row.head_params, head_flops=row.head_flops, wall_s=row.wall_s)
    record["search_score"] = _score(row, agreement)
    return record


def write_csv(summary: Summary, path: Path, agreement: RankAgreement | None = None) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in summary.rows:
        record = row_record(row, agreement)
        writer.writerow({k: "" if v is None else v for k, v in record.items()})
    atomic_write_text(path, buffer.getvalue())


def write_json(
    summary: Summary, verdict: list[str], path: Path, agreement: RankAgreement | None = None
) -> None:
    document = {
        "reference": summary.reference,
        "linear_probe": summary.probe,
        "test_images": summary.test_images,
        "resolution": {
            metric: {
                "seeds": r.seeds,
                "seed_part": _finite(r.seed_part),
                "test_part": _finite(r.test_part),
                "smallest": _finite(r.smallest),
            }
            for metric, r in summary.resolution.items()
        },
        "candidates": [
            {**row_record(row, agreement), "values": {m: row.values[m] for m in METRICS}}
            for row in summary.rows
        ],
        "verdict": verdict,
        "search": agreement_record(agreement) if agreement is not None else None,
    }
    atomic_write_text(path, json.dumps(document, indent=2) + "\n")


def _acc(mean: float, std: float) -> str:
    return f"{100 * mean:.1f} ± {100 * std:.1f}"


def _diff(row: Row, metric: str) -> str:
    paired = row.paired.get(metric)
    if paired is None:
        return "reference" if row.kind == "candidate" else ""
    if math.isinf(paired.low):
        return f"{100 * paired.mean:+.1f}"
    return (
        f"{100 * paired.mean:+.1f} [{100 * paired.low:+.1f}, {100 * paired.high:+.1f}] "
        f"p={paired.p_value:.2g}"
    )


def rich_table(
    summary: Summary, title: str = "comparison", agreement: RankAgreement | None = None
) -> Table:
    """Accuracies in %, mean ± std over seeds; differences in points against the reference
    with their 95 % interval and sign-flip p-value; with a search, its score of each member
    of its space."""
    table = Table(title=title)
    for col in ("candidate", "seeds", "kNN %", "Δ kNN", "probe %", "Δ probe", "head params"):
        table.add_column(col)
    table.add_column("head FLOPs")
    table.add_column("wall s")
    if agreement is not None:
        table.add_column("search score")
    for row in summary.rows:
        style = "dim" if row.kind == "baseline" else None
        score = _score(row, agreement)
        extra = [] if agreement is None else [f"{score:.3g}" if score is not None else "—"]
        table.add_row(
            row.name,
            str(len(row.seeds)),
            _acc(*row.mean_std("knn")),
            _diff(row, "knn"),
            _acc(*row.mean_std("linear_probe")),
            _diff(row, "linear_probe"),
            f"{row.head_params:,}" if row.head_params is not None else "",
            f"{row.head_flops:,}" if row.head_flops is not None else "",
            f"{row.wall_s:.0f}",
            *extra,
            style=style,
        )
    return table
