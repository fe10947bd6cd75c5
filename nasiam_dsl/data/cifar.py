"""CIFAR-10 and CIFAR-100 (Krizhevsky 2009) from the files torchvision writes."""

from __future__ import annotations

from pathlib import Path

from nasiam_dsl.data.datasets import DatasetEntry, Transform, fixed_info, register_dataset
from nasiam_dsl.data.errors import DatasetError
from nasiam_dsl.data.info import CIFAR10_MEAN, CIFAR10_STD, CIFAR100_MEAN, CIFAR100_STD, DatasetInfo


def _cifar(cls_name: str, folder: str, name: str):
    def load(root: Path | None, split: str, transform: Transform | None, download: bool):
        import torchvision.datasets as tvd

        if root is None:
            raise DatasetError(
                f"{name}: a root directory is required (--data-dir, where {folder}/ lives)"
            )
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


def _entry(cls_name: str, folder: str, info: DatasetInfo) -> DatasetEntry:
    """A CIFAR dataset read from torchvision's `folder`, which --data-dir must hold."""
    return DatasetEntry(
        _cifar(cls_name, folder, info.name),
        fixed_info(info),
        needs_root=f"holding {folder}/, or where --download writes it",
    )


register_dataset(
    "cifar10",
    _entry(
        "CIFAR10",
        "cifar-10-batches-py",
        DatasetInfo("cifar10", 10, 3, 32, CIFAR10_MEAN, CIFAR10_STD),
    ),
)
register_dataset(
    "cifar100",
    _entry(
        "CIFAR100",
        "cifar-100-python",
        DatasetInfo("cifar100", 100, 3, 32, CIFAR100_MEAN, CIFAR100_STD),
    ),
)
