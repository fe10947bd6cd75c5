"""Blocks, repetition and candidate shorthands: expansion names, parameters, errors."""

from __future__ import annotations

import pytest

from nasiam_dsl.lang import DSLError, check, loads, parse, print_document
from nasiam_dsl.lang.walk import iter_choices


def names(text: str, head: int = 0) -> list[str]:
    return [n.name for n in parse(text).heads[head].nodes]


def errors(text: str) -> list[str]:
    return [d.message for d in check(parse(text)).errors]


SUBGRAPH = """space s {
  block res(x, w) {
    a = linear(x, w) | relu
    y = sum(x, a)
  }

  head p(x: 32) {
    r = res(x, 32)
    h = repeat 2 res(r, 32)
    z = linear(h, 8)
  }
}
"""


def test_sub_graph_names_and_the_alias_of_a_repetition() -> None:
    doc = parse(SUBGRAPH)
    assert names(SUBGRAPH) == ["r_a", "r", "h1_a", "h1", "h2_a", "h2", "z"]
    z = doc.heads[0].nodes[-1]
    assert z.expr.source.name == "h2"  # later nodes read the last layer
    assert doc.heads[0].nodes[2].expr.source.name == "r"  # layer 1 reads the use's input
    assert print_document(doc) == SUBGRAPH
    assert parse(print_document(doc)) == doc


def test_a_name_ending_in_a_digit_numbers_after_an_underscore() -> None:
    text = "space s { block l(x) { x | relu } head p(x: 4) { b2 = repeat 2 l(x) } }"
    assert names(text) == ["b2_1", "b2_2"]


def test_each_repetition_has_its_own_decisions_unless_labelled() -> None:
    own = "space s { block l(x) { x | act{relu, gelu} } head p(x: 4) { h = repeat 3 l(x) } }"
    assert [s.key for s in iter_choices(parse(own))] == ["p.h1.act", "p.h2.act", "p.h3.act"]
    shared = own.replace("act{relu, gelu}", "act{relu, gelu} as a")
    assert {s.key for s in iter_choices(parse(shared))} == {"shared.a"}


def test_width_and_set_parameters_and_global_lets() -> None:
    text = """space s {
      let acts = {relu, silu}
      let dim = 16
      block l(x, w, a) { linear(x, w) | act(a) | linear(dim) }
      head p(x: 4) { h = l(x, width{8, 12} as w, acts) }
    }"""
    doc, _ = loads(text)
    (node,) = doc.heads[0].nodes
    assert (
        print_document(doc.model_copy(update={"written": None, "blocks": ()})).count(
            "linear(x, width{8, 12} as w) | act(acts) | linear(dim)"
        )
        == 1
    )
    assert node.name == "h"


def test_each_and_copies_make_candidates() -> None:
    text = """space s {
      let pools = {maxpool, avgpool(kernel=5)}
      head p(x: 4) { h = choose(x | each(pools) | bn, identity(x) * 2, x | each{relu, elu}) }
    }"""
    (choose,) = [s.choice for s in iter_choices(parse(text))]
    shown = [print_document(parse(text)).count(c) for c in ("maxpool", "avgpool(kernel=5)")]
    assert len(choose.candidates) == 6 and shown == [1, 1]
    firsts = [c.stages[0].name for c in choose.candidates]
    assert firsts == ["maxpool", "avgpool", "identity", "identity", "relu", "elu"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "space s { block l(x) { q | relu } head p(x: 4) { h = l(x) } }",
            "block 'l' has no node or input 'q'",
        ),
        (
            "space s { block l(x) { x | relu } block l(y) { y } head p(x: 4) { h = l(x) } }",
            "duplicate block 'l'",
        ),
        (
            "space s { block relu(x) { x } head p(x: 4) { h = relu(x) } }",
            "block 'relu' has the name of an op",
        ),
        (
            "space s { block l(x) { x | relu } head p(x: 4) { h = x | each{relu} } }",
            "`each` makes one candidate per item: it goes in a candidate of choose(...)",
        ),
        (
            "space s { block l(x) { x | relu } head p(x: 4) { h = repeat 2 l(x) | bn } }",
            "a repeated block takes no stages after it",
        ),
        (
            "space s { block l(x) { x | relu } head p(x: 4) { h = repeat {2, 1} l(x) } }",
            "depths are listed in increasing order",
        ),
        (
            "space s { block l(x) { x | relu } head p(x: 4) { h = repeat 65 l(x) } }",
            "cannot repeat a block 65 times",
        ),
        (
            "space s { block l(x, a) { x | act(a) } head p(x: 4) { h = l(x, 8) } }",
            "parameter 'a' of block 'l' is used as a set",
        ),
        (
            "space s { block l(x) { a = x | relu  b = a | bn } head p(x: 4) "
            "{ h = choose(l(x), x) } }",
            "block 'l' has several nodes: use it as a node of its own",
        ),
        (
            "space s { head p(x: 4) { a = x | relu  h = depth(a, x) } }",
            "depth(...) keeps one input: the output after the chosen number of layers",
        ),
    ],
)
def test_misused_blocks(text: str, message: str) -> None:
    assert errors(text)[0] == message


def test_an_error_inside_a_block_names_the_use_site() -> None:
    text = "space s {\n  block l(x) { x | gelu2 }\n  head p(x: 4) {\n    h = l(x)\n  }\n}\n"
    with pytest.raises(DSLError) as info:
        loads(text, "b.nas")
    rendered = info.value.render()
    assert "b.nas:2:20: error: unknown op 'gelu2'" in rendered
    assert "b.nas:4:9: note: in this use of block 'l'" in rendered
    assert "    4 |     h = l(x)" in rendered


def test_nested_repetition_is_bounded() -> None:
    text = (
        "space s { block a(x) { x | relu } block b(x) { h = repeat 64 a(x) } "
        "block c(x) { h = repeat 64 b(x) } head p(x: 4) { h = repeat 64 c(x) } }"
    )
    assert "expand to more than" in errors(text)[0]
