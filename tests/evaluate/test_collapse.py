"""Collapse metrics on healthy, collapsed and low-rank embeddings."""

from __future__ import annotations

import math

import pytest
import torch

from nasiam_dsl.evaluate import rankme, std_of_l2_normalized


def gaussian(n: int, d: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("d", [16, 128])
def test_std_of_isotropic_outputs_is_one_over_sqrt_d(d: int) -> None:
    assert std_of_l2_normalized(gaussian(4000, d)) == pytest.approx(1 / math.sqrt(d), rel=0.03)


def test_std_of_constant_outputs_is_zero() -> None:
    z = torch.tensor([[1.0, 2.0, 3.0]]).repeat(50, 1) * torch.linspace(1, 5, 50).view(-1, 1)
    assert std_of_l2_normalized(z) == pytest.approx(0.0, abs=1e-6)  # same direction, any norm


def test_rankme_of_isotropic_data_is_near_full_rank() -> None:
    value = rankme(gaussian(2048, 64))  # N >= 4·d
    assert 0.95 * 64 < value <= 64


def test_rankme_of_rank_one_data_is_one() -> None:
    g = torch.Generator().manual_seed(1)
    z = torch.randn(500, 1, generator=g) @ torch.randn(1, 32, generator=g)
    assert rankme(z) == pytest.approx(1.0, abs=1e-3)
    assert rankme(torch.zeros(10, 4)) == 1.0


def test_rankme_counts_the_dimensions_in_use() -> None:
    z = torch.zeros(4000, 32)
    z[:, :8] = gaussian(4000, 8, seed=2)
    assert 7.5 < rankme(z) <= 8.2


def test_rankme_is_capped_by_the_number_of_samples() -> None:
    assert rankme(gaussian(10, 256)) <= 10.0 + 1e-6


def test_bad_shapes_are_rejected() -> None:
    with pytest.raises(ValueError):
        std_of_l2_normalized(torch.zeros(1, 4))
    with pytest.raises(ValueError):
        rankme(torch.zeros(5))
