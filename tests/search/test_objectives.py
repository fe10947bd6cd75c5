"""The effective-rank term: its values on known spectra, its sign, and its gradient."""

from __future__ import annotations

import math

import pytest
import torch

from nasiam_dsl.search.objectives import RankObjective, effective_rank, spectral_entropy


def test_isotropic_embeddings_use_every_direction():
    torch.manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(64, 64))
    z = q[:, :8] * math.sqrt(64)  # 8 orthogonal columns of equal energy, centred enough
    z = z - z.mean(0)
    assert effective_rank(z) == pytest.approx(8.0, rel=0.05)


def test_embeddings_on_one_line_have_rank_one():
    z = torch.randn(32, 1) * torch.tensor([[1.0, 2.0, -3.0, 0.5]])
    assert effective_rank(z) == pytest.approx(1.0, abs=1e-3)


def test_the_objective_rewards_spread_and_has_a_gradient():
    torch.manual_seed(0)
    objective = RankObjective(weight=2.0)
    spread = torch.randn(128, 16)
    narrow = torch.randn(128, 1) @ torch.randn(1, 16) + 0.01 * torch.randn(128, 16)
    assert objective(spread) < objective(narrow) <= 0
    assert objective(spread) >= -2.0  # the entropy is normalised to [0, 1]
    z = narrow.clone().requires_grad_(True)
    objective(z).backward()
    assert torch.isfinite(z.grad).all() and z.grad.abs().sum() > 0


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        spectral_entropy(torch.randn(1, 4))
    with pytest.raises(ValueError):
        RankObjective(-1.0)
