"""LARS against a hand computation, and biases/norms kept out of decay and adaptation."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from nasiam_dsl.names import UnknownNameError
from nasiam_dsl.optim import LARS, build_optimizer, exclude_bias_norm


def test_one_step_matches_the_hand_computation() -> None:
    w = nn.Parameter(torch.tensor([[3.0, 4.0]]))  # ||w|| = 5
    w.grad = torch.tensor([[0.0, 1.0]])
    opt = LARS([w], lr=0.5, momentum=0.9, weight_decay=0.1, eta=0.01)
    opt.step()
    d = torch.tensor([[0.3, 1.4]])  # g + 0.1 w
    ratio = 0.01 * 5.0 / math.hypot(0.3, 1.4)
    expected = torch.tensor([[3.0, 4.0]]) - 0.5 * ratio * d
    torch.testing.assert_close(w.detach(), expected)
    # second step: the momentum buffer carries the first adapted update
    w.grad = torch.tensor([[0.0, 1.0]])
    before = w.detach().clone()
    d2 = w.grad + 0.1 * before
    ratio2 = 0.01 * before.norm() / d2.norm()
    mu = 0.9 * ratio * d + ratio2 * d2
    opt.step()
    torch.testing.assert_close(w.detach(), before - 0.5 * mu)


def test_biases_and_norms_get_plain_momentum_sgd() -> None:
    b = nn.Parameter(torch.tensor([1.0, -2.0]))
    b.grad = torch.tensor([0.5, 0.5])
    LARS([b], lr=0.1, momentum=0.9, weight_decay=0.5, eta=0.001).step()
    torch.testing.assert_close(b.detach(), torch.tensor([0.95, -2.05]))  # no decay, no ratio


def test_exclusion_can_be_switched_off_and_forced_per_group() -> None:
    b = nn.Parameter(torch.tensor([3.0, 4.0]))
    b.grad = torch.tensor([0.0, 2.0])
    LARS([b], lr=1.0, momentum=0.0, eta=0.1, exclude_bias_norm=False).step()
    torch.testing.assert_close(b.detach(), torch.tensor([3.0, 4.0 - 0.1 * 5 / 2 * 2]))
    w = nn.Parameter(torch.ones(2, 2))
    w.grad = torch.ones(2, 2)
    LARS([{"params": [w], "lars_exclude": True}], lr=0.1, weight_decay=1.0).step()
    torch.testing.assert_close(w.detach(), torch.full((2, 2), 0.9))


def test_clip_lr_caps_the_adapted_rate_at_lr() -> None:
    w = nn.Parameter(torch.tensor([[3.0, 4.0]]))
    w.grad = torch.tensor([[0.0, 0.001]])  # tiny gradient: eta * ||w|| / ||g|| = 50 >> 1 / lr
    LARS([w], lr=0.5, momentum=0.0, eta=0.01, clip_lr=True).step()
    torch.testing.assert_close(w.detach(), torch.tensor([[3.0, 4.0 - 0.5 * 0.001]]))


def test_zero_weights_or_gradients_keep_a_ratio_of_one() -> None:
    w = nn.Parameter(torch.zeros(2, 2))
    w.grad = torch.ones(2, 2)
    LARS([w], lr=0.1, momentum=0.0).step()
    torch.testing.assert_close(w.detach(), torch.full((2, 2), -0.1))


def test_exclude_bias_norm_groups_keep_framework_groups() -> None:
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2, bias=False))
    groups = [
        {"name": "weights", "params": list(model[0].parameters()), "lr": 0.1},
        {
            "name": "predictor",
            "params": [*model[1].parameters(), model[2].weight],
            "lr": 0.1,
            "fix_lr": True,
        },
    ]
    split = exclude_bias_norm(groups, weight_decay=1e-4, no_decay_lr=0.01)
    names = [g["name"] for g in split]
    assert names == ["weights", "weights/no_decay", "predictor", "predictor/no_decay"]
    by_name = {g["name"]: g for g in split}
    assert by_name["weights"]["params"] == [model[0].weight]
    assert by_name["weights/no_decay"]["params"] == [model[0].bias]
    assert by_name["predictor/no_decay"]["params"] == [model[1].weight, model[1].bias]
    assert by_name["predictor/no_decay"]["fix_lr"] and by_name["predictor"]["fix_lr"]
    assert by_name["weights"]["weight_decay"] == 1e-4
    assert all(g["weight_decay"] == 0 and g["lars_exclude"] for g in split[1::2])
    assert by_name["weights/no_decay"]["lr"] == 0.01 and by_name["weights"]["lr"] == 0.1
    seen = [id(p) for g in split for p in g["params"]]
    assert sorted(seen) == sorted(id(p) for p in model.parameters())


def test_sgd_with_excluded_groups_leaves_biases_undecayed() -> None:
    layer = nn.Linear(2, 2)
    nn.init.ones_(layer.weight), nn.init.ones_(layer.bias)
    for p in layer.parameters():
        p.grad = torch.zeros_like(p)
    groups = exclude_bias_norm([{"params": list(layer.parameters())}], weight_decay=0.5)
    build_optimizer("sgd", groups, lr=0.1, momentum=0.0, weight_decay=0.5).step()
    torch.testing.assert_close(layer.weight.detach(), torch.full((2, 2), 0.95))
    torch.testing.assert_close(layer.bias.detach(), torch.ones(2))


def test_build_optimizer_by_name() -> None:
    p = nn.Parameter(torch.ones(2, 2))
    lars = build_optimizer("lars", [{"params": [p]}], lr=0.1, eta=0.02, clip_lr=True)
    assert isinstance(lars, LARS) and lars.param_groups[0]["eta"] == 0.02
    assert isinstance(build_optimizer("adamw", [{"params": [p]}], lr=0.1), torch.optim.AdamW)
    with pytest.raises(UnknownNameError, match="did you mean 'lars'"):
        build_optimizer("lasr", [{"params": [p]}], lr=0.1)
