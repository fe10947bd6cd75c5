"""Any `class/image` tree (`imagefolder`), and ImageNet laid out as one (`root/train`,
`root/val`)."""

from __future__ import annotations

from pathlib import Path

from nasiam_dsl.data.datasets import DatasetEntry, Transform, fixed_info, register_dataset
from nasiam_dsl.data.errors import DatasetError
from nasiam_dsl.data.info import IMAGENET_MEAN, IMAGENET_STD, DatasetInfo


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


register_dataset(
    "imagefolder",
    DatasetEntry(
        _load_imagefolder, _imagefolder_info, needs_root="of class/image folders (or train/, val/)"
    ),
)
register_dataset(
    "imagenet",
    DatasetEntry(
        _load_imagefolder,
        fixed_info(DatasetInfo("imagenet", 1000, 3, 224, IMAGENET_MEAN, IMAGENET_STD, 256)),
        needs_root="holding train/ and val/, one folder per class",
    ),
)
