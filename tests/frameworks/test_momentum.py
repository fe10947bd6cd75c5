"""EMA helpers: deep copies, shared objects left alone, exact update, schedules."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from nasiam_dsl.frameworks.momentum import (
    constant_momentum,
    cosine_momentum,
    ema_update_,
    make_target,
)


class SharedStateHead(nn.Module):
    """A head whose deep copies share `gate` on purpose (as a supernet may share its state)."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 3)
        self.bn = nn.BatchNorm1d(3)
        self.gate = nn.Parameter(torch.ones(3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.linear(x)) * self.gate

    def __deepcopy__(self, memo: dict[int, object]) -> SharedStateHead:
        memo[id(self.gate)] = self.gate  # the copy reuses the same Parameter object
        new = self.__class__.__new__(self.__class__)
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            new.__dict__[key] = copy.deepcopy(value, memo)
        return new


def test_make_target_freezes_the_copy_only() -> None:
    online = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    target = make_target(online)
    for p_o, p_t in zip(online.parameters(), target.parameters(), strict=True):
        assert p_o is not p_t and torch.equal(p_o, p_t)
        assert p_o.requires_grad and not p_t.requires_grad


def test_ema_update_is_exact_and_copies_buffers() -> None:
    torch.manual_seed(0)
    online = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    target = make_target(online)
    with torch.no_grad():
        for p in online.parameters():
            p.add_(1.0)
    online(torch.randn(8, 3))  # moves the online BN running statistics
    old = [p.clone() for p in target.parameters()]
    ema_update_(online, target, 0.75)
    for p_t, p_old, p_o in zip(target.parameters(), old, online.parameters(), strict=True):
        torch.testing.assert_close(p_t, 0.75 * p_old + 0.25 * p_o)
    for b_o, b_t in zip(online.buffers(), target.buffers(), strict=True):
        assert torch.equal(b_o, b_t)
    ema_update_(online, target, 0.0)  # m = 0: the target becomes the online module
    for p_t, p_o in zip(target.parameters(), online.parameters(), strict=True):
        assert torch.equal(p_t, p_o)
    with pytest.raises(ValueError):
        ema_update_(online, target, 1.5)


def test_shared_objects_are_skipped_and_stay_trainable() -> None:
    online = SharedStateHead()
    target = make_target(online)
    assert target.gate is online.gate and target.linear is not online.linear
    assert online.gate.requires_grad, "freezing the target must not freeze a shared object"
    assert not target.linear.weight.requires_grad
    with torch.no_grad():
        online.gate.mul_(3.0)
        online.linear.weight.add_(1.0)
    gate = online.gate.detach().clone()
    old_weight = target.linear.weight.detach().clone()
    ema_update_(online, target, 0.5)
    assert torch.equal(online.gate, gate)  # not averaged with itself
    torch.testing.assert_close(target.linear.weight, 0.5 * old_weight + 0.5 * online.linear.weight)


def test_schedules() -> None:
    assert cosine_momentum(0.99, 1.0, 0.0) == pytest.approx(0.99)
    assert cosine_momentum(0.99, 1.0, 0.5) == pytest.approx(0.995)
    assert cosine_momentum(0.99, 1.0, 1.0) == pytest.approx(1.0)
    assert cosine_momentum(0.99, 1.0, 2.0) == pytest.approx(1.0)  # clamped
    values = [cosine_momentum(0.9, 1.0, k / 10) for k in range(11)]
    assert values == sorted(values)
    assert constant_momentum(0.99, 1.0, 0.7) == 0.99
