"""Candidate names, chosen candidates and aligning a genotype with its space."""

from __future__ import annotations

from nasiam_dsl.lang import parse
from nasiam_dsl.membership.chosen import (
    Chosen,
    align_genotype,
    candidate_names,
    choice_heads,
    chosen_candidates,
)
from tests.show.conftest import FINAL, GENOTYPE, SPACE

DAG_SPACE = """\
space dag for simsiam {
  let acts = {relu, gelu, silu, elu, hardswish, mish}
  let dim = 2048

  head projector(x: backbone) {
    h1 = linear(x, 2048, bias=false) | bn | act(acts) as hidden_act
    h2 = choose(linear(h1, 2048, bias=false) | bn | act(acts), identity(h1), zero(h1))
    h3 = sum(pick 1 of {h1, h2})
    z = linear(h3, dim, bias=frozen) | bn(affine=false)
  }

  head predictor(z: projector) {
    h = linear(z, width{256, 512, 1024}, bias=false) | norm{bn, layernorm} | act(acts) as hidden_act
    p = linear(h, dim)
  }
}
"""

DAG_GENOTYPE = """\
genotype found for simsiam {
  let dim = 2048

  head projector(x: backbone) {
    h1 = linear(x, 2048, bias=false) | bn | act{gelu @0.71} as hidden_act
    h2 = choose(linear(h1, 2048, bias=false) | bn | act{silu @0.33} @0.58)
    h3 = sum(pick 1 of {h2 @0.9})
    z = linear(h3, dim, bias=frozen) | bn(affine=false)
  }

  head predictor(z: projector) {
    h = linear(z, width{512 @0.4}, bias=false) | norm{bn @1.0} | act{gelu @0.71} as hidden_act
    p = linear(h, dim)
  }
}
"""


def test_candidate_names_follow_the_walk_and_the_lets() -> None:
    names = candidate_names(parse(SPACE))
    assert names == {
        "projector.h1.act": ["relu", "gelu", "silu"],
        "projector.h2.op": ["linear(h1, 32) | bn | act(acts)", "identity(h1)", "avgpool(h1) | bn"],
        "projector.h2.act": ["relu", "gelu", "silu"],
        "projector.h3.inputs": ["h1", "h2"],
        "predictor.h.width": ["8", "16"],
        "predictor.h.norm": ["bn", "layernorm"],
        "shared.hidden": ["relu", "gelu"],
    }
    assert set(names) == set(FINAL)  # the keys the fake run logs


def test_open_only_drops_closed_choices() -> None:
    doc = parse(
        "space s for simsiam { head projector(x: 8) { z = linear(x, 8) | act{relu} "
        "| norm{bn, layernorm} } }"
    )
    assert candidate_names(doc) == {
        "projector.z.act": ["relu"],
        "projector.z.norm": ["bn", "layernorm"],
    }
    assert list(candidate_names(doc, open_only=True)) == ["projector.z.norm"]


def test_choice_heads_lists_every_head_of_a_shared_key() -> None:
    heads = choice_heads(parse(DAG_SPACE))
    assert heads["shared.hidden_act"] == ["projector", "predictor"]
    assert heads["projector.h2.op"] == ["projector"]
    assert heads["predictor.h.width"] == ["predictor"]


def test_chosen_candidates_of_a_genotype() -> None:
    chosen = chosen_candidates(parse(GENOTYPE))
    assert chosen["projector.h1.act"] == Chosen("projector.h1.act", "act", ("gelu",), (0.71,))
    assert chosen["projector.h2.op"].names == ("identity(h1)",)
    assert chosen["projector.h2.op"].prob == 0.6
    assert chosen["projector.h3.inputs"].text() == "h2 @0.55"
    assert chosen["predictor.h.width"].text() == "16 @0.8"
    assert chosen["shared.hidden"].text() == "gelu @0.7"
    assert "projector.h2.act" not in chosen  # inside a candidate the genotype dropped


def test_chosen_candidates_of_a_space_are_all_candidates() -> None:
    chosen = chosen_candidates(parse(SPACE))
    assert chosen["predictor.h.norm"].names == ("bn", "layernorm")
    assert chosen["predictor.h.norm"].probs == (None, None)
    assert chosen["predictor.h.norm"].text() == "bn, layernorm"


def test_align_gives_space_indices_and_names() -> None:
    aligned = align_genotype(parse(SPACE), parse(GENOTYPE))
    assert {k: c.indices for k, c in aligned.items()} == {
        "projector.h1.act": (1,),
        "projector.h2.op": (1,),
        "projector.h3.inputs": (1,),
        "predictor.h.width": (1,),
        "predictor.h.norm": (0,),
        "shared.hidden": (1,),
    }
    assert aligned["projector.h2.op"].names == ("identity(h1)",)
    assert aligned["projector.h2.op"].prob == 0.6


def test_align_names_a_closed_op_candidate_as_in_the_space() -> None:
    aligned = align_genotype(parse(DAG_SPACE), parse(DAG_GENOTYPE))
    op = aligned["projector.h2.op"]
    assert op.indices == (0,)
    assert op.names == ("linear(h1, 2048, bias=false) | bn | act(acts)",)
    assert op.probs == (0.58,)
    # the choice inside the chosen candidate keeps the space's key
    assert aligned["projector.h2.act"] == Chosen(
        "projector.h2.act", "act", ("silu",), (0.33,), (2,)
    )
    assert aligned["projector.h3.inputs"].indices == (1,)
    assert aligned["predictor.h.width"].names == ("512",)
    assert aligned["shared.hidden_act"].names == ("gelu",)
    assert list(aligned) == [
        "shared.hidden_act",
        "projector.h2.op",
        "projector.h2.act",
        "projector.h3.inputs",
        "predictor.h.width",
        "predictor.h.norm",
    ]


def test_align_a_non_member_aligns_nothing() -> None:
    """Membership is the one notion of member: a genotype outside its space gets no
    decisions (it used to be aligned choice by choice, a second notion of member)."""
    space = parse(SPACE)
    other = GENOTYPE.replace("act{gelu @0.71}", "act{mish @0.71}")
    assert align_genotype(space, parse(other)) == {}
    assert align_genotype(space, parse(GENOTYPE))  # the member itself aligns


def test_align_takes_the_most_probable_of_equal_candidates() -> None:
    space = parse(
        "space s { head p(x: 8) { h = choose(linear(x, 4), linear(x, 4), identity(x)) } }"
    )
    genotype = parse("genotype g { head p(x: 8) { h = linear(x, 4) } }")
    assert align_genotype(space, genotype)["p.h.op"].indices == (0,)
    probs = {"p.h.op": [0.2, 0.5, 0.3]}
    assert align_genotype(space, genotype, probs)["p.h.op"].indices == (1,)
