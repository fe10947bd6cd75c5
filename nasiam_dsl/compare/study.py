"""Running a comparison: its directory, its cells (one process or several), its outputs.

`--jobs N` starts N worker processes; with several CUDA devices each worker is pinned to one
(round robin), otherwise they share the CPU threads equally. Workers take pending cells one
at a time, so a crash loses at most the cells in flight.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from nasiam_dsl.compare.cells import (
    PLAN,
    Cell,
    CellResult,
    Comparison,
    cells_of,
    read_result,
    run_cell,
)
from nasiam_dsl.compare.plot import plot_comparison
from nasiam_dsl.compare.search_rank import (
    RankAgreement,
    agreement_lines,
    rank_agreement,
    search_scores,
)
from nasiam_dsl.compare.summary import Summary, summarise
from nasiam_dsl.compare.table import write_csv, write_json
from nasiam_dsl.compare.verdict import verdict_lines
from nasiam_dsl.files import atomic_write_text
from nasiam_dsl.ui import clock
from nasiam_dsl.usage import UsageProblem

_worker_device: str | None = None


def prepare(comparison: Comparison) -> None:
    """Create the comparison directory, or check that it holds this same comparison."""
    root = Path(comparison.root)
    path = root / PLAN
    if path.exists():
        try:
            before = Comparison.model_validate_json(path.read_text("utf-8"))
        except ValueError:
            raise UsageProblem(f"{path} is not a comparison this nasiam reads") from None
        differences = before.differences(comparison)
        if differences:
            listed = "\n".join(f"  - {d}" for d in differences)
            raise UsageProblem(
                f"{root} holds another comparison; this one differs:\n{listed}",
                "give the comparison's own options to resume it (the device and --jobs may "
                "change), another --out for a new one, or remove that directory to start over",
            )
    root.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, comparison.model_dump_json(indent=2) + "\n")


def run_cells(
    comparison: Comparison,
    cells: list[Cell],
    jobs: int = 1,
    on_done: Callable[[Cell, CellResult], None] | None = None,
) -> list[CellResult]:
    """Run the unfinished `cells` (finished ones are skipped) and return their results."""
    root = Path(comparison.root)
    pending = [c for c in cells if not c.finished(root)]
    results = []
    if jobs <= 1 or len(pending) <= 1:
        for cell in pending:
            results.append(run_cell(comparison, cell))
            if on_done is not None:
                on_done(cell, results[-1])
        return results
    jobs = min(jobs, len(pending))
    context = multiprocessing.get_context("spawn")
    devices = context.Queue()
    for device in _worker_devices(comparison, jobs):
        devices.put(device)
    threads = max(1, (os.cpu_count() or 1) // jobs)
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_start_worker, initargs=(devices, threads)
    ) as pool:
        futures = {pool.submit(_run_in_worker, comparison, cell): cell for cell in pending}
        for future in as_completed(futures):
            results.append(future.result())
            if on_done is not None:
                on_done(futures[future], results[-1])
    return results


def _worker_devices(comparison: Comparison, jobs: int) -> list[str | None]:
    from nasiam_dsl.run.evaluation import resolve_device

    device = resolve_device(str(comparison.base.get("device", "auto")))
    if device.startswith("cuda") and ":" not in device:
        import torch

        count = torch.cuda.device_count()
        if count > 1:
            return [f"cuda:{i % count}" for i in range(jobs)]
    return [None] * jobs


def _start_worker(devices, threads: int) -> None:
    global _worker_device
    import torch

    _worker_device = devices.get()
    if _worker_device is None:
        torch.set_num_threads(threads)


def _run_in_worker(comparison: Comparison, cell: Cell) -> CellResult:
    return run_cell(comparison, cell, device=_worker_device)


def finished_results(comparison: Comparison) -> tuple[list[CellResult], list[Cell]]:
    """The results written so far, and the cells still missing."""
    results, missing = [], []
    for cell in cells_of(comparison):
        result = read_result(cell, Path(comparison.root))
        if result is None:
            missing.append(cell)
        else:
            results.append(result)
    return results, missing


@dataclass
class CellClock:
    """What the comparison still costs, from the cells measured so far: each pending cell
    is expected to take the mean time of the finished cells of its kind (a candidate's when
    none of its kind has finished), spread over `jobs` workers."""

    pending: list[Cell]
    jobs: int = 1
    seconds: dict[str, list[float]] = field(default_factory=dict)

    def plan(self, cells: list[Cell], epochs: int) -> str:
        """The sentence said before anything runs."""
        seeds = len({c.seed for c in cells})
        trained = [c for c in cells if c.candidate.kind == "candidate"]
        names = len({c.candidate.name for c in trained})
        done = len(cells) - len(self.pending)
        return (
            f"{len(cells)} cells: {names} candidate(s) x {seeds} seed(s) of {epochs} epochs "
            f"each, and {len(cells) - len(trained)} baseline cell(s); {done} done, "
            f"{len(self.pending)} to run on {self.jobs} worker(s); the time left is said "
            "after each cell"
        )

    def finished(self, cell: Cell, result: CellResult) -> str:
        """Record `cell`'s time; what is left, in cells and time."""
        if cell in self.pending:
            self.pending.remove(cell)
        self.seconds.setdefault(cell.candidate.kind, []).append(result.wall_s)
        if not self.pending:
            return "every cell done"
        means = {kind: sum(v) / len(v) for kind, v in self.seconds.items()}
        fallback = means.get("candidate", max(means.values()))
        total = sum(means.get(c.candidate.kind, fallback) for c in self.pending)
        return f"{len(self.pending)} left, about {clock(total / max(self.jobs, 1))}"


@dataclass
class Report:
    summary: Summary
    verdict: list[str]
    written: list[Path]
    search: RankAgreement | None = None


def comparison_summary(comparison: Comparison, results: list[CellResult]):
    """The comparison's summary: candidates in their order, then the baselines, each paired
    with the reference (candidates without results are left out)."""
    order = [c.name for c in comparison.candidates if c.kind == "candidate"]
    order += [c.name for c in comparison.candidates if c.kind == "baseline"]
    return summarise(results, order, comparison.reference, comparison.probe.describe())


def write_report(
    comparison: Comparison, results: list[CellResult], search: Path | None = None
) -> Report:
    """Summarise, judge, and write compare.csv, compare.json and the figure; with `search`
    (a search run whose space the candidates may belong to), how its scores rank them too
    (`search_rank.py`)."""
    root = Path(comparison.root)
    summary = comparison_summary(comparison, results)
    verdict = verdict_lines(summary)
    agreement = None
    if search is not None:
        scores = search_scores(search, comparison.candidates)
        agreement = rank_agreement(summary, scores, str(search))
        verdict += agreement_lines(agreement)
    write_csv(summary, root / "compare.csv", agreement)
    write_json(summary, verdict, root / "compare.json", agreement)
    written = [root / "compare.csv", root / "compare.json"]
    written += plot_comparison(summary, root / "compare.png", comparison.title())
    return Report(summary, verdict, written, agreement)
