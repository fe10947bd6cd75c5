"""Tiny Fashion-MNIST and STL-10 trees written in the exact on-disk formats (no network)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from nasiam_dsl.data.idx import write_idx
from nasiam_dsl.data.stl10 import CLASSES as STL_CLASSES


@dataclass
class Written:
    """A generated dataset tree and the arrays written into it."""

    root: Path
    images: dict[str, np.ndarray]  # split → N×H×W (grey) or N×C×H×W (RGB) uint8
    labels: dict[str, np.ndarray]  # split → 0-based labels


def write_fashion(folder: Path, counts: dict[str, int], gz: dict[str, bool]) -> Written:
    """IDX files of 28×28 images with labels cycling 0..9: ``train-*`` and ``t10k-*``."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = {}, {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        x = rng.integers(0, 256, (counts[split], 28, 28), dtype=np.uint8)
        y = (np.arange(counts[split]) % 10).astype(np.uint8)
        suffix = ".gz" if gz[split] else ""
        write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", x)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", y)
        images[split], labels[split] = x, y
    return Written(folder, images, labels)


@pytest.fixture
def fashion_root(tmp_path: Path) -> Written:
    """torchvision's layout ``root/FashionMNIST/raw/``: train files gzipped, test files plain."""
    written = write_fashion(
        tmp_path / "FashionMNIST" / "raw",
        {"train": 20, "test": 10},
        {"train": True, "test": False},
    )
    written.root = tmp_path
    return written


def write_stl(folder: Path, counts: dict[str, int]) -> Written:
    """``*_X.bin`` (each image three column-major 96×96 planes), ``*_y.bin`` (labels 1..10)
    and ``class_names.txt``, as in the published archive."""
    rng = np.random.default_rng(1)
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = {}, {}
    for split, count in counts.items():
        x = rng.integers(0, 256, (count, 3, 96, 96), dtype=np.uint8)  # N, C, row, column
        x.transpose(0, 1, 3, 2).tofile(folder / f"{split}_X.bin")  # stored column by column
        images[split] = x
        if split != "unlabeled":
            y = (np.arange(count) % 10).astype(np.uint8)
            (y + 1).tofile(folder / f"{split}_y.bin")
            labels[split] = y.astype(np.int64)
    (folder / "class_names.txt").write_text("\n".join(STL_CLASSES) + "\n")
    return Written(folder, images, labels)


@pytest.fixture
def stl_root(tmp_path: Path) -> Written:
    """torchvision's layout ``root/stl10_binary/`` with 4 train, 3 test, 5 unlabelled images."""
    written = write_stl(tmp_path / "stl10_binary", {"train": 4, "test": 3, "unlabeled": 5})
    written.root = tmp_path
    return written
