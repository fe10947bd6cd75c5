"""A strict reader of IDX files (the MNIST family's format), gzipped or not.

Layout: two zero bytes, a type code, the number of dimensions ``d``; then ``d`` big-endian
uint32 sizes; then the values, big-endian, row-major. Everything is checked against the
header (type code, dimension count, sizes, payload length), so a truncated download or a
file of the wrong kind is a ``DatasetError`` naming the file and what is wrong.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from nasiam_dsl.data.errors import DatasetError

#: type code → numpy dtype (big-endian, as the format stores them)
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_HEADER = 4


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when the name ends in ``.gz``."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as stream:
                return stream.read()
        return path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DatasetError(f"{path}: not a complete gzip file ({exc})") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc})") from None


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """The array held by IDX bytes ``data``; ``source`` names them in error messages."""
    if len(data) < _HEADER:
        raise DatasetError(f"{source}: not an IDX file ({len(data)} bytes, header needs 4)")
    zero, code, ndim = data[0:2], data[2], data[3]
    if zero != b"\x00\x00":
        raise DatasetError(
            f"{source}: not an IDX file (magic number starts {zero.hex()}, expected 0000)"
        )
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise DatasetError(f"{source}: unknown IDX type code 0x{code:02X} (known: {known})")
    if ndim == 0:
        raise DatasetError(f"{source}: IDX header declares 0 dimensions")
    dims_end = _HEADER + 4 * ndim
    if len(data) < dims_end:
        raise DatasetError(
            f"{source}: truncated IDX header ({len(data)} bytes, {ndim} dimensions need {dims_end})"
        )
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", ndim, _HEADER))
    dtype = IDX_DTYPES[code]
    expected = math.prod(shape) * dtype.itemsize
    payload = len(data) - dims_end
    if payload != expected:
        what = "truncated" if payload < expected else "has trailing bytes"
        raise DatasetError(
            f"{source}: {what}: shape {shape} of {dtype.name} needs {expected} bytes of data, "
            f"the file holds {payload}"
        )
    values = np.frombuffer(data, dtype, offset=dims_end).reshape(shape)
    return values.astype(dtype.newbyteorder("="), copy=True)


def read_idx(
    path: str | Path, ndim: int | None = None, dtype: np.dtype | type | None = None
) -> np.ndarray:
    """Read the IDX file at ``path`` (``.gz`` decompressed); optionally require ``ndim`` and
    ``dtype`` (e.g. 3 and uint8 for images, 1 and uint8 for labels)."""
    path = Path(path)
    array = parse_idx(_read_bytes(path), str(path))
    if ndim is not None and array.ndim != ndim:
        raise DatasetError(
            f"{path}: expected {ndim} dimensions, the IDX header declares {array.ndim} "
            f"{tuple(array.shape)}"
        )
    if dtype is not None and array.dtype != np.dtype(dtype):
        raise DatasetError(f"{path}: expected {np.dtype(dtype).name} values, got {array.dtype}")
    return array


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file (gzipped when ``path`` ends in ``.gz``)."""
    path = Path(path)
    codes = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}
    native = np.dtype(array.dtype).newbyteorder("=")
    if native not in codes:
        raise ValueError(f"IDX cannot hold {array.dtype} values")
    header = bytes([0, 0, codes[native], array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    body = header + np.ascontiguousarray(array, IDX_DTYPES[codes[native]]).tobytes()
    if path.suffix == ".gz":
        body = gzip.compress(body, mtime=0)
    path.write_bytes(body)
