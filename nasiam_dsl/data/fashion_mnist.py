"""Fashion-MNIST (Xiao et al. 2017) from its four IDX files: 60,000 train, 10,000 test images.

Files are searched in torchvision's layout ``<root>/FashionMNIST/raw/``, then directly in
``<root>``; with no root, in Debian's ``dataset-fashion-mnist`` location
(``/usr/share/datasets/fashion-mnist/``). Each file may be gzipped or not. The 28×28 grey
images are resized once to 32×32 (the CIFAR-size backbones and recipes) and handed out with
one channel, or three identical ones for backbones that want RGB.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from nasiam_dsl.data.datasets import DatasetEntry, Transform, fixed_info, register_dataset
from nasiam_dsl.data.errors import DatasetError
from nasiam_dsl.data.idx import read_idx
from nasiam_dsl.data.info import DatasetInfo
from nasiam_dsl.data.tensor_images import TensorImageDataset, resize_uint8

CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
TORCHVISION_SUBDIR = Path("FashionMNIST") / "raw"
NATIVE_SIZE = 28
IMAGE_SIZE = 32
#: (images, labels) file names of each split, without ``.gz``
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
# Pixel statistics of the 60,000 training images on [0, 1], measured on the Debian files:
# as stored (28 px) and as handed out (bilinear to 32 px, which smooths: lower std).
MEAN_28, STD_28 = (0.2860,), (0.3530,)
MEAN_32, STD_32 = (0.2854,), (0.3384,)


def search_dirs(root: Path | None) -> list[Path]:
    """Folders searched for the files, in order."""
    if root is None:
        return [DEBIAN_DIR]
    return [root / TORCHVISION_SUBDIR, root]


def _find(dirs: list[Path], stem: str) -> Path | None:
    for folder in dirs:
        for name in (stem, f"{stem}.gz"):
            if (folder / name).is_file():
                return folder / name
    return None


def _how_to_get(root: Path | None) -> str:
    folder = root if root is not None else Path("DIR")
    return (
        "get it with `apt-get install dataset-fashion-mnist` (found without --data-dir), "
        f"or on a machine with network with --data-dir {folder} --download (torchvision writes "
        f"{folder / TORCHVISION_SUBDIR}/)"
    )


def locate(root: Path | None, split: str) -> tuple[Path, Path]:
    """Paths of the images and labels files of ``split``, or a ``DatasetError`` saying where
    they were looked for and how to get them."""
    dirs = search_dirs(root)
    found = [_find(dirs, stem) for stem in FILES[split]]
    missing = [stem for stem, path in zip(FILES[split], found, strict=True) if path is None]
    if missing:
        where = ", ".join(f"{d}/" for d in dirs)
        names = ", ".join(f"{m}[.gz]" for m in missing)
        raise DatasetError(f"Fashion-MNIST files {names} not found in {where}; {_how_to_get(root)}")
    images, labels = found
    assert images is not None and labels is not None
    return images, labels


def download(root: Path | None) -> None:
    """Fetch the files with torchvision into ``<root>/FashionMNIST/raw/`` unless present."""
    if root is None:
        raise DatasetError(
            "fashion-mnist: --download needs --data-dir (where to write FashionMNIST/raw/)"
        )
    if all(_find(search_dirs(root), stem) for names in FILES.values() for stem in names):
        return
    import torchvision.datasets as tvd

    try:
        tvd.FashionMNIST(str(root), train=True, download=True)
        tvd.FashionMNIST(str(root), train=False, download=True)
    except (RuntimeError, OSError, ValueError) as exc:
        cause = " ".join(str(exc).split())
        raise DatasetError(
            f"download of Fashion-MNIST into {root / TORCHVISION_SUBDIR}/ failed ({cause}); "
            "without network, run `apt-get install dataset-fashion-mnist` and leave out "
            f"--data-dir, or copy the four *-ubyte.gz files into {root}/"
        ) from None


def read_split(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """uint8 N×28×28 images and uint8 N labels, checked against each other."""
    images = read_idx(images_path, ndim=3, dtype=np.uint8)
    labels = read_idx(labels_path, ndim=1, dtype=np.uint8)
    if images.shape[1:] != (NATIVE_SIZE, NATIVE_SIZE):
        raise DatasetError(
            f"{images_path}: expected {NATIVE_SIZE}×{NATIVE_SIZE} images, got "
            f"{images.shape[1]}×{images.shape[2]}"
        )
    if len(labels) != len(images):
        raise DatasetError(
            f"{labels_path}: {len(labels)} labels for the {len(images)} images of {images_path}"
        )
    if len(labels) and int(labels.max()) >= len(CLASSES):
        raise DatasetError(
            f"{labels_path}: label {int(labels.max())} outside 0..{len(CLASSES) - 1}"
        )
    return images, labels


@lru_cache(maxsize=4)
def _load(images_path: Path, labels_path: Path, size: int, _stamp: tuple) -> tuple[Tensor, Tensor]:
    images, labels = read_split(images_path, labels_path)
    data = resize_uint8(torch.from_numpy(images).unsqueeze(1), size)
    return data, torch.from_numpy(labels.astype(np.int64))


def _stamp(*paths: Path) -> tuple:
    """Size and mtime of each file: a changed file is read again, not served from cache."""
    return tuple((p.stat().st_size, p.stat().st_mtime_ns) for p in paths)


def load_fashion_mnist(
    root: Path | None,
    split: str,
    transform: Callable[[Any], Any] | None = None,
    download_missing: bool = False,
    image_size: int = IMAGE_SIZE,
    channels: int = 1,
) -> TensorImageDataset:
    """Split ``train`` or ``test`` as a ``TensorImageDataset`` of ``image_size`` px images."""
    if split not in FILES:
        raise DatasetError(
            f"fashion-mnist: unknown split {split!r}, expected one of {tuple(FILES)}"
        )
    if download_missing:
        download(root)
    images_path, labels_path = locate(root, split)
    data, targets = _load(
        images_path.resolve(), labels_path.resolve(), image_size, _stamp(images_path, labels_path)
    )
    return TensorImageDataset(data, targets, CLASSES, transform, channels)


def fashion_mnist_info(name: str, channels: int) -> DatasetInfo:
    """Metadata of the 32 px dataset with ``channels`` (1, or 3 replicated)."""
    return DatasetInfo(
        name, len(CLASSES), channels, IMAGE_SIZE, MEAN_32 * channels, STD_32 * channels
    )


def _entry(name: str, channels: int) -> DatasetEntry:
    def load(root: Path | None, split: str, transform: Transform | None, download: bool):
        return load_fashion_mnist(root, split, transform, download, channels=channels)

    return DatasetEntry(load, fixed_info(fashion_mnist_info(name, channels)))


register_dataset("fashion-mnist", _entry("fashion-mnist", channels=1))
register_dataset("fashion-mnist-rgb", _entry("fashion-mnist-rgb", channels=3))
