"""Offline linear probe: separable data, determinism, chance on noise."""

from __future__ import annotations

import torch

from nasiam_dsl.evaluate import linear_probe


def blobs(n: int, seed: int, dim: int = 20, classes: int = 4):
    g = torch.Generator().manual_seed(seed)
    directions = torch.randn(classes, dim, generator=torch.Generator().manual_seed(99))
    labels = torch.randint(0, classes, (n,), generator=g)
    # Large offset and scale on purpose: the probe standardises features itself.
    feats = 50 + 30 * (3 * directions[labels] + torch.randn(n, dim, generator=g))
    return feats, labels


def test_linearly_separable_features_are_classified() -> None:
    x_train, y_train = blobs(400, seed=0)
    x_test, y_test = blobs(200, seed=1)
    assert linear_probe(x_train, y_train, x_test, y_test, epochs=20, lr=0.05) >= 0.99


def test_seeded_and_leaves_the_global_rng_alone() -> None:
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 3, (300,), generator=g)
    feats = torch.eye(3)[labels] + 0.7 * torch.randn(300, 3, generator=g)  # overlapping
    x_train, y_train, x_test, y_test = feats[:200], labels[:200], feats[200:], labels[200:]
    before = torch.get_rng_state()
    a = linear_probe(x_train, y_train, x_test, y_test, epochs=30, batch_size=32, seed=3)
    b = linear_probe(x_train, y_train, x_test, y_test, epochs=30, batch_size=32, seed=3)
    assert torch.equal(torch.get_rng_state(), before)
    assert a == b and 0.7 < a < 0.9  # near the Bayes rate of these overlapping classes


def test_random_labels_stay_near_chance() -> None:
    g = torch.Generator().manual_seed(0)
    x_train, x_test = torch.randn(300, 10, generator=g), torch.randn(300, 10, generator=g)
    y_train, y_test = (
        torch.randint(0, 2, (300,), generator=g),
        torch.randint(0, 2, (300,), generator=g),
    )
    assert 0.35 < linear_probe(x_train, y_train, x_test, y_test, epochs=10) < 0.65


def test_works_under_no_grad() -> None:
    x_train, y_train = blobs(100, seed=0)
    with torch.no_grad():
        assert linear_probe(x_train, y_train, x_train, y_train, epochs=10, lr=0.05) >= 0.99
