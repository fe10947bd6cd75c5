"""Seeing and sharing a search: figures, graphs, trees, diffs and seed tables.

Everything here reads a run directory (`load_run`) or document ASTs and writes nothing
but the files it is asked for; matplotlib (figures) and Graphviz's `dot` (graph images)
are needed only by the functions that draw.
"""

from __future__ import annotations

from nasiam_dsl.show.diff import Difference, diff_documents, diff_table, format_difference
from nasiam_dsl.show.dot import document_dot, head_dot, render_dot
from nasiam_dsl.show.plots import (
    plot_choice_curves,
    plot_collapse,
    plot_heatmap,
    plot_heatmaps,
    plot_losses,
    render_run,
)
from nasiam_dsl.show.rundir import RunDir, load_run
from nasiam_dsl.show.seeds import SeedRun, SeedTable, run_winners, seed_table, seeds_rich_table
from nasiam_dsl.show.tree import document_tree

__all__ = [
    "Difference",
    "RunDir",
    "SeedRun",
    "SeedTable",
    "diff_documents",
    "diff_table",
    "document_dot",
    "document_tree",
    "format_difference",
    "head_dot",
    "load_run",
    "plot_choice_curves",
    "plot_collapse",
    "plot_heatmap",
    "plot_heatmaps",
    "plot_losses",
    "render_dot",
    "render_run",
    "run_winners",
    "seed_table",
    "seeds_rich_table",
]
