"""Label-free terms the architecture step can add to the held-out SSL loss.

The held-out SSL loss alone can prefer a head that makes the loss easy rather than one that
makes the backbone learn: a SimSiam head that collapses its outputs drives the loss to -1. A
term that rewards spread-out embeddings counters that preference without labels.

* ``effective_rank(z)`` — Roy & Vetterli's effective rank of the centred embeddings:
  ``exp(H(p))`` with ``p = sigma / sum(sigma)`` over the singular values ``sigma`` of the centred
  ``(N, d)`` matrix; in ``[1, min(N, d)]``, ``min(N, d)`` when every direction carries the same
  energy, 1 when the embeddings lie on one line. RankMe (Garrido et al., 2023) is the same
  quantity on uncentred embeddings, used as a label-free predictor of downstream accuracy.
* ``RankObjective(weight)`` — ``-weight * H(p) / log(min(N, d))``: the entropy normalised to
  ``[0, 1]``, so ``weight`` reads the same at any batch size and width. Differentiable (through
  ``torch.linalg.svdvals``); computed in fp32.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["RankObjective", "effective_rank", "spectral_entropy"]

EPS = 1e-7


def spectral_entropy(z: Tensor) -> Tensor:
    """Entropy of the normalised singular values of the centred ``(N, d)`` matrix ``z``."""
    if z.dim() != 2 or z.shape[0] < 2:
        raise ValueError(f"need an (N >= 2, d) matrix of embeddings, got {tuple(z.shape)}")
    centred = z.float() - z.float().mean(dim=0, keepdim=True)
    sigma = torch.linalg.svdvals(centred)
    p = sigma / (sigma.sum() + EPS) + EPS
    return -(p * p.log()).sum()


def effective_rank(z: Tensor) -> float:
    """``exp`` of the spectral entropy: how many directions the embeddings really use."""
    with torch.no_grad():
        return float(spectral_entropy(z).exp())


class RankObjective:
    """``-weight * spectral_entropy(z) / log(min(N, d))``, added to the architecture loss."""

    def __init__(self, weight: float) -> None:
        if weight < 0:
            raise ValueError(f"weight must be non-negative, got {weight}")
        self.weight = float(weight)

    def __call__(self, z: Tensor) -> Tensor:
        most = min(z.shape)
        if most < 2:
            return z.new_zeros(())
        return -self.weight * spectral_entropy(z) / math.log(most)

    def __repr__(self) -> str:
        return f"RankObjective(weight={self.weight})"
