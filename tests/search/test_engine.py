"""The DARTS engine on a toy problem: which parameters each step moves, modes, warm-up."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import pytest
import torch
from torch import nn

from nasiam_dsl.search.engine import DartsEngine, EngineConfig
from nasiam_dsl.search.regularisers import get_regulariser


@dataclass
class Out:
    loss: torch.Tensor
    logs: dict = field(default_factory=dict)


class Toy:
    """y = Σ softmax(α)_k · w_k x: a 'mixed op' with two candidates; loss = (y - target)²."""

    def __init__(self):
        torch.manual_seed(0)
        self.alpha = nn.Parameter(torch.zeros(2))
        self.w = nn.Parameter(torch.tensor([0.5, -1.0]))
        self.after = 0

    def loss(self, batch):
        x, t = batch
        y = (torch.softmax(self.alpha, 0) * self.w * x).sum()
        out = Out((y - t) ** 2)
        out.logs["loss"] = float(out.loss.detach())
        return out

    weight_loss = arch_loss = loss

    def head_loss_closure(self, batch):
        return lambda: self.loss(batch).loss

    def one_architecture(self):
        return contextlib.nullcontext()  # deterministic: nothing to replay

    def after_weight_step(self, out, progress):
        self.after += 1


def make(config=None, regs=()):
    toy = Toy()
    opt = torch.optim.SGD([toy.w], lr=0.1)
    engine = DartsEngine({"op": toy.alpha}, opt, [toy.w], config or EngineConfig(arch_lr=0.1), regs)
    return toy, engine


def test_bilevel_moves_alpha_on_heldout_and_weights_on_train():
    toy, engine = make()
    w0, a0 = toy.w.detach().clone(), toy.alpha.detach().clone()
    logs = engine.step(toy, (1.0, 2.0), (1.0, -3.0), progress=0.0)
    assert not torch.equal(toy.alpha, a0)
    assert not torch.equal(toy.w, w0)
    assert "heldout/loss" in logs and "train/loss" in logs
    assert toy.after == 1


def test_arch_step_alone_leaves_weights():
    toy, engine = make()
    w0 = toy.w.detach().clone()
    engine._arch_step(toy, (1.0, 2.0), (1.0, -3.0), 0.0)
    assert torch.equal(toy.w, w0)


def test_warmup_freezes_architecture():
    toy, engine = make(EngineConfig(arch_lr=0.1, warmup_fraction=0.5))
    a0 = toy.alpha.detach().clone()
    engine.step(toy, (1.0, 2.0), (1.0, -3.0), progress=0.2)
    assert torch.equal(toy.alpha, a0)
    engine.step(toy, (1.0, 2.0), (1.0, -3.0), progress=0.6)
    assert not torch.equal(toy.alpha, a0)


def test_one_level_uses_one_batch_and_one_backward():
    toy, engine = make(EngineConfig(arch_lr=0.1, mode="one_level"))
    a0 = toy.alpha.detach().clone()
    logs = engine.step(toy, (1.0, 2.0), None, progress=0.0)
    assert not torch.equal(toy.alpha, a0)
    assert "heldout/loss" not in logs


@pytest.mark.parametrize("order", ["first", "second"])
def test_orders_move_alpha_in_a_descent_direction(order):
    toy, engine = make(EngineConfig(arch_lr=0.05, order=order))
    before = float(toy.loss((1.0, -3.0)).loss.detach())
    engine._arch_step(toy, (1.0, -3.0), (1.0, -3.0), 0.0)
    assert float(toy.loss((1.0, -3.0)).loss.detach()) < before


@pytest.mark.parametrize("order", ["first", "second"])
def test_regulariser_enters_the_architecture_loss_and_is_logged_apart(order):
    toy, engine = make(
        EngineConfig(arch_lr=0.1, order=order), regs=[get_regulariser("beta_decay", weight=10.0)]
    )
    plain = float(toy.loss((1.0, -3.0)).loss.detach())
    logs = engine._arch_step(toy, (1.0, 2.0), (1.0, -3.0), 1.0)
    reg = logs["heldout/regulariser"]
    assert reg > 1.0  # second order logged 0 before
    # the held-out loss is the SSL loss alone (at w', second order: near the plain value)
    assert abs(logs["heldout/loss"] - plain) < reg / 2


def test_state_dict_round_trip():
    toy, engine = make()
    engine.step(toy, (1.0, 2.0), (1.0, -3.0), 0.0)
    state = engine.state_dict()
    _, engine2 = make()
    engine2.load_state_dict(state)
    assert (
        engine2.arch_optimizer.state_dict()["state"].keys()
        == state["arch_optimizer"]["state"].keys()
    )
