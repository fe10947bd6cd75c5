"""A space that `check` accepts has only members that `check` accepts.

Members are sampled (one decision per open choice, `k` inputs for `pick k of n`), written
as genotype documents by the same rewriting that derivation uses, and checked. Spaces come
from a generator of small spaces with width choices meeting in sums, concats, picks, op
choices and a second head, and from every shipped space under `spaces/`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nasiam_dsl.compile.derive import genotype_document
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.check import check
from nasiam_dsl.lang.infer import plan_document
from nasiam_dsl.lang.parser import parse, parse_file
from nasiam_dsl.lang.printer import print_document

SPACES = sorted((Path(__file__).resolve().parents[1] / "spaces").rglob("*.nas"))
BACKBONE = 512
WIDTHS = st.sampled_from(["8", "16", "width{8, 16}", "width{8, 16} as w", "width{4, 8}"])


@st.composite
def node_exprs(draw: st.DrawFn, names: list[str]) -> str:
    """One node's expression over the names defined so far."""
    ref = st.sampled_from(names)
    form = draw(st.sampled_from(["linear", "unary", "choose", "combine", "combine", "pick"]))
    if form == "linear":
        return f"linear({draw(ref)}, {draw(WIDTHS)}) | {draw(st.sampled_from(['relu', 'bn']))}"
    if form == "unary":
        return f"{draw(ref)} | {draw(st.sampled_from(['bn | relu', 'layernorm', 'gelu']))}"
    if form == "choose":
        a, b = draw(ref), draw(ref)
        other = draw(
            st.sampled_from([f"identity({b})", f"{b} | gelu", f"linear({b}, {draw(WIDTHS)})"])
        )
        return f"choose(linear({a}, {draw(WIDTHS)}) | relu, {other}, zero({a}))"
    inputs = draw(st.lists(ref, min_size=min(2, len(names)), max_size=3, unique=True))
    mode = draw(st.sampled_from(["sum", "mean", "concat"]))
    if form == "combine" or len(inputs) < 2:
        return f"{mode}({', '.join(inputs)})"
    pick = draw(st.integers(1, len(inputs) - 1))
    return f"{mode}(pick {pick} of {{{', '.join(inputs)}}})"


@st.composite
def spaces(draw: st.DrawFn) -> str:
    heads = []
    for head, source in (("projector", "16"), ("predictor", "projector")):
        names, lines = ["x"], []
        first = f"    n0 = linear(x, {draw(WIDTHS)}) | relu"
        lines.append(first)
        names.append("n0")
        for i in range(1, draw(st.integers(2, 5))):
            lines.append(f"    n{i} = {draw(node_exprs(names))}")
            names.append(f"n{i}")
        lines.append(f"    out = linear(n{len(names) - 2}, {draw(WIDTHS)})")
        heads.append(f"  head {head}(x: {source}) {{\n" + "\n".join(lines) + "\n  }")
    return "space generated {\n" + "\n".join(heads) + "\n}\n"


def member_decisions(draw: st.DrawFn, doc: ast.Document) -> dict[str, tuple[int, ...]]:
    """One decision per open choice of `doc` (sorted indices for `pick k of n`)."""
    decisions = {}
    for key, info in plan_document(doc, BACKBONE).choices.items():
        chosen = draw(st.lists(st.integers(0, info.size - 1), min_size=info.pick, unique=True))
        decisions[key] = tuple(sorted(chosen[: info.pick]))
    return decisions


def assert_member_checks(doc: ast.Document, decisions: dict[str, tuple[int, ...]]) -> None:
    probs = {k: torch.full((n,), 1.0 / n) for k, n in _sizes(doc).items()}
    member = genotype_document(doc, decisions, probs)
    text = print_document(member)
    result = check(parse(text), backbone_dim=BACKBONE)
    assert result.ok, (text, [e.message for e in result.errors])


def _sizes(doc: ast.Document) -> dict[str, int]:
    return {k: c.size for k, c in plan_document(doc, BACKBONE).choices.items()}


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.filter_too_much],
)
@given(st.data())
def test_members_of_generated_spaces_check(data: st.DataObject) -> None:
    text = data.draw(spaces())
    doc = parse(text)
    assume(check(doc, backbone_dim=BACKBONE).ok)
    for _ in range(3):
        assert_member_checks(doc, member_decisions(data.draw, doc))


@pytest.mark.parametrize("path", SPACES, ids=[p.stem for p in SPACES])
@settings(max_examples=8, deadline=None, derandomize=True)
@given(data=st.data())
def test_members_of_shipped_spaces_check(path: Path, data: st.DataObject) -> None:
    doc = parse_file(path)
    assert check(doc, backbone_dim=BACKBONE).ok
    assert_member_checks(doc, member_decisions(data.draw, doc))
