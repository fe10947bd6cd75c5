"""How decided a choice is: exact margins on fixed probabilities (decided: the kept candidate
at least twice as probable as the runner-up)."""

from __future__ import annotations

import pytest

from nasiam_dsl.search.margins import (
    DECIDED_RATIO,
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
    assert m.ratio == pytest.approx(1.08) and m.ratio_text == "1.08x"
    assert m.verdict == "undecided" and not m.decided
    assert m.text() == (
        "gelu 0.270 vs relu 0.250: 1.08x the runner-up (+0.020), +0.020 over chance (0.250), "
        "undecided"
    )


def test_a_clear_winner_is_decided() -> None:
    m = choice_margin("h.op", [0.6, 0.3, 0.1], ["linear", "identity", "avgpool"])
    assert m.over_runner_up == pytest.approx(0.3)
    assert m.over_chance == pytest.approx(0.6 - 1 / 3)
    assert m.verdict == "decided"


def test_the_threshold_is_inclusive_and_the_printed_ratio_agrees_with_the_verdict() -> None:
    assert DECIDED_RATIO == 2.0
    assert choice_margin("k", [0.50, 0.25]).verdict == "decided"
    assert choice_margin("k", [0.46, 0.23]).ratio_text == "2.00x"
    nearly = choice_margin("k", [0.499, 0.25, 0.251])
    assert nearly.verdict == "undecided" and nearly.ratio_text == "1.98x"
    just = choice_margin("k", [0.4990, 0.2500])  # 1.996: rounded down, never shown as 2.00x
    assert just.verdict == "undecided" and just.ratio_text == "1.99x"


def test_a_lead_that_is_a_coin_toss_is_undecided() -> None:
    # +0.07 in a 3-way choice: an absolute lead of 0.05 called this decided
    m = choice_margin("predictor.h.width", [0.31, 0.38, 0.31], ["16", "256", "512"])
    assert m.over_runner_up == pytest.approx(0.07) and m.verdict == "undecided"


def test_sigmoid_chance_is_one_half() -> None:
    from nasiam_dsl.search.samplers import sampler_class

    sigmoid, softmax, gumbel = (
        sampler_class(n).normalised for n in ("sigmoid", "softmax", "gumbel")
    )
    assert chance_level(4, sigmoid) == 0.5
    assert chance_level(4, softmax) == 0.25
    assert chance_level(3, gumbel) == pytest.approx(1 / 3)
    m = choice_margin("k", [0.9, 0.4, 0.3, 0.2], normalised=False)
    assert m.chance == 0.5
    assert m.over_chance == pytest.approx(0.4)
    assert m.ratio == pytest.approx(2.25)
    assert m.decided


def test_a_tie_is_undecided_and_the_first_listed_wins() -> None:
    m = choice_margin("k", [0.4, 0.4, 0.2], ["a", "b", "c"])
    assert m.chosen_names == ("a",) and m.runner_up_name == "b"
    assert m.over_runner_up == 0.0
    assert m.verdict == "undecided"


def test_pick_k_of_n_measures_the_boundary() -> None:
    # pick 2 of 4: kept {0.4, 0.3}; the weakest kept (0.3) against the best left out (0.15)
    m = choice_margin("h3.inputs", [0.15, 0.4, 0.15, 0.3], ["a", "b", "c", "d"], pick=2)
    assert m.chosen_names == ("b", "d")
    assert (m.p, m.runner_up_name) == (0.3, "a")
    assert m.over_runner_up == pytest.approx(0.15)
    assert m.over_chance == pytest.approx(0.05)
    assert m.decided
    assert m.text().startswith("b 0.400, d 0.300 vs a 0.150: 2.00x the runner-up (+0.150)")
    assert not choice_margin("k", [0.1, 0.4, 0.2, 0.3], pick=2).decided  # 0.3 is 1.5x 0.2


def test_a_repaired_pick_can_trail_the_runner_up() -> None:
    m = choice_margin("k", [0.5, 0.3, 0.2], ["a", "b", "c"], chosen=[1])
    assert m.runner_up_name == "a"
    assert m.over_runner_up == pytest.approx(-0.2)
    assert m.verdict == "undecided"


def test_nothing_left_out() -> None:
    m = choice_margin("k", [0.5, 0.5], ["a", "b"], pick=2)
    assert m.runner_up is None and m.runner_up_p is None
    assert m.decided and m.text() == "a 0.500, b 0.500: nothing left out, decided"


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
        "3 of 4 choices are undecided (kept < 2x the runner-up): the search did not separate "
        "their candidates, so the genotype's pick there is not a finding; see docs/search.md."
    )
    one = {k: found[k] for k in ("a", "c")}
    assert summary_sentence(one).startswith("1 of 2 choices is undecided")
    assert "separate its candidates" in summary_sentence(one)
    assert summary_sentence({"c": found["c"]}) == (
        "The only choice is decided (each kept candidate >= 2x the runner-up)."
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
