"""parse(print(ast)) == ast for shipped files and generated ASTs; printing is idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from nasiam_dsl.lang import parse, print_document
from tests.conftest import examples
from tests.lang.strategies import documents

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "spaces").rglob("*.nas"))


def test_there_are_shipped_files():
    assert len(SHIPPED) >= 10


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_files_round_trip(path: Path):
    text = path.read_text("utf-8")
    doc = parse(text, str(path))
    printed = print_document(doc)
    assert parse(printed) == doc
    assert printed == text, "shipped files are kept in canonical form (run `nasiam fmt`)"


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_generated_documents_round_trip(doc):
    printed = print_document(doc)
    reparsed = parse(printed)
    assert reparsed == doc
    assert print_document(reparsed) == printed
