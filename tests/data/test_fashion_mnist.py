"""Fashion-MNIST: layouts on disk, 32 px grey or replicated RGB items, messages, download."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchvision.datasets as tvd

from nasiam_dsl.data import (
    DatasetError,
    dataset_info,
    eval_transform,
    get_dataset,
    split_dataset,
)
from nasiam_dsl.data import fashion_mnist as fm
from nasiam_dsl.data.idx import read_idx

from .conftest import Written, write_fashion


def test_torchvision_layout_gz_and_plain(fashion_root: Written) -> None:
    for split, count in (("train", 20), ("test", 10)):
        ds = get_dataset("fashion-mnist", fashion_root.root, split)
        assert len(ds) == count
        assert ds.data.dtype == torch.uint8 and ds.data.shape == (count, 1, 32, 32)
        assert ds.targets.dtype == torch.int64
        assert ds.targets.tolist() == fashion_root.labels[split].tolist()
        assert ds.classes[0] == "T-shirt/top" and ds.classes[9] == "Ankle boot"
        image, label = ds[3]
        assert (image.size, image.mode, label) == ((32, 32), "L", 3)


def test_images_are_resized_bilinearly_to_32(fashion_root: Written) -> None:
    ds = get_dataset("fashion-mnist", fashion_root.root, "test")
    raw = torch.from_numpy(fashion_root.images["test"]).unsqueeze(1).float()
    expected = F.interpolate(raw, size=(32, 32), mode="bilinear", align_corners=False)
    assert torch.equal(ds.data, expected.round().clamp(0, 255).to(torch.uint8))
    assert np.array_equal(np.asarray(ds[0][0]), ds.data[0, 0].numpy())


def test_rgb_variant_replicates_the_grey_plane(fashion_root: Written) -> None:
    info = dataset_info("fashion-mnist-rgb")
    ds = get_dataset("fashion-mnist-rgb", fashion_root.root, "train", eval_transform(info))
    assert ds.data.shape == (20, 3, 32, 32)
    view, label = ds[5]
    assert view.shape == (3, 32, 32) and view.dtype == torch.float32 and label == 5
    assert torch.equal(view[0], view[1]) and torch.equal(view[1], view[2])
    rgb_image = get_dataset("fashion-mnist-rgb", fashion_root.root, "train")[5][0]
    grey_image = get_dataset("fashion-mnist", fashion_root.root, "train")[5][0]
    assert rgb_image.mode == "RGB"
    rgb = np.asarray(rgb_image)
    for channel in range(3):
        assert np.array_equal(rgb[..., channel], np.asarray(grey_image))


def test_files_directly_in_root(tmp_path: Path) -> None:
    write_fashion(tmp_path, {"train": 10, "test": 10}, {"train": False, "test": True})
    assert len(get_dataset("fashion-mnist", tmp_path, "train")) == 10
    assert len(get_dataset("fashion-mnist", tmp_path, "test")) == 10


def test_default_location_is_the_debian_folder(tmp_path: Path, monkeypatch) -> None:
    write_fashion(tmp_path / "deb", {"train": 10, "test": 10}, {"train": True, "test": True})
    monkeypatch.setattr(fm, "DEBIAN_DIR", tmp_path / "deb")
    assert len(get_dataset("fashion-mnist", None, "train")) == 10


def test_split_is_stratified_over_the_ten_classes(fashion_root: Written) -> None:
    a, b = split_dataset(get_dataset("fashion-mnist", fashion_root.root), 0.5, seed=0)
    assert len(a) == len(b) == 10


def test_missing_files_say_where_and_how(tmp_path: Path) -> None:
    with pytest.raises(DatasetError) as info:
        get_dataset("fashion-mnist", tmp_path, "test")
    message = str(info.value)
    assert "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz] not found" in message
    assert f"{tmp_path}/FashionMNIST/raw/, {tmp_path}/" in message
    assert "apt-get install dataset-fashion-mnist" in message and "--download" in message


def test_corrupt_file_is_named(fashion_root: Written) -> None:
    path = fashion_root.root / "FashionMNIST" / "raw" / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DatasetError, match=f"^{re.escape(str(path))}: truncated"):
        get_dataset("fashion-mnist", fashion_root.root, "test")


def test_label_count_must_match_the_images(tmp_path: Path) -> None:
    written = write_fashion(tmp_path, {"train": 10, "test": 12}, {"train": False, "test": False})
    (tmp_path / "t10k-labels-idx1-ubyte").replace(tmp_path / "moved")
    (tmp_path / "train-labels-idx1-ubyte").rename(tmp_path / "t10k-labels-idx1-ubyte")
    with pytest.raises(DatasetError, match="10 labels for the 12 images"):
        get_dataset("fashion-mnist", written.root, "test")


def test_download_failure_is_a_message(tmp_path: Path, monkeypatch) -> None:
    def offline(*_args, **_kwargs):
        raise RuntimeError(
            "Error downloading train-images-idx3-ubyte.gz:\nTried x, got:\n"
            "<urlopen error [Errno -2] Name or service not known>\n"
        )

    monkeypatch.setattr(tvd, "FashionMNIST", offline)
    with pytest.raises(DatasetError) as info:
        get_dataset("fashion-mnist", tmp_path, "train", download=True)
    message = str(info.value)
    assert "download of Fashion-MNIST into" in message and "Name or service not known" in message
    assert "apt-get install dataset-fashion-mnist" in message and "\n" not in message


def test_download_uses_torchvision_then_reads_its_layout(tmp_path: Path, monkeypatch) -> None:
    calls = []

    def fetch(root: str, train: bool, download: bool):
        calls.append((root, train, download))
        if not calls[1:]:  # torchvision writes both splits' files into root/FashionMNIST/raw
            write_fashion(
                Path(root) / "FashionMNIST" / "raw",
                {"train": 10, "test": 10},
                {"train": False, "test": False},
            )

    monkeypatch.setattr(tvd, "FashionMNIST", fetch)
    assert len(get_dataset("fashion-mnist", tmp_path, "train", download=True)) == 10
    assert calls == [(str(tmp_path), True, True), (str(tmp_path), False, True)]
    calls.clear()
    get_dataset("fashion-mnist", tmp_path, "test", download=True)
    assert calls == []  # present: nothing fetched


def test_download_needs_a_root() -> None:
    with pytest.raises(DatasetError, match="--download needs --data-dir"):
        get_dataset("fashion-mnist", None, "train", download=True)


_DEBIAN_TRAIN = fm.DEBIAN_DIR / "train-images-idx3-ubyte.gz"


def _mean_std(pixels: np.ndarray) -> tuple[float, float]:
    """Mean and std on [0, 1] of uint8 pixels, from their histogram (exact and fast)."""
    counts = np.bincount(pixels.reshape(-1), minlength=256).astype(np.float64)
    values = np.arange(256) / 255
    mean = (counts * values).sum() / counts.sum()
    std = np.sqrt((counts * (values - mean) ** 2).sum() / counts.sum())
    return round(float(mean), 4), round(float(std), 4)


@pytest.mark.skipif(not _DEBIAN_TRAIN.is_file(), reason="dataset-fashion-mnist not installed")
def test_real_debian_files() -> None:
    train = get_dataset("fashion-mnist", None, "train")
    test = get_dataset("fashion-mnist", None, "test")
    assert (len(train), len(test)) == (60000, 10000)
    assert torch.equal(torch.bincount(train.targets), torch.full((10,), 6000))
    assert _mean_std(train.data.numpy()) == (fm.MEAN_32[0], fm.STD_32[0])
    assert _mean_std(read_idx(_DEBIAN_TRAIN)) == (fm.MEAN_28[0], fm.STD_28[0])


def test_cli_reports_missing_files_and_exits_2(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from nasiam_dsl.cli import main

    space = Path(__file__).resolve().parents[2] / "spaces" / "demo.nas"
    args = ["search", str(space), "--dataset", "fashion-mnist", "--data-dir", str(tmp_path)]
    result = CliRunner().invoke(main, [*args, "--device", "cpu", "--out", str(tmp_path / "runs")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz] not found" in result.output
