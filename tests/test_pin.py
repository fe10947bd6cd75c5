"""Pinning: members of a space from decision keys and candidate indices or texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from nasiam_dsl.lang import check, parse, parse_file, print_document
from nasiam_dsl.membership import membership
from nasiam_dsl.pin import PinError, pin

ROOT = Path(__file__).resolve().parents[1]


def _member_of(genotype, space) -> dict:
    result = membership(parse(print_document(genotype)), space)
    assert result.ok, result.render()
    assert check(genotype).ok
    return result.decisions


def test_texts_and_indices_pin_a_member_that_checks():
    space = parse_file(ROOT / "spaces/dag.nas")
    genotype = pin(
        space,
        {
            "projector.h2.op": "linear( h1, 2048,bias = false ) | bn | act(acts)",
            "projector.h2.act": "mish",
            "shared.hidden_act": 1,
            "projector.h3.inputs": "h2",
            "predictor.h.width": "512",
            "predictor.h.norm": "layernorm",
        },
    )
    decisions = _member_of(genotype, space)
    assert decisions == {
        "shared.hidden_act": (1,),
        "projector.h2.op": (0,),
        "projector.h2.act": (5,),
        "projector.h3.inputs": (1,),
        "predictor.h.width": (1,),
        "predictor.h.norm": (1,),
    }
    assert "h2 = linear(h1, 2048, bias=false) | bn | mish" in print_document(genotype)


def test_a_hidden_decision_need_not_be_given():
    space = parse_file(ROOT / "spaces/dag.nas")
    genotype = pin(
        space,
        {
            "projector.h2.op": "zero(h1)",
            "shared.hidden_act": "relu",
            "projector.h3.inputs": "h1",
            "predictor.h.width": 2,  # an int is an index: 1024
            "predictor.h.norm": "bn",
        },
    )
    assert _member_of(genotype, space)["projector.h2.act"] == (0,)


def test_the_seed_space_by_candidate_text_with_let_names_and_defaults():
    space = parse_file(ROOT / "spaces/nasiam.nas")
    assignments = {f"projector.h{i}.op": f"identity(h{i - 1})" for i in range(2, 7)}
    assignments["projector.h1.op"] = "avgpool(x, kernel=3) | bn(affine=true)"
    assignments |= {f"predictor.h{i}.op": 3 for i in range(1, 4)}
    assignments["predictor.h4.op"] = "linear(h3, 2048)"
    decisions = _member_of(pin(space, assignments), space)
    assert decisions["projector.h1.op"] == (1,)
    assert decisions["predictor.h4.op"] == (2,)  # the first of five equal candidates


def test_every_problem_is_reported_at_once():
    space = parse_file(ROOT / "spaces/dag.nas")
    with pytest.raises(PinError) as caught:
        pin(
            space,
            {
                "projector.h2.opp": 1,
                "predictor.h.width": "2048",
                "predictor.h.norm": "batchnorm",
                "shared.hidden_act": "gelu",
                "projector.h3.inputs": "h1, h2",
            },
        )
    assert caught.value.problems == [
        "'projector.h2.opp' is not a decision of space 'dag'; did you mean 'projector.h2.op' "
        "or 'projector.h2.act' or 'projector.h3.inputs'?",
        "predictor.h.width=2048 is not a candidate of predictor.h.width (did you mean '1024'?);"
        " the candidates are 0: 256; 1: 512; 2: 1024",
        "predictor.h.norm=batchnorm is not a candidate of predictor.h.norm (did you mean "
        "'layernorm'?); the candidates are 0: bn; 1: layernorm",
        "projector.h3.inputs=h1, h2 is not a candidate of projector.h3.inputs (did you mean "
        "'h2'?); the candidates are 0: h1; 1: h2",
        "decision 'projector.h2.op' is not given; its candidates are 0: linear(h1, 2048, "
        "bias=false) | bn | act(acts); 1: identity(h1); 2: zero(h1)",
    ]
    assert str(caught.value).startswith("error: 'projector.h2.opp' is not a decision")


@pytest.mark.parametrize("value", [7, -1, True, "h1 |", "linear(h1, 2048", "x, y"])
def test_bad_candidates_are_problems_not_crashes(value):
    space = parse_file(ROOT / "spaces/dag.nas")
    with pytest.raises(PinError, match=r"is not a candidate of projector\.h2\.op"):
        pin(space, {"projector.h2.op": value})
