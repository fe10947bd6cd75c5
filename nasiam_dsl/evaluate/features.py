"""Run a frozen embedding function over a loader and collect features with their labels."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor


@torch.no_grad()
def extract_features(
    embed_fn: Callable[[Tensor], Tensor],
    loader: Iterable[Any],
    device: str | torch.device = "cpu",
    preprocess: Callable[[Tensor], Tensor] | None = None,
) -> tuple[Tensor, Tensor]:
    """Features (N×d float32, on CPU) and labels (N, int64) of every ``(x, y)`` batch.

    ``x`` moves to ``device`` before ``preprocess`` (e.g. ``normalize_batch`` for uint8
    batches) and ``embed_fn``; callers put the model in eval mode, since BatchNorm
    statistics are theirs to decide. Features land on the CPU so a full bank never has
    to fit next to the model.
    """
    feats, labels = [], []
    for x, y in loader:
        x = x.to(device, non_blocking=True)
        if preprocess is not None:
            x = preprocess(x)
        f = embed_fn(x)
        feats.append(f.detach().flatten(1).float().cpu())
        labels.append(torch.as_tensor(y).long().cpu())
    if not feats:
        raise ValueError("loader yielded no batches")
    return torch.cat(feats), torch.cat(labels)
