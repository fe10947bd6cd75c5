"""Weighted kNN monitor (InstDisc / MoCo-demo style), the label-cheap quality signal.

Features are L2-normalised; each test feature votes with its top-k cosine neighbours in the
training bank, neighbour j weighing ``exp(s_j / t)`` for its label (ssl-frameworks §7.1).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def knn_predict(
    train_feats: Tensor,
    train_labels: Tensor,
    test_feats: Tensor,
    num_classes: int,
    k: int = 200,
    t: float = 0.1,
    chunk_size: int = 1024,
) -> Tensor:
    """Predicted labels for ``test_feats`` (M×d) from the bank ``train_feats`` (N×d).

    Test features are processed ``chunk_size`` at a time, so memory is O(chunk·N), not O(M·N).
    ``k`` is capped at N. Ties between class scores go to the lowest class index.
    """
    if train_feats.ndim != 2 or test_feats.ndim != 2 or train_feats.shape[1] != test_feats.shape[1]:
        raise ValueError(
            f"need N×d and M×d features, got {tuple(train_feats.shape)}, {tuple(test_feats.shape)}"
        )
    if len(train_feats) != len(train_labels) or len(train_feats) == 0:
        raise ValueError("train_feats and train_labels must be non-empty and of equal length")
    device = train_feats.device
    bank = F.normalize(train_feats.float(), dim=1)
    labels = train_labels.to(device).long()
    k = min(k, len(bank))
    preds = []
    for start in range(0, len(test_feats), chunk_size):
        query = F.normalize(test_feats[start : start + chunk_size].to(device).float(), dim=1)
        sim, idx = (query @ bank.T).topk(k, dim=1)
        weights = (sim / t).exp()
        scores = torch.zeros(len(query), num_classes, device=device)
        scores.scatter_add_(1, labels[idx], weights)
        preds.append(scores.argmax(1))
    if not preds:
        return torch.empty(0, dtype=torch.long, device=device)
    return torch.cat(preds)


def knn_accuracy(
    train_feats: Tensor,
    train_labels: Tensor,
    test_feats: Tensor,
    test_labels: Tensor,
    k: int = 200,
    t: float = 0.1,
    num_classes: int | None = None,
    chunk_size: int = 1024,
) -> float:
    """Top-1 accuracy in [0, 1] of the weighted kNN classifier (``num_classes`` defaults to
    1 + the largest label seen)."""
    if len(test_feats) != len(test_labels):
        raise ValueError("test_feats and test_labels must have equal length")
    if len(test_labels) == 0:
        raise ValueError("no test samples")
    if num_classes is None:
        num_classes = int(max(train_labels.max(), test_labels.max())) + 1
    preds = knn_predict(train_feats, train_labels, test_feats, num_classes, k, t, chunk_size)
    return (preds.cpu() == test_labels.cpu().long()).float().mean().item()
