"""docs/datasets.md describes every registered dataset with the metadata the registry holds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nasiam_dsl.data import dataset_info, list_datasets

DOC = Path(__file__).resolve().parents[2] / "docs" / "datasets.md"
ROW = re.compile(r"^\| `([\w-]+)` \|[^|]*\| [^|]* \| (\d) × (\d+)", re.M)


def _rows() -> dict[str, tuple[int, int]]:
    return {m[1]: (int(m[2]), int(m[3])) for m in ROW.finditer(DOC.read_text("utf-8"))}


def test_every_dataset_has_a_row_and_a_section() -> None:
    text = DOC.read_text("utf-8")
    assert set(_rows()) == set(list_datasets())
    headings = " ".join(re.findall(r"^## (.*)$", text, re.M))
    for name in list_datasets():
        assert f"`{name}`" in headings, f"no section for {name}"


def _floats(cell: str, channels: int) -> list[float]:
    values = [float(x) for x in re.findall(r"\d\.\d+", cell)]
    return values * channels if len(values) == 1 else values  # "0.2854 (each)"


@pytest.mark.parametrize("name", [n for n in list_datasets() if n != "imagefolder"])
def test_rows_agree_with_the_registry(name: str) -> None:
    """Shape and statistics (imagefolder's class count depends on the tree it reads)."""
    info = dataset_info(name)
    assert _rows()[name] == (info.channels, info.image_size)
    line = next(ln for ln in DOC.read_text("utf-8").splitlines() if ln.startswith(f"| `{name}` |"))
    mean, std = line.split("|")[5:7]
    assert _floats(mean, info.channels) == pytest.approx(info.mean, abs=5e-5)
    assert _floats(std, info.channels) == pytest.approx(info.std, abs=5e-5)
