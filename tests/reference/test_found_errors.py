"""The silent disagreements found by trying `each`, `* N`, `repeat` and depth choices, one test
each, checked against the reference enumerator where it says what the answer is."""

from __future__ import annotations

import pytest
import torch

from nasiam_dsl.compile.count import count_architectures
from nasiam_dsl.compile.derive import rank_members
from nasiam_dsl.compile.sample import sample_members
from nasiam_dsl.lang import DSLError, parse
from nasiam_dsl.lang.check import check
from nasiam_dsl.lang.infer import plan_document
from nasiam_dsl.lang.printer import print_document
from nasiam_dsl.lang.same import architecture_text
from nasiam_dsl.membership import membership
from nasiam_dsl.pin import PinError, pin
from nasiam_dsl.reference import architectures, enumerate_members
from nasiam_dsl.usage import UsageProblem

EACH_WIDTH = """\
space each_width for simsiam {
  head projector(x: backbone) {
    a = linear(x, 16)
    h = choose(linear(a, width{8, 16}) | each{gelu, relu}, identity(a))
    z = linear(h, 8)
  }
  head predictor(z: projector) { p = linear(z, 8) }
}
"""


def texts(doc, dim: int = 16) -> set[str]:
    return set(architectures(enumerate_members(doc, dim)))


def one_hot(plan, chosen: dict[str, int], p: float = 0.69) -> dict[str, torch.Tensor]:
    """Probabilities that favour `chosen[key]` (p) and spread the rest evenly."""
    probs = {}
    for key, info in plan.choices.items():
        rest = (1 - p) / (info.size - 1)
        row = torch.full((info.size,), rest, dtype=torch.float64)
        row[chosen.get(key, 0)] = p if key in chosen else rest
        if key not in chosen:
            row[0] = 1 - rest * (info.size - 1)
        probs[key] = row
    return probs


def test_each_copies_keep_their_own_width_decision() -> None:
    space = parse(EACH_WIDTH)
    plan = plan_document(space, 16)
    assert list(plan.choices) == ["projector.h.op", "projector.h.width", "projector.h.width2"]
    # gelu wins with its own width at 16; relu's width (width2) prefers 8
    probs = one_hot(plan, {"projector.h.op": 0, "projector.h.width": 1, "projector.h.width2": 0})
    (best,) = rank_members(space, plan, probs, 1)
    assert "h = choose(linear(a, width{16 @0.69}) | gelu @0.69)" in print_document(best.genotype)


def test_pin_asks_only_for_the_kept_copys_decisions() -> None:
    space = parse(EACH_WIDTH)
    pinned = pin(space, {"projector.h.op": "0", "projector.h.width": "16"})
    assert "h = linear(a, 16) | gelu" in architecture_text(pinned)
    pinned = pin(
        space, {"projector.h.op": "linear(a, width{8, 16}) | relu", "projector.h.width2": "8"}
    )
    assert "h = linear(a, 8) | relu" in architecture_text(pinned)


def test_sample_draws_every_member_and_no_duplicate() -> None:
    space = parse(EACH_WIDTH)
    members = sample_members(space, 5, 0, backbone_dim=16)
    found = {architecture_text(m.genotype) for m in members}
    assert found == texts(space)  # all five, gelu/16 among them
    with pytest.raises(UsageProblem, match="only 5 architecture"):
        sample_members(space, 6, 0, backbone_dim=16)


def test_a_width_passed_to_a_block_that_uses_it_twice_is_two_decisions() -> None:
    space = parse("""\
space mlp_width {
  block mlp(x, w) { linear(x, w) | relu | linear(w) }
  head projector(x: 16) {
    h = mlp(x, width{8, 16})
    z = linear(h, 4)
  }
}
""")
    member = parse("""\
genotype m {
  head projector(x: 16) {
    h = linear(x, 8) | relu | linear(16)
    z = linear(h, 4)
  }
}
""")
    found = membership(member, space)
    assert found.ok, found.render()
    assert architecture_text(member) in texts(space)
    assert count_architectures(plan_document(space, 16)) == 4


def test_a_width_passed_to_a_repetition_is_a_decision_per_layer() -> None:
    space = parse("""\
space rep_width {
  block lin(x, w) { linear(x, w) | relu }
  head projector(x: 8) {
    h = repeat 2 lin(x, width{8, 16})
    z = linear(h, 4)
  }
}
""")
    pinned = pin(space, {"projector.h1.width": "8", "projector.h2.width": "16"})
    assert membership(pinned, space).ok
    for member in sample_members(space, 4, 3, backbone_dim=8):
        assert membership(member.genotype, space).ok


def test_equal_candidates_are_one_architecture() -> None:
    space = parse("""\
space copies {
  head projector(x: 128) {
    a = linear(x, 128)
    h = choose(linear(a, 128) * 3, identity(a))
    z = linear(h, 8)
  }
}
""")
    plan = plan_document(space, 128)
    assert count_architectures(plan) == len(texts(space, 128)) == 2
    for seed in range(10):
        drawn = sample_members(space, 2, seed, backbone_dim=128)
        assert len({architecture_text(m.genotype) for m in drawn}) == 2
    ranked = rank_members(space, plan, one_hot(plan, {"projector.h.op": 1}, p=0.3), 2)
    assert len({architecture_text(r.genotype) for r in ranked}) == 2


def test_a_label_inside_candidates_under_repeat_counts_every_architecture() -> None:
    space = parse("""\
space labelled {
  block l(x) { choose(linear(x, 8) | act{relu, gelu} as a, identity(x)) }
  head projector(x: 8) {
    h = repeat 2 l(x)
    z = linear(h, 4)
  }
}
""")
    assert count_architectures(plan_document(space, 8)) == len(texts(space, 8)) == 7


DEPTH = """\
space dc2 for mocov2 {
  block lbn(x, w) { linear(x, w, bias=false) | bn | relu }
  head projector(x: backbone) {
    h = repeat {1, 2, 3} lbn(x, 64)
    z = linear(h, 32)
  }
  constraint CONSTRAINT
}
"""


def test_constraints_see_only_the_layers_a_depth_keeps() -> None:
    space = parse(DEPTH.replace("CONSTRAINT", "params >= 15k"))
    plan = plan_document(space, 128)
    for probs in (one_hot(plan, {"projector.h.depth": d}) for d in range(3)):
        (best,) = rank_members(space, plan, probs, 1)
        assert [n.name for n in best.genotype.head("projector").nodes] == [
            "h1",
            "h2",
            "h3",
            "h",
            "z",
        ]  # depth 1 (10,400 parameters) and 2 break the constraint
    drawn = sample_members(space, 1, 0, backbone_dim=128)
    assert len(drawn[0].genotype.head("projector").nodes) == 5
    with pytest.raises(UsageProblem):
        sample_members(space, 2, 0, backbone_dim=128, max_tries=200)
    for kept in ("params <= 12k", "count(linear) <= 2"):
        assert check(parse(DEPTH.replace("CONSTRAINT", kept)), backbone_dim=128).ok, kept


def test_pin_reads_a_depth_as_its_number_of_layers() -> None:
    space = parse("""\
space depths {
  block lin(x) { linear(x, 8) | relu }
  head projector(x: 8) {
    h = repeat {2, 4} lin(x)
    z = linear(h, 4)
  }
}
""")
    two = pin(space, {"projector.h.depth": 2})
    assert [n.name for n in two.head("projector").nodes] == ["h1", "h2", "h", "z"]
    four = pin(space, {"projector.h.depth": "4"})
    assert len(four.head("projector").nodes) == 6
    with pytest.raises(PinError, match="the candidates are 0: 2; 1: 4"):
        pin(space, {"projector.h.depth": 1})


def test_a_block_ending_in_a_fixed_repeat_can_be_used() -> None:
    space = parse("""\
space tower {
  block lin(x) { linear(x, 8) | act{relu, gelu} }
  block tower(x) { t = repeat 2 lin(x) }
  head projector(x: 8) {
    h = tower(x)
    z = linear(h, 4)
  }
}
""")
    assert check(space, backbone_dim=8).ok
    names = [n.name for n in space.head("projector").nodes]
    assert names == ["h1", "h2", "z"]
    assert space.head("projector").nodes[-1].expr.source.name == "h2"
    assert count_architectures(plan_document(space, 8)) == len(texts(space, 8)) == 4


def test_a_space_no_member_of_which_keeps_its_constraints_is_refused() -> None:
    with pytest.raises(DSLError, match="none keeps them all"):
        from nasiam_dsl.lang import loads

        loads(DEPTH.replace("CONSTRAINT", "params >= 15k\n  constraint params <= 12k"),
              backbone_dim=128)  # fmt: skip
