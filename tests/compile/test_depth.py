"""Depth as a decision: a mixture over depths with shared prefix layers, hidden layers past
the chosen depth in counting, ranking, derivation, sampling and membership."""

from __future__ import annotations

import torch

from nasiam_dsl.compile import compile_space, count_architectures, plan_document
from nasiam_dsl.compile.derive import derive
from nasiam_dsl.compile.ranking import RankingSpace, ranked_members
from nasiam_dsl.compile.sample import sample_members
from nasiam_dsl.lang import loads, parse, print_document
from nasiam_dsl.membership import membership

DEEP = """space deep for simsiam {
  block layer(x, w) { choose(linear(x, w) | relu, identity(x)) }
  head projector(x: 16) {
    h = repeat {1, 2, 3} layer(x, 16)
    z = linear(h, 8)
  }
}
"""


def _searched(depth_logits: list[float]):
    doc, _ = loads(DEEP)
    net = compile_space(doc, 16, seed=0)
    with torch.no_grad():
        for key, p in net.arch.named_parameters():
            p.copy_(torch.tensor(depth_logits if "depth" in key else [1.0, 0.0]))
    return doc, net


def test_depth_key_kind_and_member_count() -> None:
    doc, _ = loads(DEEP)
    plan = plan_document(doc, 16)
    assert list(plan.choices) == [
        "projector.h1.op",
        "projector.h2.op",
        "projector.h3.op",
        "projector.h.depth",
    ]
    assert plan.choices["projector.h.depth"].kind == "depth"
    assert count_architectures(plan) == 2 + 4 + 8  # layers past a depth are hidden


def test_the_supernet_mixes_depths_and_ranking_sees_each_member_once() -> None:
    _doc, net = _searched([0.0, 2.0, 1.0])
    out = net(torch.randn(4, 16))["projector"]
    assert out.shape == (4, 8) and torch.isfinite(out).all()
    members = list(ranked_members(RankingSpace(net.plan, net.arch.probabilities())))
    assert len(members) == len({m.shape for m in members}) == 14
    assert members[0].decisions["projector.h.depth"] == (1,)


def test_a_derived_genotype_keeps_the_chosen_depth_and_is_a_member() -> None:
    doc, net = _searched([0.0, 2.0, 1.0])
    genotype = derive(net, doc)
    text = print_document(genotype)
    assert "h = depth(pick 1 of {h2 @" in text and "h3" not in text
    assert loads(text)[1].ok and not loads(text)[1].warnings
    found = membership(parse(text), doc)
    assert found.ok and found.decisions["projector.h.depth"] == (1,)


def test_sampled_members_are_distinct_architectures() -> None:
    doc, _ = loads(DEEP)
    members = sample_members(doc, 14, seed=0, backbone_dim=16)
    texts = {print_document(m.genotype.model_copy(update={"meta": None})) for m in members}
    assert len(texts) == 14
