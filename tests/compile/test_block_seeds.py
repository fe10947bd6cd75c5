"""The seed spaces written with blocks are today's expanded spaces: the same plan, keys in the
same order and the same parameter counts (the expanded texts are kept as fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nasiam_dsl.compile import count_plan, plan_document
from nasiam_dsl.lang import check, parse_file, print_document
from nasiam_dsl.lang.walk import iter_choices

from .conftest import SPACES

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = ["nasiam", "nasiam_moco", "nasiam_simclr"]


@pytest.mark.parametrize("name", SEEDS)
def test_block_space_compiles_to_the_expanded_plan(name: str) -> None:
    written = parse_file(SPACES / f"{name}.nas")
    expanded = parse_file(FIXTURES / f"{name}_expanded.nas")
    assert written.written is not None and expanded.written is None
    assert written.heads == expanded.heads
    for backbone in (512, 2048):
        plan, reference = plan_document(written, backbone), plan_document(expanded, backbone)
        assert plan == reference
        assert list(plan.choices) == list(reference.choices)
        assert count_plan(plan) == count_plan(reference)
    assert [s.key for s in iter_choices(written)] == [s.key for s in iter_choices(expanded)]
    found = check(written, backbone_dim=512)
    assert found.ok and len(found.warnings) == len(check(expanded, backbone_dim=512).warnings)


@pytest.mark.parametrize("name", SEEDS)
def test_block_space_is_short_and_prints_as_written(name: str) -> None:
    text = (SPACES / f"{name}.nas").read_text("utf-8")
    assert len(text.splitlines()) <= 30
    assert print_document(parse_file(SPACES / f"{name}.nas")) == text


def test_seed_cells_written_with_blocks_have_the_issue_numbers() -> None:
    counts = count_plan(plan_document(parse_file(SPACES / "nasiam.nas"), 512))
    projector = counts.supernet["projector"]
    assert sum(projector[f"h{i}"].params for i in range(1, 7)) == 6_328_320
    assert counts.head("predictor").params == 16_821_248
    # distinct architectures: 7 per layer, except the predictor's contracting layer, whose
    # `lbr(x, w)` is its `lbn(x, w) | relu` (6), and its expanding layer, five equal linears (3)
    assert counts.architectures == 7**8 * 6 * 3
