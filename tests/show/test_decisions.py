"""Margins of a run directory: the end-of-search table and sentence."""

from __future__ import annotations

from rich.console import Console

from nasiam_dsl.show.decisions import run_margins
from nasiam_dsl.show.rundir import load_run
from nasiam_dsl.ui import print_decisions
from tests.show.conftest import NEAR_UNIFORM, MakeRun


def test_the_end_of_search_summary(make_run: MakeRun) -> None:
    run = make_run(final=NEAR_UNIFORM)
    console = Console(width=120, record=True)
    print_decisions(console, run)
    text = console.export_text()
    for header in ("decision", "chosen", "p", "runner-up", "ratio", "lead", "verdict"):
        assert header in text
    row = next(line for line in text.splitlines() if "projector.h3.inputs" in line)
    assert row.split() == [
        "projector.h3.inputs",
        "h2",
        "0.520",
        "h1",
        "0.480",
        "1.08x",
        "+0.040",
        "undecided",
    ]
    assert (
        "3 of 6 choices are undecided (kept < 2x the runner-up): the search did not separate "
        "their candidates" in " ".join(text.split())
    )
    assert len(run_margins(load_run(run))) == 6


def test_no_summary_without_probabilities(make_run: MakeRun) -> None:
    console = Console(width=120, record=True)
    print_decisions(console, make_run(final=None))
    assert console.export_text() == ""
