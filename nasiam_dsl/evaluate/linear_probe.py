"""Offline linear probe on frozen features: the standard linear-evaluation number, cheaply.

Features are standardised with training statistics and a single ``Linear`` layer is trained
with mini-batch Adam and a cosine schedule — seconds on CPU for a few thousand samples, and
deterministic given the seed.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def linear_probe(
    train_feats: Tensor,
    train_labels: Tensor,
    test_feats: Tensor,
    test_labels: Tensor,
    epochs: int = 100,
    lr: float = 1e-2,
    weight_decay: float = 1e-4,
    batch_size: int = 256,
    num_classes: int | None = None,
    seed: int = 0,
) -> float:
    """Top-1 test accuracy in [0, 1] of a linear classifier trained on frozen features.

    Runs on the device of ``train_feats``; the classifier's init and batch order come from a
    private generator seeded with ``seed`` (global RNG untouched).
    """
    if train_feats.ndim != 2 or test_feats.ndim != 2:
        raise ValueError("features must be N×d matrices")
    if len(train_feats) != len(train_labels) or len(test_feats) != len(test_labels):
        raise ValueError("features and labels must have equal lengths")
    if len(train_feats) == 0 or len(test_feats) == 0:
        raise ValueError("need at least one training and one test sample")
    device = train_feats.device
    x_train = train_feats.detach().float()
    mean, std = x_train.mean(0), x_train.std(0, unbiased=False).clamp_min(1e-6)
    x_train = (x_train - mean) / std
    x_test = (test_feats.detach().to(device).float() - mean) / std
    y_train = train_labels.to(device).long()
    if num_classes is None:
        num_classes = int(max(train_labels.max(), test_labels.max())) + 1

    generator = torch.Generator().manual_seed(seed)
    bound = 1 / math.sqrt(x_train.shape[1])  # nn.Linear's default init, from our generator
    weight = torch.empty(num_classes, x_train.shape[1]).uniform_(-bound, bound, generator=generator)
    head = nn.Linear(x_train.shape[1], num_classes, device="meta")
    head.weight = nn.Parameter(weight.to(device))
    head.bias = nn.Parameter(torch.zeros(num_classes, device=device))
    optimiser = torch.optim.Adam(head.parameters(), lr=lr, weight_decay=weight_decay)
    steps_per_epoch = math.ceil(len(x_train) / batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, epochs * steps_per_epoch)
    with torch.enable_grad():  # callers often evaluate under no_grad
        for _ in range(epochs):
            order = torch.randperm(len(x_train), generator=generator).to(device)
            for start in range(0, len(x_train), batch_size):
                batch = order[start : start + batch_size]
                loss = F.cross_entropy(head(x_train[batch]), y_train[batch])
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                schedule.step()
    with torch.no_grad():
        preds = head(x_test).argmax(1).cpu()
    return (preds == test_labels.cpu().long()).float().mean().item()
