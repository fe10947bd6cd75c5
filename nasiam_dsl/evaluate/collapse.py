"""Collapse metrics of an embedding batch: label-free signs that a siamese net is failing."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def std_of_l2_normalized(z: Tensor) -> float:
    """Mean per-dimension std of the L2-normalised outputs (SimSiam paper §4.1).

    ≈ 1/√d for isotropic outputs, 0 when every output is the same vector (collapse).
    """
    if z.ndim != 2 or len(z) < 2:
        raise ValueError(f"need an N×d batch with N >= 2, got {tuple(z.shape)}")
    return F.normalize(z.detach().float(), dim=1).std(dim=0).mean().item()


def rankme(z: Tensor, eps: float = 1e-7) -> float:
    """RankMe (Garrido et al. 2023): exp of the entropy of the normalised singular values.

    ``σ = svdvals(Z)`` of the raw (uncentred) N×d matrix, ``p = σ/Σσ + eps``,
    ``exp(-Σ p log p)``; ranges over [1, min(N, d)]. Computed in float64 on the CPU, where
    the SVD is numerically safest. Reliable with N ≥ 4·d samples.
    """
    if z.ndim != 2 or z.numel() == 0:
        raise ValueError(f"need a non-empty N×d matrix, got {tuple(z.shape)}")
    sigma = torch.linalg.svdvals(z.detach().to("cpu", torch.float64))
    total = sigma.sum()
    if total == 0:
        return 1.0  # the zero matrix: fully collapsed
    p = sigma / total + eps
    return torch.exp(-(p * p.log()).sum()).item()
