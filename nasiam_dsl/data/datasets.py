"""Dataset registry: one name → one loader and its metadata, instead of per-dataset if-chains.

``get_dataset("embedded")`` works offline on any machine; CIFAR and STL-10 need the
torchvision files under ``root`` (or ``download=True``); Fashion-MNIST is also found where
Debian's ``dataset-fashion-mnist`` installs it; ``imagefolder`` reads any ``class/image``
tree, which covers ImageNet (``root/train``, ``root/val``) and users' own images.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch.utils.data import Dataset

from nasiam_dsl.data import fashion_mnist, stl10
from nasiam_dsl.data.embedded import EMBEDDED_PATH, EmbeddedDataset, embedded_info
from nasiam_dsl.data.errors import DatasetError
from nasiam_dsl.data.info import (
    CIFAR10_MEAN,
    CIFAR10_STD,
    CIFAR100_MEAN,
    CIFAR100_STD,
    IMAGENET_MEAN,
    IMAGENET_STD,
    DatasetInfo,
)

Transform = Callable[[Any], Any]
SPLITS = ("train", "test")


@dataclass(frozen=True)
class DatasetEntry:
    """How to build one named dataset and how to describe it.

    ``splits`` are the names ``load`` accepts; ``pretrain_split`` is the one self-supervised
    training reads (STL-10's labelled plus unlabelled images), ``train`` labels the kNN bank
    and the probe, ``test`` evaluates.
    """

    load: Callable[[Path | None, str, Transform | None, bool], Dataset]
    info: Callable[[Path | None], DatasetInfo]
    splits: tuple[str, ...] = SPLITS
    pretrain_split: str = "train"


_REGISTRY: dict[str, DatasetEntry] = {}


def register_dataset(name: str, entry: DatasetEntry) -> None:
    """Add a dataset under ``name``; re-registering a name is an error."""
    if name in _REGISTRY:
        raise ValueError(f"dataset {name!r} is already registered")
    _REGISTRY[name] = entry


def list_datasets() -> list[str]:
    """Registered dataset names, sorted."""
    return sorted(_REGISTRY)


def _entry(name: str) -> DatasetEntry:
    key = name.lower()
    if key not in _REGISTRY:
        close = difflib.get_close_matches(key, list(_REGISTRY), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise DatasetError(f"unknown dataset {name!r}{hint} (known: {', '.join(list_datasets())})")
    return _REGISTRY[key]


def get_dataset(
    name: str = "embedded",
    root: str | Path | None = None,
    split: str = "train",
    transform: Transform | None = None,
    download: bool = False,
) -> Dataset:
    """Build split ``split`` (``train``, ``test``, or another of the dataset's) of ``name``.

    Items are ``(image, label)`` with ``image = transform(PIL image)``. Every dataset has a
    ``targets`` sequence of int labels (what ``split_indices`` needs). A missing or corrupt
    dataset raises ``DatasetError`` naming the path and the expected layout.
    """
    entry = _entry(name)
    if split not in entry.splits:
        raise DatasetError(f"{name}: unknown split {split!r}, expected one of {entry.splits}")
    path = Path(root).expanduser() if root is not None else None
    return entry.load(path, split, transform, download)


def pretrain_split(name: str = "embedded") -> str:
    """The split that self-supervised pretraining of dataset ``name`` reads."""
    return _entry(name).pretrain_split


def dataset_info(name: str = "embedded", root: str | Path | None = None) -> DatasetInfo:
    """Class count, channels, training image size and normalisation of dataset ``name``."""
    path = Path(root).expanduser() if root is not None else None
    return _entry(name).info(path)


# --- embedded ---------------------------------------------------------------------------


def _embedded_path(root: Path | None) -> Path:
    """The shipped file by default; ``root`` may name another npz or a folder holding one."""
    if root is None:
        return EMBEDDED_PATH
    return root if root.suffix == ".npz" else root / EMBEDDED_PATH.name


def _load_embedded(root: Path | None, split: str, transform: Transform | None, _dl: bool):
    return EmbeddedDataset(split, transform, _embedded_path(root))


def _embedded_info(root: Path | None) -> DatasetInfo:
    return embedded_info(_embedded_path(root))


# --- CIFAR ------------------------------------------------------------------------------


def _cifar(cls_name: str, folder: str, name: str):
    def load(root: Path | None, split: str, transform: Transform | None, download: bool):
        import torchvision.datasets as tvd

        if root is None:
            raise DatasetError(f"{name}: a root directory is required (where {folder}/ lives)")
        if not download and not (root / folder).is_dir():
            raise DatasetError(
                f"{root}: {name} not found (expected {root / folder}/ as written by torchvision; "
                "pass download=True to fetch it)"
            )
        try:
            return getattr(tvd, cls_name)(
                str(root), train=split == "train", transform=transform, download=download
            )
        except RuntimeError as exc:  # torchvision's "Dataset not found or corrupted"
            raise DatasetError(f"{root / folder}: {name} files missing or corrupt ({exc})") from exc
        except (OSError, ValueError) as exc:  # a download without network (URLError is one)
            raise DatasetError(
                f"{name}: cannot download into {root} ({type(exc).__name__}: {exc}); "
                f"fetch it elsewhere and copy {folder}/ there, or check the network"
            ) from exc

    return load


def _fixed_info(info: DatasetInfo) -> Callable[[Path | None], DatasetInfo]:
    return lambda _root: info


# --- ImageFolder ------------------------------------------------------------------------


def _imagefolder_dir(root: Path | None, split: str) -> Path:
    if root is None:
        raise DatasetError("imagefolder: a root directory is required")
    if not root.is_dir():
        raise DatasetError(f"{root}: directory not found (expected an ImageFolder tree)")
    candidates = [root / split] + ([root / "val"] if split == "test" else [])
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    has_split_dirs = any((root / s).is_dir() for s in ("train", "val", "test"))
    if split == "train" and not has_split_dirs:
        return root  # a bare class/image tree serves as the training set
    expected = " or ".join(str(c) for c in candidates)
    raise DatasetError(f"{root}: no {split!r} split (expected {expected}/<class>/<image>)")


def _load_imagefolder(root: Path | None, split: str, transform: Transform | None, _dl: bool):
    import torchvision.datasets as tvd

    folder = _imagefolder_dir(root, split)
    try:
        return tvd.ImageFolder(str(folder), transform=transform)
    except (FileNotFoundError, RuntimeError) as exc:
        raise DatasetError(
            f"{folder}: no images found (expected <class>/<image> with extensions "
            f"{', '.join(tvd.folder.IMG_EXTENSIONS)}): {exc}"
        ) from exc


def _imagefolder_info(root: Path | None) -> DatasetInfo:
    folder = _imagefolder_dir(root, "train")
    classes = [p for p in folder.iterdir() if p.is_dir()]
    if not classes:
        raise DatasetError(f"{folder}: no class directories (expected <class>/<image>)")
    return DatasetInfo("imagefolder", len(classes), 3, 224, IMAGENET_MEAN, IMAGENET_STD, 256)


register_dataset("embedded", DatasetEntry(_load_embedded, _embedded_info))
register_dataset(
    "cifar10",
    DatasetEntry(
        _cifar("CIFAR10", "cifar-10-batches-py", "cifar10"),
        _fixed_info(DatasetInfo("cifar10", 10, 3, 32, CIFAR10_MEAN, CIFAR10_STD)),
    ),
)
register_dataset(
    "cifar100",
    DatasetEntry(
        _cifar("CIFAR100", "cifar-100-python", "cifar100"),
        _fixed_info(DatasetInfo("cifar100", 100, 3, 32, CIFAR100_MEAN, CIFAR100_STD)),
    ),
)
register_dataset("imagefolder", DatasetEntry(_load_imagefolder, _imagefolder_info))
register_dataset(
    "imagenet",
    DatasetEntry(
        _load_imagefolder,
        _fixed_info(DatasetInfo("imagenet", 1000, 3, 224, IMAGENET_MEAN, IMAGENET_STD, 256)),
    ),
)


# --- Fashion-MNIST and STL-10 -------------------------------------------------------------


def _fashion_mnist(name: str, channels: int) -> DatasetEntry:
    def load(root: Path | None, split: str, transform: Transform | None, download: bool):
        return fashion_mnist.load_fashion_mnist(root, split, transform, download, channels=channels)

    return DatasetEntry(load, _fixed_info(fashion_mnist.fashion_mnist_info(name, channels)))


def _stl10(name: str, image_size: int) -> DatasetEntry:
    def load(root: Path | None, split: str, transform: Transform | None, download: bool):
        return stl10.load_stl10(root, split, transform, download, image_size)

    return DatasetEntry(
        load,
        _fixed_info(stl10.stl10_info(name, image_size)),
        splits=stl10.SPLITS,
        pretrain_split=stl10.PRETRAIN_SPLIT,
    )


register_dataset("fashion-mnist", _fashion_mnist("fashion-mnist", channels=1))
register_dataset("fashion-mnist-rgb", _fashion_mnist("fashion-mnist-rgb", channels=3))
register_dataset("stl10", _stl10("stl10", stl10.NATIVE_SIZE))
register_dataset("stl10-64", _stl10("stl10-64", 64))
