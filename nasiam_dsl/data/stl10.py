"""STL-10 (Coates et al. 2011) from its binary files: 96×96 RGB, 10 classes.

5,000 labelled train images, 8,000 test images and 100,000 unlabelled images (label -1),
read from torchvision's layout ``<root>/stl10_binary/`` (or ``<root>`` itself). Each
``*_X.bin`` holds uint8 images one after another, each as three 96×96 planes stored
column-major; ``*_y.bin`` one uint8 label 1..10 per image. Images are memory-mapped, not
loaded: the unlabelled file alone is 2.8 GB.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from nasiam_dsl.data.datasets import DatasetEntry, Transform, fixed_info, register_dataset
from nasiam_dsl.data.errors import DatasetError
from nasiam_dsl.data.info import DatasetInfo

FOLDER = "stl10_binary"
NATIVE_SIZE = 96
IMAGE_BYTES = 3 * NATIVE_SIZE * NATIVE_SIZE
CLASSES = ("airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck")
UNLABELED = -1
#: split → files, each ``(images, labels or None)``, concatenated in this order
SPLIT_FILES: dict[str, tuple[tuple[str, str | None], ...]] = {
    "train": (("train_X.bin", "train_y.bin"),),
    "test": (("test_X.bin", "test_y.bin"),),
    "unlabeled": (("unlabeled_X.bin", None),),
    "train+unlabeled": (("train_X.bin", "train_y.bin"), ("unlabeled_X.bin", None)),
}
SPLITS = tuple(SPLIT_FILES)
PRETRAIN_SPLIT = "train+unlabeled"
# Widely used per-channel statistics of STL-10 on [0, 1] (not re-measured: the 2.6 GB
# archive is not on the machines this was written on).
MEAN = (0.4467, 0.4398, 0.4066)
STD = (0.2603, 0.2566, 0.2713)


def search_dirs(root: Path | None) -> list[Path]:
    """Folders searched for the files, in order."""
    if root is None:
        raise DatasetError(
            f"stl10: a root directory is required (--data-dir, where {FOLDER}/ lives)"
        )
    return [root / FOLDER, root]


def locate(root: Path | None, names: list[str]) -> Path:
    """The first folder holding every file in ``names``, or a ``DatasetError``."""
    dirs = search_dirs(root)
    for folder in dirs:
        if all((folder / name).is_file() for name in names):
            return folder
    where = ", ".join(f"{d}/" for d in dirs)
    raise DatasetError(
        f"STL-10 files {', '.join(names)} not found in {where}; on a machine with network, "
        f"--data-dir {root} --download fetches and unpacks torchvision's stl10_binary.tar.gz "
        "(2.6 GB); or unpack that archive there yourself"
    )


def download(root: Path | None) -> None:
    """Fetch and unpack torchvision's STL-10 archive into ``root`` unless the files are there."""
    needed = sorted({n for files in SPLIT_FILES.values() for f in files for n in f if n})
    if root is None:
        raise DatasetError(f"stl10: --download needs --data-dir (where to write {FOLDER}/)")
    try:
        locate(root, needed)
        return
    except DatasetError:
        pass
    import torchvision.datasets as tvd
    from torchvision.datasets.utils import download_and_extract_archive

    try:  # the class's own URL and checksum, without loading 2.8 GB as its constructor would
        download_and_extract_archive(
            tvd.STL10.url, str(root), filename=tvd.STL10.filename, md5=tvd.STL10.tgz_md5
        )
    except (RuntimeError, OSError, ValueError) as exc:
        cause = " ".join(str(exc).split())
        raise DatasetError(
            f"download of STL-10 into {root}/ failed ({cause}); without network, copy "
            f"{FOLDER}/ (unpacked from stl10_binary.tar.gz) into {root}/"
        ) from None


def image_count(path: Path) -> int:
    """Images in an ``*_X.bin`` file, whose size must be a whole number of images."""
    size = path.stat().st_size
    if size == 0 or size % IMAGE_BYTES:
        raise DatasetError(
            f"{path}: {size} bytes is not a whole number of 3×96×96 images ({IMAGE_BYTES} bytes "
            "each): truncated or not an STL-10 image file"
        )
    return size // IMAGE_BYTES


def read_labels(path: Path, count: int) -> np.ndarray:
    """0-based int64 labels of an ``*_y.bin`` file, which must hold ``count`` values 1..10."""
    raw = np.fromfile(path, dtype=np.uint8)
    if len(raw) != count:
        raise DatasetError(f"{path}: {len(raw)} labels for {count} images")
    if len(raw) and (raw.min() < 1 or raw.max() > len(CLASSES)):
        raise DatasetError(
            f"{path}: labels must be 1..{len(CLASSES)}, found {raw.min()}..{raw.max()}"
        )
    return raw.astype(np.int64) - 1


def read_class_names(folder: Path) -> list[str]:
    """Names from ``class_names.txt`` when present (one a line), else the published ones."""
    path = folder / "class_names.txt"
    if not path.is_file():
        return list(CLASSES)
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(names) != len(CLASSES):
        raise DatasetError(f"{path}: expected {len(CLASSES)} class names, found {len(names)}")
    return names


class STL10(Dataset):
    """Items ``(PIL RGB image or transform(image), label)``; label -1 for unlabelled images.

    ``split`` is one of ``SPLITS``; ``image_size`` below 96 resizes each image on access
    (bilinear, antialiased). ``targets`` holds every label at once.
    """

    def __init__(
        self,
        root: Path | None,
        split: str = "train",
        transform: Callable[[Any], Any] | None = None,
        image_size: int = NATIVE_SIZE,
    ) -> None:
        if split not in SPLIT_FILES:
            raise DatasetError(f"stl10: unknown split {split!r}, expected one of {SPLITS}")
        names = [n for files in SPLIT_FILES[split] for n in files if n]
        folder = locate(root, names)
        self.split, self.transform, self.image_size = split, transform, image_size
        self.classes = read_class_names(folder)
        self._parts: list[tuple[Path, int]] = []
        labels = []
        for images_name, labels_name in SPLIT_FILES[split]:
            count = image_count(folder / images_name)
            self._parts.append((folder / images_name, count))
            if labels_name is None:
                labels.append(np.full(count, UNLABELED, dtype=np.int64))
            else:
                labels.append(read_labels(folder / labels_name, count))
        self.targets = torch.from_numpy(np.concatenate(labels))
        self._starts = np.cumsum([0] + [count for _, count in self._parts])
        self._maps: list[np.memmap] | None = None

    def __len__(self) -> int:
        return len(self.targets)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_maps"] = None  # workers map the files themselves, nothing large is pickled
        return state

    def _maps_open(self) -> list[np.memmap]:
        if self._maps is None:
            self._maps = [
                np.memmap(path, np.uint8, "r", shape=(count, 3, NATIVE_SIZE, NATIVE_SIZE))
                for path, count in self._parts
            ]
        return self._maps

    def image(self, index: int) -> Image.Image:
        """Image ``index`` as a 96 px (or ``image_size``) RGB PIL image."""
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} outside 0..{len(self) - 1}")
        part = int(np.searchsorted(self._starts, index, side="right")) - 1
        planes = self._maps_open()[part][index - self._starts[part]]  # (C, x, y): column-major
        image = Image.fromarray(np.ascontiguousarray(planes.transpose(2, 1, 0)))
        if self.image_size != NATIVE_SIZE:
            size = (self.image_size, self.image_size)
            image = image.resize(size, Image.Resampling.BILINEAR)
        return image

    def __getitem__(self, index: int) -> tuple[Any, int]:
        image = self.image(index)
        label = int(self.targets[index])
        return (self.transform(image) if self.transform else image), label


def load_stl10(
    root: Path | None,
    split: str,
    transform: Callable[[Any], Any] | None = None,
    download_missing: bool = False,
    image_size: int = NATIVE_SIZE,
) -> STL10:
    """Split ``split`` of STL-10, downloading the archive first when asked."""
    if download_missing:
        download(root)
    return STL10(root, split, transform, image_size)


def stl10_info(name: str, image_size: int) -> DatasetInfo:
    """Metadata of STL-10 handed out at ``image_size`` px."""
    return DatasetInfo(name, len(CLASSES), 3, image_size, MEAN, STD)


def _entry(name: str, image_size: int) -> DatasetEntry:
    def load(root: Path | None, split: str, transform: Transform | None, download: bool):
        return load_stl10(root, split, transform, download, image_size)

    return DatasetEntry(
        load,
        fixed_info(stl10_info(name, image_size)),
        splits=SPLITS,
        pretrain_split=PRETRAIN_SPLIT,
        needs_root=f"holding {FOLDER}/, or where --download writes it",
    )


register_dataset("stl10", _entry("stl10", NATIVE_SIZE))
register_dataset("stl10-64", _entry("stl10-64", 64))
