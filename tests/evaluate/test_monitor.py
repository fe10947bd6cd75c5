"""The kNN monitor on the shipped dataset: accuracy, and RankMe only with a large enough bank."""

from __future__ import annotations

import torch
from torch import nn

from nasiam_dsl.data import dataset_info
from nasiam_dsl.evaluate import KnnMonitor, features_of, knn_of


def test_reads_knn_and_rankme_and_restores_the_mode() -> None:
    info = dataset_info("embedded")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(info.channels * info.image_size**2, 4))
    model.train()
    monitor = KnnMonitor("embedded", None, info, k=20, seed=0, max_bank=200)
    reading = monitor.read(model, model, torch.device("cpu"))
    assert model.training
    assert reading is not None and 0.0 <= reading["knn"] <= 1.0
    assert reading["knn_chance"] == 1 / info.num_classes  # what a guess scores
    assert reading["rankme_images"] == 200.0 and 1.0 <= reading["rankme"] <= 4.0
    bank, test = monitor.splits()
    assert len(bank) == 200
    features = features_of(model.eval(), bank, test, "cpu")
    assert knn_of(features, 20, info.num_classes) == reading["knn"]


def test_no_rankme_for_a_small_bank_and_none_without_splits() -> None:
    info = dataset_info("embedded")
    model = nn.Sequential(nn.Flatten(), nn.Linear(info.channels * info.image_size**2, 64))
    reading = KnnMonitor("embedded", None, info, k=5, seed=0, max_bank=100).read(
        model, model, torch.device("cpu")
    )
    assert reading is not None and set(reading) == {"knn", "knn_chance"}
    missing = KnnMonitor("cifar10", "/nonexistent", info, k=5, seed=0)
    assert missing.read(model, model, torch.device("cpu")) is None
