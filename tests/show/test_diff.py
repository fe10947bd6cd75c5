"""Differences between hand-made pairs of genotypes and spaces."""

from __future__ import annotations

from rich.console import Console

from nasiam_dsl.lang import parse
from nasiam_dsl.show.diff import Difference, diff_documents, diff_table, format_difference
from tests.show.conftest import GENOTYPE, SPACE


def test_same_meaning_is_no_difference() -> None:
    relaid = "# a comment\n" + GENOTYPE.replace("  ", "    ").replace("seed = 0", "seed = 0  # s")
    assert diff_documents(parse(GENOTYPE), parse(relaid)) == []
    assert diff_documents(parse(SPACE), parse(SPACE)) == []


def test_genotypes_choice_by_choice_and_node_by_node() -> None:
    a = parse(GENOTYPE)
    b = parse(
        GENOTYPE.replace("act{gelu @0.71}", "act{relu @0.52}")  # another candidate
        .replace("choose(identity(h1) @0.6)", "choose(identity(h1) @0.64)")  # probability
        .replace("seed = 0", "seed = 1")
        .replace("    p = linear(h, 16)\n", "    q = linear(h, 16) | bn\n    p = linear(q, 16)\n")
    )
    assert diff_documents(a, b) == [
        Difference("meta", "seed", "changed", "0", "1"),
        Difference(
            "node",
            "projector.h1",
            "changed",
            "linear(x, 32) | bn | act{gelu}",
            "linear(x, 32) | bn | act{relu}",
        ),
        Difference("node", "predictor.p", "changed", "linear(h, 16)", "linear(q, 16)"),
        Difference("node", "predictor.q", "added", None, "linear(h, 16) | bn"),
        Difference("choice", "projector.h1.act", "changed", "gelu @0.71", "relu @0.52"),
        Difference(
            "choice", "projector.h2.op", "probability", "identity(h1) @0.6", "identity(h1) @0.64"
        ),
    ]


def test_probability_tolerance() -> None:
    a = parse(GENOTYPE)
    b = parse(GENOTYPE.replace("@0.71", "@0.7105"))
    assert [d.change for d in diff_documents(a, b)] == ["probability"]
    assert diff_documents(a, b, tolerance=0.001) == []


def test_heads_and_header() -> None:
    a = parse(GENOTYPE)
    head_start = GENOTYPE.index("  head predictor")
    only_projector = GENOTYPE[:head_start].rstrip() + "\n}\n"
    b = parse(
        only_projector.replace("tiny_derived for simsiam", "other for byol").replace(
            "projector(x: 64)", "projector(x: 128)"
        )
    )
    diffs = diff_documents(a, b)
    assert diffs[:2] == [
        Difference("document", "name", "changed", "tiny_derived", "other"),
        Difference("document", "framework", "changed", "simsiam", "byol"),
    ]
    assert (
        Difference("head", "projector", "changed", "projector(x: 64)", "projector(x: 128)") in diffs
    )
    assert Difference("head", "predictor", "removed", "predictor(z: projector)", None) in diffs
    removed = [d.path for d in diffs if d.area == "choice"]
    assert removed == ["predictor.h.width", "predictor.h.norm", "shared.hidden"]
    assert all(d.change == "removed" for d in diffs if d.area == "choice")
    back = diff_documents(b, a)
    assert Difference("head", "predictor", "added", None, "predictor(z: projector)") in back


def test_output_node_change() -> None:
    a = parse("genotype g { head projector(x: 8) { a = linear(x, 8)\n z = linear(a, 8) } }")
    b = parse("genotype g { head projector(x: 8) { z = linear(x, 8)\n a = linear(z, 8) } }")
    diffs = diff_documents(a, b)
    assert Difference("head", "projector output", "changed", "z", "a") in diffs


def test_spaces_lets_candidates_constraints() -> None:
    a = parse(SPACE)
    b = parse(
        SPACE.replace("let acts = {relu, gelu, silu}", "let acts = {relu, gelu, silu, mish}")
        .replace("width{8, 16}", "width{8, 16, 32}")
        .replace("  }\n}\n", "  }\n\n  constraint count(identity) <= 1 per head\n}\n")
    )
    assert diff_documents(a, b) == [
        Difference("let", "acts", "changed", "{relu, gelu, silu}", "{relu, gelu, silu, mish}"),
        Difference(
            "node",
            "predictor.h",
            "changed",
            "linear(z, width{8, 16}) | norm{bn, layernorm} | act{relu, gelu} as hidden",
            "linear(z, width{8, 16, 32}) | norm{bn, layernorm} | act{relu, gelu} as hidden",
        ),
        Difference(
            "choice", "projector.h1.act", "changed", "relu, gelu, silu", "relu, gelu, silu, mish"
        ),
        Difference(
            "choice", "projector.h2.act", "changed", "relu, gelu, silu", "relu, gelu, silu, mish"
        ),
        Difference("choice", "predictor.h.width", "changed", "8, 16", "8, 16, 32"),
        Difference(
            "constraint",
            "count(identity) <= 1 per head",
            "added",
            None,
            "count(identity) <= 1 per head",
        ),
    ]


def test_meta_added_and_removed() -> None:
    a = parse('genotype g { meta { seed = 0\n source = "a" } head p(x: 8) { z = linear(x, 8) } }')
    b = parse("genotype g { meta { seed = 0\n epochs = 3 } head p(x: 8) { z = linear(x, 8) } }")
    assert diff_documents(a, b) == [
        Difference("meta", "source", "removed", '"a"', None),
        Difference("meta", "epochs", "added", None, "3"),
    ]


def test_format_and_table() -> None:
    a = parse(GENOTYPE)
    b = parse(GENOTYPE.replace("act{gelu @0.71}", "act{relu @0.52}").replace("seed = 0\n", ""))
    diffs = diff_documents(a, b)
    assert [format_difference(d) for d in diffs] == [
        "- meta seed: 0",
        "~ node projector.h1: linear(x, 32) | bn | act{gelu} -> linear(x, 32) | bn | act{relu}",
        "~ choice projector.h1.act: gelu @0.71 -> relu @0.52",
    ]
    table = diff_table(diffs, "seed0.nas", "seed1.nas")
    assert table.row_count == 3
    console = Console(width=160, record=True, color_system=None)
    console.print(table)
    text = console.export_text()
    assert "seed0.nas → seed1.nas" in text
    assert "choice projector.h1.act" in text and "relu @0.52" in text
    empty = diff_table([], "a", "b")
    assert empty.row_count == 0 and empty.caption == "no differences"
