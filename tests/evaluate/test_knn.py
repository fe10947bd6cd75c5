"""Weighted kNN monitor: separable data, hand-computed votes, chunking, validation."""

from __future__ import annotations

import math

import pytest
import torch

from nasiam_dsl.evaluate import knn_accuracy, knn_predict


def clusters(n_per_class: int, num_classes: int, dim: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    centres = torch.eye(dim)[:num_classes] * 10
    labels = torch.arange(num_classes).repeat_interleave(n_per_class)
    feats = centres[labels] + torch.randn(len(labels), dim, generator=g)
    return feats, labels


def test_separable_clusters_give_full_accuracy() -> None:
    train, y_train = clusters(30, 5, 16, seed=0)
    test, y_test = clusters(10, 5, 16, seed=1)
    assert knn_accuracy(train, y_train, test, y_test, k=20, t=0.1, num_classes=5) == 1.0


def test_votes_are_weighted_by_exp_similarity_over_t() -> None:
    """One query, three neighbours: two weak votes for class 0, one strong for class 1.

    Cosine similarities to the query are 0.6, 0.6 (class 0) and 1.0 (class 1). With t = 0.1
    the scores are 2·e^6 ≈ 807 vs e^10 ≈ 22026, so class 1 wins; with t = 10 they are
    2·e^0.06 ≈ 2.12 vs e^0.1 ≈ 1.11, so class 0 wins.
    """
    bank = torch.tensor([[0.6, 0.8], [0.6, -0.8], [1.0, 0.0], [-1.0, 0.0]])
    labels = torch.tensor([0, 0, 1, 2])
    query = torch.tensor([[3.0, 0.0]])  # un-normalised on purpose
    assert 2 * math.exp(0.6 / 0.1) < math.exp(1.0 / 0.1)
    assert knn_predict(bank, labels, query, 3, k=3, t=0.1).tolist() == [1]
    assert 2 * math.exp(0.6 / 10) > math.exp(1.0 / 10)
    assert knn_predict(bank, labels, query, 3, k=3, t=10.0).tolist() == [0]
    assert knn_predict(bank, labels, query, 3, k=1, t=10.0).tolist() == [1]  # nearest only


def test_k_larger_than_the_bank_is_capped() -> None:
    bank, labels = torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
    assert knn_accuracy(bank, labels, bank, labels, k=200) == 1.0


def test_chunking_does_not_change_predictions() -> None:
    train, y_train = clusters(20, 4, 8, seed=2)
    test = torch.randn(37, 8, generator=torch.Generator().manual_seed(3))
    whole = knn_predict(train, y_train, test, 4, k=15, t=0.2, chunk_size=1000)
    assert torch.equal(whole, knn_predict(train, y_train, test, 4, k=15, t=0.2, chunk_size=5))


def test_half_wrong_labels_give_half_accuracy() -> None:
    train, y_train = clusters(10, 2, 4, seed=0)
    test, y_test = clusters(5, 2, 4, seed=1)
    y_test[:5] = 1  # the first five test points truly look like class 0
    assert knn_accuracy(train, y_train, test, y_test, k=5) == 0.5


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="N×d"):
        knn_accuracy(torch.zeros(4, 3), torch.zeros(4), torch.zeros(2, 5), torch.zeros(2))
    with pytest.raises(ValueError, match="equal length"):
        knn_accuracy(torch.zeros(4, 3), torch.zeros(3), torch.zeros(2, 3), torch.zeros(2))
