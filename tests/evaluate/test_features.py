"""Feature extraction from a loader, end to end with the embedded data and the kNN monitor."""

from __future__ import annotations

import torch

from nasiam_dsl.data import dataset_info, get_dataset, make_loader, normalize_batch, uint8_transform
from nasiam_dsl.evaluate import extract_features, knn_accuracy


def test_features_and_labels_follow_loader_order() -> None:
    batches = [(torch.ones(2, 3) * i, torch.tensor([i, i + 1])) for i in range(3)]
    feats, labels = extract_features(lambda x: x * 2, batches)
    assert feats.shape == (6, 3) and feats[4, 0] == 4.0
    assert labels.tolist() == [0, 1, 1, 2, 2, 3]


def test_preprocess_and_flattening() -> None:
    batches = [(torch.full((2, 1, 2, 2), 255, dtype=torch.uint8), torch.tensor([0, 1]))]
    feats, _ = extract_features(lambda x: x, batches, preprocess=lambda x: x.float() / 255)
    assert feats.shape == (2, 4) and torch.all(feats == 1.0)


def test_raw_pixels_of_the_embedded_digits_beat_chance_by_far() -> None:
    """The kNN monitor on raw normalised pixels: far above 10% chance (a sanity floor for
    any learned encoder on the shipped data)."""
    info = dataset_info("embedded")
    train = get_dataset("embedded", split="train", transform=uint8_transform())
    test = get_dataset("embedded", split="test", transform=uint8_transform())
    pre = lambda x: normalize_batch(x, info.mean, info.std)  # noqa: E731
    bank = extract_features(
        torch.nn.Flatten(), make_loader(train, 500, shuffle=False), preprocess=pre
    )
    queries = extract_features(
        torch.nn.Flatten(), make_loader(test, 500, shuffle=False), preprocess=pre
    )
    accuracy = knn_accuracy(*bank, *queries, k=20, t=0.1, num_classes=info.num_classes)
    assert accuracy > 0.85
