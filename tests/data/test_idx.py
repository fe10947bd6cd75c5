"""The strict IDX reader: round trips, and one clear message per kind of broken file."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest

from nasiam_dsl.data import DatasetError
from nasiam_dsl.data.idx import parse_idx, read_idx, write_idx


@pytest.mark.parametrize("name", ["x.idx", "x.idx.gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_round_trip(tmp_path: Path, name: str, dtype: type) -> None:
    array = (np.arange(2 * 3 * 4) - 5).astype(dtype).reshape(2, 3, 4)
    write_idx(tmp_path / name, array)
    back = read_idx(tmp_path / name)
    assert back.dtype == np.dtype(dtype) and back.shape == (2, 3, 4)
    np.testing.assert_array_equal(back, array)


def test_header_is_big_endian_as_published(tmp_path: Path) -> None:
    write_idx(tmp_path / "labels", np.zeros(60000, np.uint8))
    head = (tmp_path / "labels").read_bytes()[:8]
    assert head == bytes([0, 0, 0x08, 1]) + (60000).to_bytes(4, "big")  # MNIST's 0x00000801


def _idx(shape: tuple[int, ...], payload: int, code: int = 0x08) -> bytes:
    dims = b"".join(d.to_bytes(4, "big") for d in shape)
    return bytes([0, 0, code, len(shape)]) + dims + bytes(payload)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x00", "not an IDX file \\(2 bytes"),
        (b"\x1f\x8b\x08\x01" + bytes(8), "magic number starts 1f8b"),
        (bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 0]), "unknown IDX type code 0x07"),
        (bytes([0, 0, 0x08, 0]), "0 dimensions"),
        (bytes([0, 0, 0x08, 3, 0, 0, 0, 2]), "truncated IDX header"),
        (_idx((2, 28, 28), 2 * 28 * 28 - 1), r"truncated: shape \(2, 28, 28\) of uint8 needs 1568"),
        (_idx((3,), 5), "has trailing bytes"),
        (_idx((2,), 7, code=0x0C), "int32 needs 8 bytes of data, the file holds 7"),
    ],
)
def test_broken_bytes_are_named(data: bytes, message: str) -> None:
    with pytest.raises(DatasetError, match=rf"^labels\.bin: .*{message}"):
        parse_idx(data, "labels.bin")


def test_truncated_gzip_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "train-images-idx3-ubyte.gz"
    write_idx(path, np.ones((4, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(DatasetError, match=f"{re.escape(str(path))}: not a complete gzip file"):
        read_idx(path)


def test_gzip_of_a_short_file_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(_idx((10, 28, 28), 100)))
    with pytest.raises(DatasetError, match=f"{re.escape(str(path))}: truncated"):
        read_idx(path)


def test_expected_dimensions_and_type(tmp_path: Path) -> None:
    write_idx(tmp_path / "a", np.zeros((5, 2), np.uint8))
    write_idx(tmp_path / "b", np.zeros(5, np.int32))
    with pytest.raises(DatasetError, match=r"expected 3 dimensions, the IDX header declares 2"):
        read_idx(tmp_path / "a", ndim=3)
    with pytest.raises(DatasetError, match="expected uint8 values, got int32"):
        read_idx(tmp_path / "b", ndim=1, dtype=np.uint8)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"nothing\.gz: file not found"):
        read_idx(tmp_path / "nothing.gz")
