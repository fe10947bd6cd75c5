"""Early stoppers: DARTS+ op-count and ranking rules, SSL collapse."""

from __future__ import annotations

import pytest

from nasiam_dsl.search.stoppers import (
    CollapseStopper,
    OpCountStopper,
    RankingStableStopper,
    StopDecision,
    available_stoppers,
    get_stopper,
)

PARAM_FREE = "identity+avgpool_3x3+maxpool_3x3"


def _counts(projector: dict[str, int], predictor: dict[str, int]) -> dict[str, dict[str, int]]:
    return {"projector": projector, "predictor": predictor}


def test_registry() -> None:
    assert available_stoppers() == ["collapse", "op_count", "ranking_stable"]
    assert isinstance(get_stopper("collapse"), CollapseStopper)
    assert isinstance(get_stopper("op_count", max_counts={"identity": 1}), OpCountStopper)
    with pytest.raises(ValueError, match="collapse, op_count, ranking_stable"):
        get_stopper("hessian")


# -- op counts --------------------------------------------------------------------------
def test_op_count_group_cap_in_any_head() -> None:
    stopper = OpCountStopper({PARAM_FREE: 2}, min_epochs=0)
    healthy = _counts({"linear_relu": 4, "identity": 2}, {"linear_relu": 3, "avgpool_3x3": 1})
    assert stopper.update(0, op_counts=healthy) is None
    # predictor now holds identity 2 + maxpool 1 = 3 > 2
    degenerate = _counts({"linear_relu": 6}, {"identity": 2, "maxpool_3x3": 1, "linear_elu": 1})
    decision = stopper.update(1, op_counts=degenerate, z_std_normalised=0.9)  # extras ignored
    assert isinstance(decision, StopDecision)
    assert decision.epoch == 1 and decision.stopper == "OpCountStopper"
    assert "'predictor'" in decision.reason and "3 ×" in decision.reason
    assert "cap 2" in decision.reason and "'projector'" not in decision.reason
    assert "epoch 1" in str(decision)


def test_op_count_cap_is_exceeded_not_reached() -> None:
    # DARTS+: stop at two skip connections means a cap of 1
    stopper = OpCountStopper({"identity": 1}, min_epochs=0)
    assert stopper.update(0, op_counts={"h": {"identity": 1}}) is None
    assert stopper.update(1, op_counts={"h": {"identity": 2}}) is not None


def test_op_count_respects_min_epochs() -> None:
    stopper = OpCountStopper({"identity": 0})  # default min_epochs 10
    bad = {"h": {"identity": 3}}
    assert all(stopper.update(epoch, op_counts=bad) is None for epoch in range(10))
    assert stopper.update(10, op_counts=bad) is not None


def test_op_count_needs_its_observation() -> None:
    with pytest.raises(ValueError, match="op_counts"):
        OpCountStopper({"identity": 1}).update(0, leaders={})
    with pytest.raises(ValueError, match="empty"):
        OpCountStopper({})


def test_epochs_must_increase() -> None:
    stopper = OpCountStopper({"identity": 1})
    stopper.update(3, op_counts={})
    with pytest.raises(ValueError, match="increase"):
        stopper.update(3, op_counts={})


# -- collapse ---------------------------------------------------------------------------
def test_collapse_needs_patience_consecutive_epochs() -> None:
    stopper = CollapseStopper(threshold=0.2, patience=3)
    readings = [1.0, 0.1, 0.05, 0.9, 0.1, 0.1]  # streak broken at epoch 3
    assert [stopper.update(e, z_std_normalised=z) for e, z in enumerate(readings)] == [None] * 6
    decision = stopper.update(6, z_std_normalised=0.01)
    assert decision is not None and decision.epoch == 6
    assert "below 0.2 for 3 consecutive epochs" in decision.reason


def test_collapse_nan_counts_as_collapsed_and_min_epochs() -> None:
    stopper = CollapseStopper(patience=2, min_epochs=3)
    assert stopper.update(0, z_std_normalised=float("nan")) is None
    assert stopper.update(1, z_std_normalised=0.0) is None  # streak 2 but before min_epochs
    assert stopper.update(2, z_std_normalised=0.0) is None
    assert stopper.update(3, z_std_normalised=0.0) is not None


def test_collapse_state_round_trip_resumes_the_streak() -> None:
    stopper = CollapseStopper(threshold=0.5, patience=3)
    stopper.update(0, z_std_normalised=0.1)
    stopper.update(1, z_std_normalised=0.1)
    state = stopper.state_dict()
    assert state == {"last_epoch": 1, "streak": 2}

    resumed = CollapseStopper(threshold=0.5, patience=3)
    resumed.load_state_dict(state)
    assert resumed.update(2, z_std_normalised=0.1) is not None
    with pytest.raises(ValueError, match="increase"):
        resumed.update(2, z_std_normalised=0.1)


def test_collapse_validation() -> None:
    with pytest.raises(ValueError, match="patience"):
        CollapseStopper(patience=0)
    with pytest.raises(ValueError, match="min_epochs"):
        CollapseStopper(min_epochs=-1)
    with pytest.raises(ValueError, match="z_std_normalised"):
        CollapseStopper().update(0, op_counts={})


# -- ranking stability ------------------------------------------------------------------
def test_ranking_stable_after_patience_unchanged_epochs() -> None:
    stopper = RankingStableStopper(patience=2)
    a = {"projector.h1.op": 3, "predictor.h1.op": 0}
    b = {"projector.h1.op": 3, "predictor.h1.op": 1}
    assert stopper.update(0, leaders=a) is None  # first reading: nothing to compare
    assert stopper.update(1, leaders=a) is None  # unchanged once
    assert stopper.update(2, leaders=b) is None  # a leader changed: streak reset
    assert stopper.update(3, leaders=b) is None
    decision = stopper.update(4, leaders=dict(b))
    assert decision is not None
    assert decision.reason == "leading candidates of all 2 choices unchanged for 2 epochs"


def test_ranking_state_round_trip() -> None:
    stopper = RankingStableStopper(patience=2)
    leaders = {"c": 1}
    stopper.update(0, leaders=leaders)
    stopper.update(1, leaders=leaders)
    resumed = RankingStableStopper(patience=2)
    resumed.load_state_dict(stopper.state_dict())
    assert resumed.previous == leaders and resumed.streak == 1
    assert resumed.update(2, leaders=leaders) is not None
