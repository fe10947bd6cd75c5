"""The architecture step leaves BatchNorm running statistics as they were."""

import torch
from torch import nn

from nasiam_dsl.run.problem import frozen_bn_stats


def test_frozen_bn_stats_restores_running_statistics():
    net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.BatchNorm1d(8))
    net.train()
    net(torch.randn(16, 4))
    saved = {k: v.clone() for k, v in net.state_dict().items()}
    with frozen_bn_stats(net):
        out = net(torch.randn(16, 4) * 5 + 3)
    assert out.shape == (16, 8)
    for k, v in net.state_dict().items():
        assert torch.equal(v, saved[k]), k


def test_frozen_bn_stats_uses_batch_statistics_in_train_mode():
    bn = nn.BatchNorm1d(3)
    x = torch.randn(32, 3) * 4 + 2
    with frozen_bn_stats(bn):
        y = bn(x)
    assert torch.allclose(y.mean(0), torch.zeros(3), atol=1e-5)


def test_backward_after_the_context_works():
    net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8))
    with frozen_bn_stats(net):
        loss = net(torch.randn(16, 4)).pow(2).mean()
    loss.backward()
    assert net[0].weight.grad is not None
    assert net[1].momentum == 0.1
