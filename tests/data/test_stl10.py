"""STL-10: the column-major binary layout, its four splits, 64 px, messages, download."""

from __future__ import annotations

import pickle
from pathlib import Path
from urllib.error import URLError

import numpy as np
import pytest
import torch
import torchvision.datasets.utils as tv_utils

from nasiam_dsl.data import (
    DatasetError,
    dataset_info,
    eval_transform,
    get_dataset,
    split_dataset,
)
from nasiam_dsl.data.stl10 import CLASSES

from .conftest import Written, write_stl


def test_pixels_come_out_row_major_rgb(stl_root: Written) -> None:
    ds = get_dataset("stl10", stl_root.root, "test")
    assert len(ds) == 3 and ds.classes == list(CLASSES)
    for index in range(3):
        image, label = ds[index]
        assert (image.size, image.mode, label) == ((96, 96), "RGB", index)
        expected = stl_root.images["test"][index].transpose(1, 2, 0)  # H, W, C
        assert np.array_equal(np.asarray(image), expected)


@pytest.mark.parametrize(
    ("split", "labels"),
    [
        ("train", [0, 1, 2, 3]),
        ("unlabeled", [-1] * 5),
        ("train+unlabeled", [0, 1, 2, 3] + [-1] * 5),
    ],
)
def test_splits(stl_root: Written, split: str, labels: list[int]) -> None:
    ds = get_dataset("stl10", stl_root.root, split)
    assert ds.targets.dtype == torch.int64 and ds.targets.tolist() == labels
    last = ds[len(ds) - 1][0]
    source = stl_root.images["unlabeled" if "unlabeled" in split else "train"][-1]
    assert np.array_equal(np.asarray(last), source.transpose(1, 2, 0))


def test_other_datasets_have_no_unlabeled_split() -> None:
    with pytest.raises(DatasetError, match=r"cifar10: unknown split 'unlabeled'"):
        get_dataset("cifar10", "/nowhere", "unlabeled")


def test_64_px_protocol_and_eval_view(stl_root: Written) -> None:
    info = dataset_info("stl10-64")
    ds = get_dataset("stl10-64", stl_root.root, "train", eval_transform(info))
    view, label = ds[1]
    assert view.shape == (3, 64, 64) and view.dtype == torch.float32 and label == 1


def test_pretraining_split_is_stratified(stl_root: Written) -> None:
    a, b = split_dataset(get_dataset("stl10", stl_root.root, "train+unlabeled"), 0.5, seed=0)
    assert sorted(a.indices + b.indices) == list(range(9))


def test_pickles_without_the_images(stl_root: Written) -> None:
    ds = get_dataset("stl10", stl_root.root, "unlabeled")
    ds[0]  # maps the file
    blob = pickle.dumps(ds)
    assert len(blob) < 10_000  # a worker maps the file again, no 27 KB image is copied
    again = pickle.loads(blob)
    assert np.array_equal(np.asarray(again[4][0]), np.asarray(ds[4][0]))


def test_files_directly_in_root(tmp_path: Path) -> None:
    write_stl(tmp_path, {"train": 2, "test": 2})
    assert len(get_dataset("stl10", tmp_path, "train")) == 2


def test_missing_files_say_where_and_how(tmp_path: Path) -> None:
    with pytest.raises(DatasetError) as info:
        get_dataset("stl10", tmp_path, "train+unlabeled")
    message = str(info.value)
    assert "train_X.bin, train_y.bin, unlabeled_X.bin not found" in message
    assert f"{tmp_path}/stl10_binary/, {tmp_path}/" in message and "--download" in message
    with pytest.raises(DatasetError, match="a root directory is required"):
        get_dataset("stl10", None, "test")


def test_truncated_images_are_named(stl_root: Written) -> None:
    path = stl_root.root / "stl10_binary" / "test_X.bin"
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(DatasetError, match=r"test_X\.bin: 82943 bytes is not a whole number"):
        get_dataset("stl10", stl_root.root, "test")


def test_label_file_must_match(stl_root: Written) -> None:
    labels = stl_root.root / "stl10_binary" / "test_y.bin"
    np.array([1, 2], np.uint8).tofile(labels)
    with pytest.raises(DatasetError, match=r"test_y\.bin: 2 labels for 3 images"):
        get_dataset("stl10", stl_root.root, "test")
    np.array([1, 2, 11], np.uint8).tofile(labels)
    with pytest.raises(DatasetError, match=r"labels must be 1\.\.10, found 1\.\.11"):
        get_dataset("stl10", stl_root.root, "test")


def test_download_failure_is_a_message(tmp_path: Path, monkeypatch) -> None:
    def offline(*_args, **_kwargs):
        raise URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(tv_utils, "download_and_extract_archive", offline)
    with pytest.raises(DatasetError) as info:
        get_dataset("stl10", tmp_path, "train", download=True)
    message = str(info.value)
    assert f"download of STL-10 into {tmp_path}/ failed" in message
    assert "Name or service not known" in message and "stl10_binary/" in message


def test_download_fetches_torchvision_archive(tmp_path: Path, monkeypatch) -> None:
    calls = []

    def fetch(url: str, root: str, filename: str, md5: str) -> None:
        calls.append((url, filename))
        write_stl(Path(root) / "stl10_binary", {"train": 2, "test": 2, "unlabeled": 2})

    monkeypatch.setattr(tv_utils, "download_and_extract_archive", fetch)
    assert len(get_dataset("stl10", tmp_path, "train+unlabeled", download=True)) == 4
    assert calls == [
        ("http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz", "stl10_binary.tar.gz")
    ]
    get_dataset("stl10", tmp_path, "test", download=True)
    assert len(calls) == 1  # present: nothing fetched
