"""One process: the gathers are identities, a loss split by anchors or offsets averages to the
whole-batch loss, and synchronised BatchNorm is BatchNorm sharing the same tensors."""

from __future__ import annotations

import torch
from torch import nn

from nasiam_dsl.backbones.norm import (
    SplitBatchNorm2d,
    SyncedBatchNorm1d,
    SyncedBatchNorm2d,
    convert_sync_bn,
)
from nasiam_dsl.frameworks.gather import batch_shuffle, batch_unshuffle, gather_with_grad
from nasiam_dsl.frameworks.mocov3 import mocov3_loss
from nasiam_dsl.frameworks.simclr import nt_xent_loss


def test_gathers_are_identities_on_one_process() -> None:
    x = torch.randn(6, 3)
    assert gather_with_grad(x) is x
    shuffled, perm = batch_shuffle(x)
    assert torch.equal(batch_unshuffle(shuffled, perm), x)


def test_nt_xent_over_anchor_halves_averages_to_the_whole() -> None:
    z1, z2 = torch.randn(8, 5), torch.randn(8, 5)
    halves = [nt_xent_loss(z1, z2, 0.3, anchors=slice(i, i + 4)) for i in (0, 4)]
    torch.testing.assert_close(sum(halves) / 2, nt_xent_loss(z1, z2, 0.3))


def test_mocov3_offsets_split_the_batch() -> None:
    q1, q2, k1, k2 = (torch.randn(8, 5) for _ in range(4))
    halves = [mocov3_loss(q1[i : i + 4], q2[i : i + 4], k1, k2, 0.2, offset=i) for i in (0, 4)]
    torch.testing.assert_close(sum(halves) / 2, mocov3_loss(q1, q2, k1, k2, 0.2))


def test_convert_sync_bn_keeps_tensors_and_behaviour() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3),
        SplitBatchNorm2d(4, num_splits=2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 6),
        nn.BatchNorm1d(6),
    )
    x = torch.randn(4, 3, 6, 6)
    weight, running = model[4].weight, model[4].running_mean
    reference = nn.Sequential(model[0], nn.BatchNorm2d(4), model[2], model[3], nn.BatchNorm1d(6))
    reference[1].load_state_dict(model[1].state_dict())
    converted = convert_sync_bn(model)
    assert isinstance(converted[1], SyncedBatchNorm2d)
    assert isinstance(converted[4], SyncedBatchNorm1d) and isinstance(converted[4], nn.BatchNorm1d)
    assert converted[4].weight is weight and converted[4].running_mean is running
    torch.testing.assert_close(converted(x), reference(x))
    torch.testing.assert_close(converted[4].running_mean, reference[4].running_mean)
    assert convert_sync_bn(converted) is converted  # converting twice changes nothing
