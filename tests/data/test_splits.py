"""Stratified, seeded weight/architecture split (seed bug E6)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nasiam_dsl.data import dataset_labels, get_dataset, split_dataset, split_indices


def test_split_is_a_partition_with_every_class_halved() -> None:
    labels = np.repeat(np.arange(10), 40)
    a, b = split_indices(labels, 0.5, seed=3)
    assert len(np.intersect1d(a, b)) == 0
    assert np.array_equal(np.sort(np.concatenate([a, b])), np.arange(400))
    assert np.bincount(labels[a]).tolist() == [20] * 10
    assert np.bincount(labels[b]).tolist() == [20] * 10


def test_split_is_random_not_by_class_or_position() -> None:
    labels = np.tile(np.arange(4), 50)
    a, _ = split_indices(labels, 0.5, seed=0)
    assert not np.array_equal(a, np.arange(100))  # not the first half
    assert len(np.unique(labels[a])) == 4  # every class on both sides


def test_seed_fixes_the_split_and_changes_it() -> None:
    labels = torch.randint(0, 5, (300,), generator=torch.Generator().manual_seed(0))
    a1, b1 = split_indices(labels, 0.5, seed=7)
    a2, b2 = split_indices(labels, 0.5, seed=7)
    a3, _ = split_indices(labels, 0.5, seed=8)
    assert np.array_equal(a1, a2) and np.array_equal(b1, b2)
    assert not np.array_equal(a1, a3)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(1, 30), min_size=1, max_size=8),
    portion=st.floats(0.05, 0.95),
    seed=st.integers(0, 2**31),
)
def test_uneven_classes_keep_proportions(counts: list[int], portion: float, seed: int) -> None:
    labels = np.repeat(np.arange(len(counts)), counts)
    a, b = split_indices(labels, portion, seed)
    assert len(a) + len(b) == len(labels) and len(np.intersect1d(a, b)) == 0
    assert len(a) == round(portion * len(labels))
    per_class = np.bincount(labels[a], minlength=len(counts))
    for c, n in enumerate(counts):
        assert np.floor(portion * n) <= per_class[c] <= np.ceil(portion * n)


def test_portion_must_be_a_proper_fraction() -> None:
    with pytest.raises(ValueError, match="portion"):
        split_indices([0, 1], 1.0, 0)


def test_split_dataset_reads_targets() -> None:
    weights, arch = split_dataset(get_dataset("embedded"), 0.5, seed=0)
    assert len(weights) == len(arch) == 2000
    assert np.bincount(dataset_labels(weights)).tolist() == [200] * 10
    assert weights[5][1] == dataset_labels(weights)[5]  # Subset labels line up with items
