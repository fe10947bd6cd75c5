"""Margins of a run: in the genotype's meta block (round trip, `nasiam check`), the
end-of-search table and sentence."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from nasiam_dsl.cli import main
from nasiam_dsl.lang import parse, print_document
from nasiam_dsl.run.ui import print_decisions
from nasiam_dsl.show.decisions import (
    document_margins,
    genotype_with_margins,
    meta_verdicts,
    run_margins,
)
from nasiam_dsl.show.rundir import load_run
from tests.show.conftest import FINAL, GENOTYPE, SPACE, MakeRun

NEAR_UNIFORM = {
    **FINAL,
    "projector.h1.act": [0.24, 0.27, 0.49],  # silu leads: the genotype's gelu trails it
    "projector.h3.inputs": [0.48, 0.52],
    "predictor.h.width": [0.49, 0.51],
}


def test_margins_follow_the_genotype_and_the_space_order() -> None:
    found = document_margins(parse(SPACE), NEAR_UNIFORM, genotype=parse(GENOTYPE))
    # h2.act sits inside a candidate the genotype did not keep: not one of its choices
    assert list(found) == [
        "projector.h1.act",
        "projector.h2.op",
        "projector.h3.inputs",
        "predictor.h.width",
        "predictor.h.norm",
        "shared.hidden",
    ]
    h1 = found["projector.h1.act"]
    assert h1.chosen_names == ("gelu",) and h1.runner_up_name == "silu"  # the genotype's pick
    assert round(h1.over_runner_up, 6) == -0.22
    assert found["projector.h3.inputs"].chosen_names == ("h2",)
    every = document_margins(parse(SPACE), NEAR_UNIFORM, genotype=parse(GENOTYPE), kept_only=False)
    assert "projector.h2.act" in every
    assert document_margins(None, {"k": [0.5, 0.5]})["k"].chosen_names == ("#0",)


def test_meta_round_trip_and_check(tmp_path: Path) -> None:
    genotype = genotype_with_margins(parse(SPACE), parse(GENOTYPE), NEAR_UNIFORM)
    assert genotype.meta is not None
    assert genotype.meta.get("decided") == 3
    assert genotype.meta.get("undecided") == 3
    assert genotype.meta.get("decided_margin") == 0.05
    assert genotype.meta.get("margin_projector_h3_inputs") == (
        "projector.h3.inputs: h2 0.52 vs h1 0.48: +0.04 over the runner-up, "
        "+0.02 over chance (0.50), undecided"
    )
    text = print_document(genotype)
    assert parse(text) == genotype
    assert print_document(parse(text)) == text
    assert meta_verdicts(parse(text))["predictor.h.width"].endswith("undecided")
    path = tmp_path / "genotype.nas"
    path.write_text(text, "utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output


def test_meta_keys_never_collide() -> None:
    genotype = genotype_with_margins(parse(SPACE), parse(GENOTYPE), FINAL)
    twice = genotype_with_margins(parse(SPACE), genotype, FINAL)
    assert twice.meta is not None
    keys = [e.key for e in twice.meta.entries]
    assert len(keys) == len(set(keys))
    assert "margin_shared_hidden_2" in keys


def test_the_end_of_search_summary(make_run: MakeRun) -> None:
    run = make_run(final=NEAR_UNIFORM)
    console = Console(width=120, record=True)
    print_decisions(console, run)
    text = console.export_text()
    for header in ("decision", "chosen", "p", "runner-up", "margin", "verdict"):
        assert header in text
    row = next(line for line in text.splitlines() if "projector.h3.inputs" in line)
    assert row.split() == [
        "projector.h3.inputs",
        "h2",
        "0.520",
        "h1",
        "0.480",
        "+0.040",
        "undecided",
    ]
    assert (
        "3 of 6 choices are undecided (margin < 0.05): the search did not separate their "
        "candidates" in " ".join(text.split())
    )
    assert len(run_margins(load_run(run))) == 6


def test_no_summary_without_probabilities(make_run: MakeRun) -> None:
    console = Console(width=120, record=True)
    print_decisions(console, make_run(final=None))
    assert console.export_text() == ""
