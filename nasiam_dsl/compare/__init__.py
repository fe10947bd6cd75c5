"""`nasiam compare`: pretrain candidates with identical budgets and seeds, evaluate each,
and say plainly whether any differs from the reference beyond the noise.

cells.py (one run directory per candidate and seed, resumable), study.py (running them,
writing the report), stats.py (paired differences, intervals, resolution), summary.py,
table.py, verdict.py, plot.py (what is shown), candidates.py (what is compared).
"""

from nasiam_dsl.compare.candidates import (
    baseline_candidates,
    genotype_candidates,
    random_candidates,
    same_heads,
)
from nasiam_dsl.compare.cells import Candidate, Cell, CellResult, Comparison, cells_of, run_cell
from nasiam_dsl.compare.study import finished_results, prepare, run_cells, write_report

__all__ = [
    "Candidate",
    "Cell",
    "CellResult",
    "Comparison",
    "baseline_candidates",
    "cells_of",
    "finished_results",
    "genotype_candidates",
    "prepare",
    "random_candidates",
    "run_cell",
    "run_cells",
    "same_heads",
    "write_report",
]
