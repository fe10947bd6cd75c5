"""SplitBatchNorm2d: per-split statistics in training, plain BatchNorm in eval."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nasiam_dsl.backbones import SplitBatchNorm2d


def test_training_normalises_each_split_separately() -> None:
    torch.manual_seed(0)
    split = SplitBatchNorm2d(3, num_splits=2)
    with torch.no_grad():
        split.weight.uniform_(0.5, 1.5)
        split.bias.uniform_(-1, 1)
    x = torch.randn(8, 3, 4, 4) * 3 + 1
    out = split(x)
    # split b holds samples b, b + 2, b + 4, ...
    expected_stats = []
    for b in range(2):
        ref = nn.BatchNorm2d(3)
        ref.load_state_dict(
            {k: v for k, v in split.state_dict().items() if k != "num_batches_tracked"},
            strict=False,
        )
        ref.running_mean.zero_()
        ref.running_var.fill_(1.0)
        torch.testing.assert_close(out[b::2], ref(x[b::2]), atol=1e-5, rtol=1e-5)
        expected_stats.append((ref.running_mean.clone(), ref.running_var.clone()))
    mean = (expected_stats[0][0] + expected_stats[1][0]) / 2
    var = (expected_stats[0][1] + expected_stats[1][1]) / 2
    torch.testing.assert_close(split.running_mean, mean)
    torch.testing.assert_close(split.running_var, var)
    assert int(split.num_batches_tracked) == 1


def test_eval_and_single_split_are_plain_batchnorm() -> None:
    torch.manual_seed(0)
    x = torch.randn(6, 3, 4, 4)
    plain, split = nn.BatchNorm2d(3), SplitBatchNorm2d(3, num_splits=1)
    torch.testing.assert_close(split(x), plain(x))
    split3 = SplitBatchNorm2d(3, num_splits=3).eval()
    torch.testing.assert_close(split3(x), nn.BatchNorm2d(3).eval()(x))


def test_batch_must_divide_into_splits() -> None:
    with pytest.raises(ValueError, match="divisible"):
        SplitBatchNorm2d(3, num_splits=4)(torch.randn(6, 3, 2, 2))
    with pytest.raises(ValueError):
        SplitBatchNorm2d(3, num_splits=0)
