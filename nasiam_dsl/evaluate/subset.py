"""A class-balanced, seeded subset of a labelled dataset (`--limit`, kNN banks, `max_train`)."""

from __future__ import annotations

from typing import Any

from torch.utils.data import Subset


def limited(dataset: Any, n: int, seed: int) -> Subset:
    """`n` images of `dataset`, drawn per class with `seed`; keeps `targets` for later splits."""
    from nasiam_dsl.data import dataset_labels, split_indices

    labels = dataset_labels(dataset)
    keep, _ = split_indices(labels, n / len(labels), seed)
    subset = Subset(dataset, list(keep))
    subset.targets = [int(labels[i]) for i in keep]  # type: ignore[attr-defined]
    return subset
