"""The kNN monitor: backbone features of un-augmented images, a training-split bank and the
test split as queries (k=200, weights exp(sim/0.1), as the MoCo/SimSiam CIFAR monitors).

`KnnMonitor.read` is what a run logs each monitored epoch: the kNN accuracy, and the RankMe
of the bank's features when the bank holds at least 4 images per feature dimension (fewer
caps the rank and biases it). `nasiam eval` computes its kNN number through `knn_of`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from nasiam_dsl.evaluate.collapse import rankme
from nasiam_dsl.evaluate.features import extract_features
from nasiam_dsl.evaluate.knn import knn_accuracy
from nasiam_dsl.evaluate.subset import limited
from nasiam_dsl.usage import UsageProblem

TEMPERATURE = 0.1
#: RankMe is logged when the bank holds this many images per feature dimension
RANKME_IMAGES_PER_DIM = 4


class NonFiniteFeatures(UsageProblem):
    """The backbone's features of some image are NaN or infinite: its weights diverged."""

    def __init__(self) -> None:
        super().__init__(
            "the backbone's features are not finite (NaN or inf): its weights diverged",
            "lower the learning rate (--lr / --arch-lr) or check the data",
        )


@dataclass(frozen=True)
class Features:
    """Bank and query features (CPU, float32) with their labels."""

    bank: Tensor
    bank_labels: Tensor
    test: Tensor
    test_labels: Tensor


def features_of(
    embed: Callable[[Tensor], Tensor], bank: Any, test: Any, device: str | torch.device
) -> Features:
    """The features of every bank and test image (the caller sets the model's mode);
    `NonFiniteFeatures` when any is NaN or infinite."""
    from nasiam_dsl.data import make_loader

    bank_f, bank_y = extract_features(embed, make_loader(bank, 256, shuffle=False), device)
    test_f, test_y = extract_features(embed, make_loader(test, 256, shuffle=False), device)
    if not (torch.isfinite(bank_f).all() and torch.isfinite(test_f).all()):
        raise NonFiniteFeatures()
    return Features(bank_f, bank_y, test_f, test_y)


def knn_of(features: Features, k: int, num_classes: int) -> float:
    """Top-1 accuracy of the weighted kNN vote; `k` is capped by the bank's size."""
    k = min(k, len(features.bank_labels))
    f = features
    return float(
        knn_accuracy(
            f.bank,
            f.bank_labels,
            f.test,
            f.test_labels,
            k=k,
            t=TEMPERATURE,
            num_classes=num_classes,
        )
    )


class KnnMonitor:
    """kNN accuracy (and RankMe of the bank) of a dataset's images through a model."""

    def __init__(
        self,
        dataset: str,
        data_dir: str | None,
        info: Any,
        *,
        k: int,
        seed: int,
        max_bank: int = 5000,
    ) -> None:
        self.dataset, self.data_dir, self.info = dataset, data_dir, info
        self.k, self.seed, self.max_bank = k, seed, max_bank

    def splits(self) -> tuple[Any, Any] | None:
        """The bank (training split, at most `max_bank` images) and the test split; None
        when the dataset has no labelled splits to read."""
        from nasiam_dsl.data import eval_transform, get_dataset

        transform = eval_transform(self.info)
        try:
            bank = get_dataset(self.dataset, self.data_dir, "train", transform)
            test = get_dataset(self.dataset, self.data_dir, "test", transform)
        except Exception:  # a dataset without labelled splits has no monitor
            return None
        if len(bank) > self.max_bank:
            bank = limited(bank, self.max_bank, self.seed)
        return bank, test

    def read(
        self, model: nn.Module, embed: Callable[[Tensor], Tensor], device: torch.device
    ) -> dict[str, float] | None:
        """`knn` (and `knn_chance`, 1 / classes), and `rankme` / `rankme_images` when the
        bank is large enough; `model` runs in eval mode meanwhile and is put back after."""
        splits = self.splits()
        if splits is None:
            return None
        was = model.training
        model.eval()
        try:
            features = features_of(embed, *splits, device)
        finally:
            model.train(was)
        classes = self.info.num_classes
        reading = {"knn": knn_of(features, self.k, classes), "knn_chance": 1.0 / classes}
        bank = features.bank
        if bank.shape[0] >= RANKME_IMAGES_PER_DIM * bank.shape[1]:
            reading["rankme"] = rankme(bank.float())
            reading["rankme_images"] = float(bank.shape[0])
        return reading
