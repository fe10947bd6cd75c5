"""Margins of a genotype against its space, and the meta block that carries them (round
trip, `nasiam check`)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from nasiam_dsl.cli import main
from nasiam_dsl.lang import parse, print_document
from nasiam_dsl.search.genotype_margins import (
    document_margins,
    genotype_with_margins,
    meta_verdicts,
)
from tests.show.conftest import FINAL, GENOTYPE, NEAR_UNIFORM, SPACE


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
    assert genotype.meta.get("decided_ratio") == 2.0
    assert genotype.meta.get("margin_projector_h3_inputs") == (
        "projector.h3.inputs: h2 0.520 vs h1 0.480: 1.08x the runner-up (+0.040), "
        "+0.020 over chance (0.500), undecided"
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
