"""How decided a choice is: exact margins on fixed probabilities."""

from __future__ import annotations

import pytest

from nasiam_dsl.search.margins import (
    DECIDED_MARGIN,
    chance_level,
    choice_margin,
    count_verdicts,
    margins,
    summary_sentence,
)


def test_near_uniform_activation_is_undecided() -> None:
    m = choice_margin("projector.h1.act", [0.25, 0.27, 0.24, 0.24], ["relu", "gelu", "silu", "elu"])
    assert m.chosen_names == ("gelu",)
    assert (m.p, m.runner_up_name, m.runner_up_p) == (0.27, "relu", 0.25)
    assert m.over_runner_up == pytest.approx(0.02)
    assert m.over_chance == pytest.approx(0.02)
    assert m.chance == 0.25
    assert m.verdict == "undecided" and not m.decided
    assert m.text() == (
        "gelu 0.27 vs relu 0.25: +0.02 over the runner-up, +0.02 over chance (0.25), undecided"
    )


def test_a_clear_winner_is_decided() -> None:
    m = choice_margin("h.op", [0.6, 0.3, 0.1], ["linear", "identity", "avgpool"])
    assert m.over_runner_up == pytest.approx(0.3)
    assert m.over_chance == pytest.approx(0.6 - 1 / 3)
    assert m.verdict == "decided"


def test_the_threshold_is_inclusive_at_the_printed_value() -> None:
    # 0.30 - 0.25 is 0.04999... in binary; printed as 0.05 it must read as decided
    assert choice_margin("k", [0.30, 0.25]).verdict == "decided"
    assert choice_margin("k", [0.29, 0.25]).verdict == "undecided"
    assert DECIDED_MARGIN == 0.05


def test_sigmoid_chance_is_one_half() -> None:
    from nasiam_dsl.search.samplers import sampler_class

    sigmoid, softmax, gumbel = (
        sampler_class(n).normalised for n in ("sigmoid", "softmax", "gumbel")
    )
    assert chance_level(4, sigmoid) == 0.5
    assert chance_level(4, softmax) == 0.25
    assert chance_level(3, gumbel) == pytest.approx(1 / 3)
    m = choice_margin("k", [0.9, 0.7, 0.52, 0.5], normalised=False)
    assert m.chance == 0.5
    assert m.over_chance == pytest.approx(0.4)
    assert m.over_runner_up == pytest.approx(0.2)
    assert m.decided


def test_a_tie_is_undecided_and_the_first_listed_wins() -> None:
    m = choice_margin("k", [0.4, 0.4, 0.2], ["a", "b", "c"])
    assert m.chosen_names == ("a",) and m.runner_up_name == "b"
    assert m.over_runner_up == 0.0
    assert m.verdict == "undecided"


def test_pick_k_of_n_measures_the_boundary() -> None:
    # pick 2 of 4: kept {0.4, 0.3}; the weakest kept (0.3) against the best left out (0.2)
    m = choice_margin("h3.inputs", [0.1, 0.4, 0.2, 0.3], ["a", "b", "c", "d"], pick=2)
    assert m.chosen_names == ("b", "d")
    assert (m.p, m.runner_up_name) == (0.3, "c")
    assert m.over_runner_up == pytest.approx(0.1)
    assert m.over_chance == pytest.approx(0.05)
    assert m.decided
    assert m.text().startswith("b 0.40, d 0.30 vs c 0.20: +0.10 over the runner-up")


def test_a_repaired_pick_can_trail_the_runner_up() -> None:
    m = choice_margin("k", [0.5, 0.3, 0.2], ["a", "b", "c"], chosen=[1])
    assert m.runner_up_name == "a"
    assert m.over_runner_up == pytest.approx(-0.2)
    assert m.verdict == "undecided"


def test_nothing_left_out() -> None:
    m = choice_margin("k", [0.5, 0.5], ["a", "b"], pick=2)
    assert m.runner_up is None and m.runner_up_p is None
    assert m.decided and m.text() == "a 0.50, b 0.50: nothing left out, decided"


def test_names_default_to_indices_and_bad_input_is_an_error() -> None:
    assert choice_margin("k", [0.2, 0.8], ["only one"]).chosen_names == ("#1",)
    with pytest.raises(ValueError, match="no candidate"):
        choice_margin("k", [])


def test_counts_and_the_sentence() -> None:
    found = margins(
        {
            "a": [0.25, 0.27, 0.24, 0.24],
            "b": [0.26, 0.25, 0.25, 0.24],
            "c": [0.9, 0.1],
            "d": [0.51, 0.49],
        }
    )
    assert list(found) == ["a", "b", "c", "d"]
    assert count_verdicts(found) == {"decided": 1, "undecided": 3}
    assert summary_sentence(found) == (
        "3 of 4 choices are undecided (margin < 0.05): the search did not separate their "
        "candidates, so the genotype's pick there is not a finding; see docs/search.md."
    )
    one = {k: found[k] for k in ("a", "c")}
    assert summary_sentence(one).startswith("1 of 2 choices is undecided")
    assert "separate its candidates" in summary_sentence(one)
    assert summary_sentence({"c": found["c"]}) == (
        "The only choice is decided (margin over the runner-up >= 0.05)."
    )
    assert summary_sentence({k: found[k] for k in "cd"}).startswith("1 of 2 choices is")
    assert summary_sentence({}) == "The search had no open choice to decide."


def test_margins_takes_picks_and_the_sampler() -> None:
    found = margins(
        {"x": [0.3, 0.3, 0.4], "y": [0.8, 0.6]},
        {"x": ["a", "b", "c"]},
        picks={"x": 2},
        normalised=False,
    )
    assert found["x"].chosen_names == ("a", "c")  # the first listed of a tie is kept
    assert found["x"].runner_up_name == "b"
    assert found["y"].chance == 0.5
