"""`nasiam compare`: pretrain candidates with identical budgets and seeds, evaluate each,
and say plainly whether any differs from the reference beyond the noise.

cells.py (one run directory per candidate and seed, resumable), study.py (running them,
writing the report), stats.py (paired differences, intervals, resolution), summary.py,
table.py, verdict.py, plot.py (what is shown), candidates.py (what is compared),
search_rank.py (how a search's scores rank the candidates against retraining).
"""

from nasiam_dsl.compare.candidates import (
    baseline_candidates,
    genotype_candidates,
    random_candidates,
    same_heads,
)
from nasiam_dsl.compare.cells import Candidate, Cell, CellResult, Comparison, cells_of, run_cell
from nasiam_dsl.compare.search_rank import (
    RankAgreement,
    SearchScore,
    kendall_tau,
    rank_agreement,
    search_scores,
)
from nasiam_dsl.compare.study import (
    CellClock,
    finished_results,
    prepare,
    run_cells,
    write_report,
)

__all__ = [
    "Candidate",
    "Cell",
    "CellClock",
    "CellResult",
    "Comparison",
    "RankAgreement",
    "SearchScore",
    "baseline_candidates",
    "cells_of",
    "finished_results",
    "genotype_candidates",
    "kendall_tau",
    "prepare",
    "random_candidates",
    "rank_agreement",
    "run_cell",
    "run_cells",
    "same_heads",
    "search_scores",
    "write_report",
]
