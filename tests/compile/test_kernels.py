"""The CPU formulations of pools and elu compute ATen's function and gradient."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from nasiam_dsl.compile.kernels import elu, feature_avg_pool, feature_max_pool


def _data() -> torch.Tensor:
    x = torch.randn(9, 40, generator=torch.Generator().manual_seed(0))
    x[:, ::5] = 0.0  # ties inside windows, as after a relu
    x[:, 1::5] = 0.0
    x[0] = 1.0  # a row of ties
    return x


def _aten_max(x, k):
    return F.max_pool1d(x.unsqueeze(1), k, 1, k // 2).squeeze(1)


def _aten_avg(x, k):
    return F.avg_pool1d(x.unsqueeze(1), k, 1, k // 2, count_include_pad=True).squeeze(1)


CASES = [
    (lambda x: feature_max_pool(x, 3), lambda x: _aten_max(x, 3)),
    (lambda x: feature_max_pool(x, 5), lambda x: _aten_max(x, 5)),
    (lambda x: feature_avg_pool(x, 3), lambda x: _aten_avg(x, 3)),
    (lambda x: feature_avg_pool(x, 7), lambda x: _aten_avg(x, 7)),
    (lambda x: elu(x), F.elu),
    (lambda x: elu(x, 0.3), lambda x: F.elu(x, 0.3)),
]


IDS = ["max3", "max5", "avg3", "avg7", "elu", "elu.3"]


@pytest.mark.parametrize(("fast", "aten"), CASES, ids=IDS)
def test_same_function_and_gradient(fast, aten) -> None:
    x = _data()
    g = torch.randn(x.shape, generator=torch.Generator().manual_seed(1))
    results = []
    for f in (fast, aten):
        xg = x.clone().requires_grad_(True)
        y = f(xg)
        y.backward(g)
        results.append((y.detach(), xg.grad))
    (y, gx), (y_ref, gx_ref) = results
    torch.testing.assert_close(y, y_ref, atol=1e-7, rtol=0)
    torch.testing.assert_close(gx, gx_ref, atol=1e-6, rtol=1e-6)
    with torch.no_grad():
        torch.testing.assert_close(fast(x), y_ref, atol=1e-7, rtol=0)


def test_max_pool_routes_ties_to_the_first_maximum() -> None:
    x = torch.ones(1, 4, requires_grad=True)
    feature_max_pool(x, 3).sum().backward()
    # windows (pad, 1, 1), (1, 1, 1), (1, 1, 1), (1, 1, pad): each to its first 1
    assert x.grad.tolist() == [[2.0, 1.0, 1.0, 0.0]]
