"""The offline default dataset: a class-balanced MNIST subset shipped inside the package."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from nasiam_dsl.data.datasets import DatasetEntry, Transform, register_dataset
from nasiam_dsl.data.errors import DatasetError
from nasiam_dsl.data.info import DatasetInfo

EMBEDDED_PATH = Path(__file__).with_name("mnist5k.npz")
_SPLITS = ("train", "test")


@lru_cache(maxsize=4)
def load_npz(path: Path) -> dict[str, np.ndarray]:
    """Read and validate an embedded-format npz (``x_<split>`` uint8 N×H×W, ``y_<split>``)."""
    if not path.is_file():
        raise DatasetError(f"{path}: embedded dataset file not found (expected an .npz file)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DatasetError(f"{path}: unreadable npz ({exc})") from exc
    for split in _SPLITS:
        x, y = arrays.get(f"x_{split}"), arrays.get(f"y_{split}")
        if x is None or y is None:
            raise DatasetError(f"{path}: expected arrays 'x_{split}' and 'y_{split}'")
        if x.dtype != np.uint8 or x.ndim != 3 or y.shape != (len(x),):
            raise DatasetError(
                f"{path}: expected 'x_{split}' uint8 N×H×W and 'y_{split}' of length N, "
                f"got {x.dtype} {x.shape} and {y.shape}"
            )
    return arrays


def embedded_info(path: Path = EMBEDDED_PATH) -> DatasetInfo:
    """Metadata of the embedded dataset, mean/std computed from its training images."""
    arrays = load_npz(path)
    x = arrays["x_train"].astype(np.float64) / 255.0
    num_classes = int(max(arrays["y_train"].max(), arrays["y_test"].max())) + 1
    return DatasetInfo(
        name="embedded",
        num_classes=num_classes,
        channels=1,
        image_size=int(x.shape[-1]),
        mean=(float(x.mean()),),
        std=(float(x.std()),),
    )


class EmbeddedDataset(Dataset):
    """Grayscale digits held in memory; items are ``(PIL image or transform(image), label)``.

    ``data`` (uint8 N×1×H×W tensor) and ``targets`` (int64) expose the whole split at once,
    so a GPU pipeline can skip per-sample loading entirely.
    """

    def __init__(
        self,
        split: str = "train",
        transform: Callable[[Any], Any] | None = None,
        path: Path = EMBEDDED_PATH,
    ) -> None:
        if split not in _SPLITS:
            raise DatasetError(f"{path}: unknown split {split!r}, expected one of {_SPLITS}")
        arrays = load_npz(Path(path))
        self.split = split
        self.transform = transform
        self.data = torch.from_numpy(arrays[f"x_{split}"].copy()).unsqueeze(1)
        self.targets = torch.from_numpy(arrays[f"y_{split}"].astype(np.int64))
        self.classes = [str(c) for c in arrays.get("classes", range(len(self.targets.unique())))]

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        image = Image.fromarray(self.data[index, 0].numpy())
        label = int(self.targets[index])
        return (self.transform(image) if self.transform else image), label


def _embedded_path(root: Path | None) -> Path:
    """The shipped file by default; ``root`` may name another npz or a folder holding one."""
    if root is None:
        return EMBEDDED_PATH
    return root if root.suffix == ".npz" else root / EMBEDDED_PATH.name


def _load_embedded(root: Path | None, split: str, transform: Transform | None, _dl: bool):
    return EmbeddedDataset(split, transform, _embedded_path(root))


def _embedded_info(root: Path | None) -> DatasetInfo:
    return embedded_info(_embedded_path(root))


register_dataset("embedded", DatasetEntry(_load_embedded, _embedded_info))
