"""Dataset registry: names, metadata, ImageFolder trees, CIFAR paths and their errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torchvision.datasets as tvd
from PIL import Image

from nasiam_dsl.data import DatasetError, dataset_info, get_dataset, list_datasets, pretrain_split


def _write_tree(root: Path, classes: dict[str, int], size: int = 12) -> None:
    rng = np.random.default_rng(0)
    for name, count in classes.items():
        (root / name).mkdir(parents=True)
        for i in range(count):
            pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")


def test_registry_lists_the_builtin_datasets() -> None:
    builtin = {"embedded", "cifar10", "cifar100", "imagefolder", "imagenet", "stl10", "stl10-64"}
    assert builtin | {"fashion-mnist", "fashion-mnist-rgb"} <= set(list_datasets())


def test_default_dataset_is_the_embedded_one() -> None:
    assert len(get_dataset()) == 4000
    assert dataset_info().name == "embedded"


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(DatasetError, match=r"unknown dataset 'cifar-10'; did you mean 'cifar10'"):
        get_dataset("cifar-10")
    with pytest.raises(DatasetError, match="known: cifar10, cifar100, embedded"):
        dataset_info("zzz")


def test_unknown_split_is_rejected() -> None:
    with pytest.raises(DatasetError, match="'valid'"):
        get_dataset("embedded", split="valid")


CIFAR10 = ((0.4914, 0.4822, 0.4465), (0.247, 0.2435, 0.2616))
CIFAR100 = ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762))
IMAGENET = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
FASHION = ((0.2854,), (0.3384,))
STL10 = ((0.4467, 0.4398, 0.4066), (0.2603, 0.2566, 0.2713))


@pytest.mark.parametrize(
    ("name", "shape", "norm", "pretraining"),
    [
        ("cifar10", (10, 3, 32), CIFAR10, "train"),
        ("cifar100", (100, 3, 32), CIFAR100, "train"),
        ("imagenet", (1000, 3, 224), IMAGENET, "train"),
        ("fashion-mnist", (10, 1, 32), FASHION, "train"),
        ("fashion-mnist-rgb", (10, 3, 32), (FASHION[0] * 3, FASHION[1] * 3), "train"),
        ("stl10", (10, 3, 96), STL10, "train+unlabeled"),
        ("stl10-64", (10, 3, 64), STL10, "train+unlabeled"),
    ],
)
def test_metadata_and_pretraining_split(name, shape, norm, pretraining) -> None:
    """Classes, channels, image size, normalisation and the split pretraining reads."""
    info = dataset_info(name)
    assert (info.num_classes, info.channels, info.image_size) == shape
    assert (info.mean, info.std) == norm
    assert pretrain_split(name) == pretraining


def test_cifar_without_files_names_the_expected_folder(tmp_path) -> None:
    with pytest.raises(DatasetError, match=r"cifar-10-batches-py.*download=True"):
        get_dataset("cifar10", root=tmp_path)
    with pytest.raises(DatasetError, match="cifar-100-python"):
        get_dataset("cifar100", root=tmp_path, split="test")
    with pytest.raises(DatasetError, match="root directory is required"):
        get_dataset("cifar10")


def test_cifar_download_is_forwarded_to_torchvision(tmp_path, monkeypatch) -> None:
    calls = []

    class FakeCIFAR10:
        def __init__(self, root, train, transform, download):
            calls.append((root, train, transform, download))
            self.targets = [0, 1]

    monkeypatch.setattr(tvd, "CIFAR10", FakeCIFAR10)
    ds = get_dataset("cifar10", root=tmp_path, split="test", download=True)
    assert isinstance(ds, FakeCIFAR10)
    assert calls == [(str(tmp_path), False, None, True)]


def test_corrupt_cifar_files_raise_dataset_error(tmp_path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    (folder / "data_batch_1").write_bytes(b"garbage")
    with pytest.raises(
        DatasetError, match=r"cifar-10-batches-py: cifar10 files missing or corrupt"
    ):
        get_dataset("cifar10", root=tmp_path)


def test_imagefolder_with_splits(tmp_path) -> None:
    _write_tree(tmp_path / "train", {"cat": 3, "dog": 2})
    _write_tree(tmp_path / "val", {"cat": 1, "dog": 1})
    train = get_dataset("imagefolder", root=tmp_path, split="train")
    test = get_dataset("imagefolder", root=tmp_path, split="test")  # falls back to val/
    assert (len(train), len(test)) == (5, 2)
    assert sorted(train.targets) == [0, 0, 0, 1, 1]
    image, label = train[0]
    assert image.size == (12, 12) and label == 0
    info = dataset_info("imagefolder", root=tmp_path)
    assert (info.num_classes, info.channels, info.image_size) == (2, 3, 224)


def test_bare_imagefolder_is_a_training_set_only(tmp_path) -> None:
    _write_tree(tmp_path, {"a": 2, "b": 2, "c": 1})
    assert len(get_dataset("imagefolder", root=tmp_path)) == 5
    assert dataset_info("imagefolder", root=tmp_path).num_classes == 3
    with pytest.raises(DatasetError, match=r"no 'test' split"):
        get_dataset("imagefolder", root=tmp_path, split="test")


def test_imagefolder_errors_name_the_path(tmp_path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(DatasetError, match=r"nowhere: directory not found"):
        get_dataset("imagefolder", root=missing)
    (tmp_path / "empty" / "train" / "cat").mkdir(parents=True)
    (tmp_path / "empty" / "train" / "cat" / "notes.txt").write_text("no image here")
    with pytest.raises(DatasetError, match=r"train: no images found.*\.png"):
        get_dataset("imagefolder", root=tmp_path / "empty")
    with pytest.raises(DatasetError, match="root directory is required"):
        get_dataset("imagenet")


def test_a_cifar_download_without_network_is_a_dataset_error(tmp_path, monkeypatch) -> None:
    import urllib.error
    import urllib.request

    from nasiam_dsl.data import DatasetError, get_dataset

    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DatasetError, match="cannot download into"):
        get_dataset("cifar10", root=tmp_path, split="train", download=True)
