"""Regularisers: β-DARTS Beta-Decay, the seed's parameter-free L1, FairDARTS zero-one."""

from __future__ import annotations

import math

import pytest
import torch

from nasiam_dsl.search.regularisers import (
    BetaDecay,
    ParamFreeNorm,
    ZeroOneLoss,
    available_regularisers,
    get_regulariser,
    register_regulariser,
)


def _alphas(**values: list[float]) -> dict[str, torch.nn.Parameter]:
    return {key: torch.nn.Parameter(torch.tensor(v)) for key, v in values.items()}


# -- registry ---------------------------------------------------------------------------
def test_registry() -> None:
    assert available_regularisers() == ["beta_decay", "param_free_l1", "zero_one"]
    assert isinstance(get_regulariser("beta_decay"), BetaDecay)
    assert isinstance(get_regulariser("zero_one", weight=1.0), ZeroOneLoss)
    masks = {"h.op": torch.tensor([True, False])}
    assert isinstance(get_regulariser("param_free_l1", masks=masks), ParamFreeNorm)
    with pytest.raises(ValueError, match="beta_decay, param_free_l1, zero_one"):
        get_regulariser("kl")
    with pytest.raises(ValueError, match="already registered"):
        register_regulariser("zero_one", ZeroOneLoss)


@pytest.mark.parametrize("bad", [-0.5, 1.5, float("nan")])
def test_progress_is_checked(bad: float) -> None:
    with pytest.raises(ValueError, match="progress"):
        BetaDecay()(_alphas(a=[0.0, 1.0]), bad)


def test_empty_alphas_refused() -> None:
    with pytest.raises(ValueError, match="no architecture parameters"):
        ZeroOneLoss()({}, 0.5)


# -- beta_decay -------------------------------------------------------------------------
def test_beta_decay_value_on_hand_computed_example() -> None:
    # logsumexp([0, 0]) = ln 2; logsumexp([ln 3, 0]) = ln 4 = 2 ln 2; mean = 1.5 ln 2
    alphas = _alphas(a=[0.0, 0.0], b=[math.log(3.0), 0.0])
    reg = BetaDecay()
    assert reg.penalty(alphas).item() == pytest.approx(1.5 * math.log(2))
    assert reg(alphas, 0.0).item() == 0.0
    assert reg(alphas, 0.5).item() == pytest.approx(25 * 1.5 * math.log(2))
    assert reg(alphas, 1.0).item() == pytest.approx(50 * 1.5 * math.log(2))


def test_beta_decay_ramp_matches_reference_formula() -> None:
    # β-DARTS: coefficient 50 * epoch / 100 over a 100-epoch search
    reg = BetaDecay()
    for epoch in (0, 10, 37, 99):
        assert reg.weight_at(epoch / 100) == pytest.approx(50 * epoch / 100)


def test_beta_decay_gradient_is_softmax_over_choices() -> None:
    alphas = _alphas(a=[0.0, 0.0], b=[math.log(3.0), 0.0])
    BetaDecay(weight=2.0)(alphas, 1.0).backward()
    # d/dalpha mean_c lse(alpha_c) = softmax(alpha_c) / n_choices, times weight 2
    torch.testing.assert_close(alphas["a"].grad, torch.tensor([0.5, 0.5]))
    torch.testing.assert_close(alphas["b"].grad, torch.tensor([0.75, 0.25]))


def test_beta_decay_rows_of_a_matrix_are_choices() -> None:
    matrix = {"cell": torch.tensor([[0.0, 0.0], [math.log(3.0), 0.0]])}
    assert BetaDecay().penalty(matrix).item() == pytest.approx(1.5 * math.log(2))


# -- param_free_l1 ----------------------------------------------------------------------
MASKS = {"h1.op": torch.tensor([True, True, False])}


def test_param_free_l1_value_and_linear_decay() -> None:
    alphas = _alphas(**{"h1.op": [1.0, -2.0, 3.0], "h2.op": [0.5, -0.5]})
    reg = ParamFreeNorm(MASKS)  # weight 0.5, ratio 0.25, L1
    assert reg.penalty(alphas).item() == pytest.approx(3.0)  # |1| + |-2|; 3 is parametric
    assert reg(alphas, 0.0).item() == pytest.approx(1.5)
    assert reg(alphas, 0.125).item() == pytest.approx(0.75)
    assert reg(alphas, 0.25).item() == 0.0
    assert reg(alphas, 0.9).item() == 0.0


def test_param_free_l2_option() -> None:
    alphas = _alphas(**{"h1.op": [1.0, -2.0, 3.0]})
    reg = get_regulariser("param_free_l1", masks=MASKS, norm="l2", weight=1.0, ratio=0.5)
    assert reg.penalty(alphas).item() == pytest.approx(5.0)
    assert reg(alphas, 0.25).item() == pytest.approx(2.5)


def test_param_free_gradient_touches_only_masked_candidates() -> None:
    alphas = _alphas(**{"h1.op": [1.0, -2.0, 3.0], "h2.op": [0.5, -0.5]})
    ParamFreeNorm(MASKS)(alphas, 0.0).backward()
    torch.testing.assert_close(alphas["h1.op"].grad, torch.tensor([0.5, -0.5, 0.0]))
    assert alphas["h2.op"].grad is None or not alphas["h2.op"].grad.any()


def test_param_free_validates_masks() -> None:
    alphas = _alphas(**{"h1.op": [1.0, -2.0]})
    with pytest.raises(ValueError, match="covers 3 candidates"):
        ParamFreeNorm(MASKS).penalty(alphas)
    with pytest.raises(KeyError, match=r"typo\.op"):
        ParamFreeNorm({"typo.op": torch.tensor([True, False])}).penalty(alphas)
    with pytest.raises(ValueError, match="ratio"):
        ParamFreeNorm(MASKS, ratio=0.0)
    with pytest.raises(ValueError, match="norm"):
        ParamFreeNorm(MASKS, norm="l3")  # type: ignore[arg-type]


# -- zero_one ---------------------------------------------------------------------------
def test_zero_one_value_on_hand_computed_example() -> None:
    # sigmoid(0) = 0.5, sigmoid(ln 3) = 0.75: mean of (0, 0.0625) over (2 + 1 + 1) candidates
    alphas = _alphas(a=[0.0, math.log(3.0)], b=[0.0], c=[math.log(3.0)])
    reg = ZeroOneLoss()  # weight 10
    assert reg.penalty(alphas).item() == pytest.approx(-0.125 / 4)
    assert reg(alphas, 0.0).item() == pytest.approx(-10 * 0.125 / 4)
    assert reg(alphas, 1.0).item() == reg(alphas, 0.0).item()  # constant weight


def test_zero_one_l1_variant_and_direction_of_gradient() -> None:
    alphas = _alphas(a=[1.0, -1.0])
    reg = ZeroOneLoss(weight=1.0, norm="l1")
    gap = torch.sigmoid(torch.tensor(1.0)).item() - 0.5
    assert reg.penalty(alphas).item() == pytest.approx(-gap)
    ZeroOneLoss()(alphas, 0.3).backward()
    grad = alphas["a"].grad
    # descending the loss pushes sigmoid weights away from 0.5: the positive logit up, the
    # negative one down
    assert grad[0] < 0 < grad[1]
