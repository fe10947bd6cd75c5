"""Schedules: linear/cosine helpers, DARTS- auxiliary skip decay, architecture warm-up."""

from __future__ import annotations

import itertools
import math

import pytest

from nasiam_dsl.search.schedules import AuxSkipSchedule, CosineSchedule, LinearSchedule, WarmupGate


def test_linear_schedule_values() -> None:
    schedule = LinearSchedule(2.0, 0.0)
    assert [schedule(p) for p in (0.0, 0.25, 0.5, 1.0)] == pytest.approx([2.0, 1.5, 1.0, 0.0])


def test_linear_schedule_window_is_flat_outside() -> None:
    schedule = LinearSchedule(0.0, 10.0, begin=0.2, stop=0.6)
    assert schedule(0.0) == 0.0
    assert schedule(0.2) == 0.0
    assert schedule(0.4) == pytest.approx(5.0)
    assert schedule(0.6) == pytest.approx(10.0)
    assert schedule(1.0) == 10.0


def test_cosine_schedule_values() -> None:
    schedule = CosineSchedule(1.0, 0.0)
    assert schedule(0.0) == pytest.approx(1.0)
    assert schedule(0.5) == pytest.approx(0.5)
    assert schedule(0.25) == pytest.approx((1 + math.cos(math.pi / 4)) / 2)
    assert schedule(1.0) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("bad", [-0.01, 1.01, float("nan")])
def test_progress_outside_unit_interval_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="progress"):
        LinearSchedule(0.0, 1.0)(bad)


def test_bad_window_is_refused() -> None:
    with pytest.raises(ValueError):
        LinearSchedule(0.0, 1.0, begin=0.5, stop=0.5)


def test_aux_skip_linear_decay_from_one_to_zero() -> None:
    schedule = AuxSkipSchedule()
    assert [schedule.value(p) for p in (0.0, 0.1, 0.5, 0.9, 1.0)] == pytest.approx(
        [1.0, 0.9, 0.5, 0.1, 0.0]
    )


def test_aux_skip_cosine_decay() -> None:
    schedule = AuxSkipSchedule(beta0=2.0, mode="cosine")
    assert schedule(0.0) == pytest.approx(2.0)
    assert schedule(0.5) == pytest.approx(1.0)
    assert schedule(0.25) == pytest.approx(1 + math.cos(math.pi / 4))
    assert schedule(1.0) == pytest.approx(0.0, abs=1e-12)
    # monotone non-increasing
    values = [schedule(i / 20) for i in range(21)]
    assert all(a >= b for a, b in itertools.pairwise(values))


def test_aux_skip_unknown_mode() -> None:
    with pytest.raises(ValueError, match="cosine, linear"):
        AuxSkipSchedule(mode="step")  # type: ignore[arg-type]


def test_warmup_gate_pc_darts_fifteen_of_fifty_epochs() -> None:
    gate = WarmupGate.from_epochs(15, 50)
    assert gate.warmup_fraction == pytest.approx(0.3)
    frozen = [gate.frozen_at_epoch(epoch, 50) for epoch in range(50)]
    assert frozen == [True] * 15 + [False] * 35
    assert WarmupGate(0.3).frozen_at_epoch(14, 50) and not WarmupGate(0.3).frozen_at_epoch(15, 50)


def test_warmup_gate_by_progress() -> None:
    gate = WarmupGate(0.25)
    assert gate.frozen(0.0) and gate.frozen(0.2499)
    assert not gate.frozen(0.25) and not gate.frozen(1.0)
    never = WarmupGate()
    assert not never.frozen(0.0)
    always = WarmupGate(1.0)
    assert always.frozen(0.999)


def test_warmup_gate_validation() -> None:
    with pytest.raises(ValueError):
        WarmupGate(1.5)
    with pytest.raises(ValueError):
        WarmupGate.from_epochs(60, 50)
    with pytest.raises(ValueError):
        WarmupGate(0.1).frozen_at_epoch(3, 0)
