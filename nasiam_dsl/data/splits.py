"""Class-balanced random split of a training set into weight and architecture halves.

DARTS trains network weights on one part and architecture weights on the other. Both parts
must see every class in the same proportion (NASiam's ImageNet search split by class, so
each half saw different classes), and the split must be repeatable from a seed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch.utils.data import Dataset, Subset


def split_indices(
    labels: Sequence[int] | np.ndarray | torch.Tensor, portion: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Stratified random split: ``idx_a`` holds ``portion`` of each class, ``idx_b`` the rest.

    A class of size n gives ``floor`` or ``ceil`` of ``portion·n`` samples to ``idx_a``, chosen
    so that ``len(idx_a) == round(portion·N)``. Both index
    arrays are sorted (stable data order under a later shuffle), disjoint and cover all samples.
    """
    if not 0.0 < portion < 1.0:
        raise ValueError(f"portion must be in (0, 1), got {portion}")
    y = np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels).reshape(-1)
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    exact = {c: portion * int(np.sum(y == c)) for c in classes}
    counts = {c: int(np.floor(v)) for c, v in exact.items()}
    # Hand out the remaining samples to the classes with the largest fractional parts,
    # in random order among ties, so the total is round(portion * N).
    missing = round(portion * len(y)) - sum(counts.values())
    order = sorted(classes, key=lambda c: (-(exact[c] - counts[c]), rng.random()))
    for c in order[: max(missing, 0)]:
        counts[c] += 1
    part_a = []
    for c in classes:
        members = rng.permutation(np.flatnonzero(y == c))
        part_a.append(members[: counts[c]])
    idx_a = np.sort(np.concatenate(part_a)) if part_a else np.array([], dtype=np.int64)
    mask = np.ones(len(y), dtype=bool)
    mask[idx_a] = False
    return idx_a.astype(np.int64), np.flatnonzero(mask).astype(np.int64)


def dataset_labels(dataset: Dataset) -> np.ndarray:
    """Integer labels of every item, read from ``targets`` (through ``Subset`` wrappers)."""
    if isinstance(dataset, Subset):
        return dataset_labels(dataset.dataset)[np.asarray(dataset.indices)]
    targets = getattr(dataset, "targets", None)
    if targets is None:
        raise TypeError(f"{type(dataset).__name__} has no 'targets'; cannot stratify")
    if isinstance(targets, torch.Tensor):
        return targets.cpu().numpy().astype(np.int64)
    return np.asarray(targets, dtype=np.int64)


def split_dataset(dataset: Dataset, portion: float = 0.5, seed: int = 0) -> tuple[Subset, Subset]:
    """``split_indices`` applied to a dataset's labels, returned as two ``Subset``s."""
    idx_a, idx_b = split_indices(dataset_labels(dataset), portion, seed)
    return Subset(dataset, idx_a.tolist()), Subset(dataset, idx_b.tolist())
