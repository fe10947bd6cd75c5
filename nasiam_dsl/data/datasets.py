"""Dataset registry: one name → one loader and its metadata, instead of per-dataset if-chains.

Each dataset registers itself in its own module of this package (`embedded/`, `cifar.py`,
`imagefolder.py`, `fashion_mnist.py`, `stl10.py`); the registry imports every module of the
package on first use, so adding a dataset is adding its module (docs/architecture.md, "How to
add a dataset"). ``get_dataset("embedded")`` works offline on any machine; CIFAR and STL-10
need the torchvision files under ``root`` (or ``download=True``); Fashion-MNIST is also found
where Debian's ``dataset-fashion-mnist`` installs it; ``imagefolder`` reads any
``class/image`` tree, which covers ImageNet (``root/train``, ``root/val``) and users' own
images.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch.utils.data import Dataset

from nasiam_dsl.data.errors import DatasetError
from nasiam_dsl.data.info import DatasetInfo
from nasiam_dsl.names import import_builtins

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
    #: what `--data-dir` must hold, for a dataset that cannot be read without one
    needs_root: str | None = None


_REGISTRY: dict[str, DatasetEntry] = {}


def fixed_info(info: DatasetInfo) -> Callable[[Path | None], DatasetInfo]:
    """An `info` function for a dataset whose facts do not depend on its files."""
    return lambda _root: info


def register_dataset(name: str, entry: DatasetEntry) -> None:
    """Add a dataset under ``name``; re-registering a name is an error."""
    if name in _REGISTRY:
        raise ValueError(f"dataset {name!r} is already registered")
    _REGISTRY[name] = entry


def list_datasets() -> list[str]:
    """Registered dataset names, sorted."""
    import_builtins("data")  # each module registers its own
    return sorted(_REGISTRY)


def _entry(name: str) -> DatasetEntry:
    import_builtins("data")  # each module registers its own
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


def root_problem(name: str, root: str | Path | None) -> str | None:
    """Why dataset `name` cannot be read from `root` before a file is opened: it needs a
    folder and none is given (None when there is no such problem)."""
    needs = _entry(name).needs_root
    if needs is None or root is not None:
        return None
    return f"--dataset {name} needs --data-dir DIR: the folder {needs}"


def run_dataset_info(
    name: str, root: str | Path | None = None, image_size: int | None = None
) -> DatasetInfo:
    """`dataset_info` with the views a run trained on (`image_size`, None: the dataset's
    own); a dataset that cannot be read is a `UsageProblem` naming it."""
    from nasiam_dsl.data.info import with_image_size
    from nasiam_dsl.usage import UsageProblem

    try:
        info = dataset_info(name, root)
    except DatasetError as e:
        raise UsageProblem(f"dataset {name}: {e}") from None
    return with_image_size(info, image_size)
