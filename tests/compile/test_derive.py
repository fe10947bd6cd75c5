"""derive / top_k / load_chosen_weights: genotypes in the language, round trips, constraints."""

from __future__ import annotations

import pytest
import torch

from nasiam_dsl.compile import (
    compile_genotype,
    compile_space,
    derive,
    derive_decisions,
    load_chosen_weights,
    top_k,
)
from nasiam_dsl.lang.check import check
from nasiam_dsl.lang.errors import DSLError
from nasiam_dsl.lang.parser import parse
from nasiam_dsl.lang.printer import print_document

from .conftest import BACKBONE, DAG, seed_text


def _randomise(net, seed: int = 0) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for a in net.arch_parameters():
            a.copy_(torch.randn(a.shape, generator=g))


def _train_a_little(net, steps: int = 2) -> None:
    """Move weights and BN statistics away from their init."""
    opt = torch.optim.SGD(net.weight_parameters(), lr=0.1)
    net.train()
    for _ in range(steps):
        out = net(torch.randn(16, BACKBONE))
        loss = sum(o.pow(2).mean() for o in out.values())
        opt.zero_grad()
        loss.backward()
        opt.step()


@pytest.mark.parametrize("text", [DAG, seed_text()], ids=["dag", "seed"])
@pytest.mark.parametrize("fused", [True, False])
def test_round_trip_equals_the_pinned_supernet(text: str, fused: bool) -> None:
    net = compile_space(text, BACKBONE, seed=1, fused=fused)
    _randomise(net)
    _train_a_little(net)
    genotype = derive(net, meta={"dataset": "cifar10", "seed": 1, "epochs": 2})
    text_out = print_document(genotype)
    reparsed = parse(text_out)
    assert reparsed == genotype and reparsed.kind == "genotype"
    assert check(reparsed, backbone_dim=BACKBONE).ok
    fixed = compile_genotype(reparsed, BACKBONE)
    decisions = load_chosen_weights(fixed, net)
    assert decisions == derive_decisions(net)
    net.eval()
    fixed.eval()
    x = torch.randn(7, BACKBONE)
    with torch.no_grad(), net.arch.pinned(decisions):
        expected = net(x)
    got = fixed(x)
    for head in expected:
        torch.testing.assert_close(got[head], expected[head], atol=1e-5, rtol=1e-5)


def test_genotype_text_annotations_and_meta() -> None:
    net = compile_space(DAG, BACKBONE, seed=0)
    _randomise(net, 3)
    probs = net.arch.probabilities()
    text = print_document(derive(net, meta={"dataset": "cifar10", "epochs": 5}, name="g1"))
    assert text.startswith("genotype g1 for simsiam {")
    act = probs["shared.hidden_act"]
    best = ["relu", "gelu", "silu"][int(act.argmax())]
    assert f"act{{{best} @{round(float(act.max()), 4)}}} as hidden_act" in text
    assert text.count("as hidden_act") == 2  # labels kept, one decision
    assert 'source_space = "small_dag"' in text and "space_hash = " in text
    assert 'dataset = "cifar10"' in text and "epochs = 5" in text
    assert "width{" in text and "pick 2 of {" in text and "pick 1 of {" in text


SEED_WITH_CONSTRAINTS = seed_text().replace(
    "  head predictor", "  constraint count(identity) <= 1 per head\n  head predictor"
)


def _prefer_identity(net) -> None:
    with torch.no_grad():
        for i in range(1, 7):
            a = net.arch.alpha(f"projector.h{i}.op")
            a.zero_()
            a[2] = 2.0 + 0.1 * i  # identity, most probable in every projector layer
            a[3] = 1.0 + 0.01 * i  # then linear+relu


def test_derive_respects_count_constraints() -> None:
    net = compile_space(SEED_WITH_CONSTRAINTS, BACKBONE, seed=0)
    _prefer_identity(net)
    genotype = derive(net)
    projector = print_document(genotype).split("head predictor")[0]
    assert projector.count("identity(") == 1
    assert "identity(h5)" in projector  # greedy kept the most probable identity (h6 > h5 ...)
    # the identity kept is the most probable one: h6 has the largest logit
    decisions = derive_decisions(net)
    kept = [i for i in range(1, 7) if decisions[f"projector.h{i}.op"] == (2,)]
    assert kept == [6]


def test_derive_respects_params_budget() -> None:
    text = seed_text().replace(
        "  head predictor", "  constraint params(projector) <= 2000\n  head predictor"
    )
    net = compile_space(text, BACKBONE, seed=0)
    with torch.no_grad():
        for i in range(1, 7):
            net.arch.alpha(f"projector.h{i}.op").copy_(torch.tensor([0, 0, 0, 3.0, 0, 0, 0]))
    decisions = derive_decisions(net)
    linear = sum(decisions[f"projector.h{i}.op"][0] >= 3 for i in range(1, 7))
    # each linear layer costs 16*16 + 32 params, z costs 16*32 + 32 + 0: at most 5 linears
    assert linear == 5


def test_top_k_is_ranked_distinct_and_feasible() -> None:
    """The seed space has 7**8 * 6 * 3 architectures and no feasible one among the most
    probable: the ranks come from greedy repair, say so, and still start with `derive`'s
    genotype."""
    net = compile_space(SEED_WITH_CONSTRAINTS, BACKBONE, seed=0)
    _prefer_identity(net)
    ranked = top_k(net, k=5)
    assert len(ranked) == 5
    texts = {print_document(r.genotype.model_copy(update={"name": "x"})) for r in ranked}
    assert len(texts) == 5
    for r in ranked:
        identities = sum(r.decisions[f"projector.h{i}.op"] == (2,) for i in range(1, 7))
        assert identities <= 1
        assert not r.exact and _meta(r.genotype)["ranking"] == "greedy"
        assert 0 < r.probability <= 1
    assert print_document(ranked[0].genotype) == print_document(derive(net))


def test_a_large_constrained_space_is_exact_when_its_best_members_are_feasible() -> None:
    """7**8 * 6 * 3 architectures, random logits whose argmax breaks the constraint: the best
    feasible members are among the first probed, so the ranking is exact, best first, and
    `derive` is its rank 1."""
    net = compile_space(SEED_WITH_CONSTRAINTS, BACKBONE, seed=0)
    _randomise(net, 2)
    argmax = {key: (int(p.argmax()),) for key, p in net.arch.probabilities().items()}
    ranked = top_k(net, k=4)
    assert ranked[0].decisions != argmax
    probs = [r.probability for r in ranked]
    assert probs == sorted(probs, reverse=True) and len(set(probs)) == 4
    assert all(r.exact and _meta(r.genotype)["ranking"] == "exact" for r in ranked)
    assert print_document(ranked[0].genotype) == print_document(derive(net))


def _meta(doc) -> dict:
    return {e.key: e.value for e in doc.meta.entries}


SMALL_WITH_CONSTRAINT = """
space small for simsiam {
  head projector(x: backbone) {
    h1 = choose(linear(x, 16) | act{relu, gelu}, identity(x), avgpool(x) | bn)
    h2 = choose(linear(h1, 16) | act{relu, gelu}, identity(h1), avgpool(h1) | bn)
    z = linear(h2, 8)
  }
  constraint count(identity, avgpool) <= 1 per head
}
"""


def test_a_small_constrained_space_is_ranked_exactly() -> None:
    """16 members, every parameter-free candidate preferred: the best feasible members are
    found by enumeration, best first, and the genotype says the ranking was exact."""
    net = compile_space(SMALL_WITH_CONSTRAINT, BACKBONE, seed=0)
    with torch.no_grad():
        for key in ("projector.h1.op", "projector.h2.op"):
            net.arch.alpha(key).copy_(torch.tensor([0.0, 2.0, 1.0]))
    ranked = top_k(net, k=20)
    assert len(ranked) == 12  # 4 x 4 members, 2 x 2 of them with two parameter-free ops
    probs = [r.probability for r in ranked]
    assert probs == sorted(probs, reverse=True)
    assert all(r.exact and _meta(r.genotype)["ranking"] == "exact" for r in ranked)
    assert ranked[0].decisions["projector.h1.op"] != ranked[0].decisions["projector.h2.op"]
    assert print_document(derive(net)) == print_document(ranked[0].genotype)


def test_no_feasible_member_is_a_clear_error() -> None:
    text = SMALL_WITH_CONSTRAINT.replace("<= 1 per head", ">= 3 per head")
    with pytest.raises(DSLError, match="every architecture has at most 2 identity/avgpool op"):
        compile_space(text, BACKBONE, seed=0)  # the checker refuses the space first
    net = compile_space(SMALL_WITH_CONSTRAINT, BACKBONE, seed=0)
    unkept = parse(text)  # derivation judges the constraints of the document it is given
    with pytest.raises(ValueError, match="no architecture of the space satisfies"):
        derive(net, unkept)
    assert top_k(net, unkept, k=3) == []


def test_load_chosen_weights_refuses_a_foreign_genotype() -> None:
    net = compile_space(DAG, BACKBONE, seed=0)
    other = parse(DAG.replace("linear(h, 24)", "linear(h, 24) | relu"))
    _randomise(net)
    g = derive(net, other)
    with pytest.raises(ValueError, match="not in the space"):
        load_chosen_weights(compile_genotype(g, BACKBONE), net)


CONCAT_OF_CHOSEN_WIDTHS = """
space s {
  head p(x: backbone) {
    a = linear(x, width{4, 8, 16}) | relu
    b = linear(x, 16) | bn | relu
    c = concat(pick 2 of {a, b, x}) | silu
    d = concat(c, a)
    z = linear(d, 6)
  }
}
"""


@pytest.mark.parametrize("width", [0, 1, 2])
def test_picked_concat_of_chosen_widths_round_trips(width: int) -> None:
    """A derived genotype closes `concat(pick 2 of ...)` over inputs of unequal chosen widths
    (pick == number of inputs: the concat of all); its weights are the chosen blocks."""
    net = compile_space(CONCAT_OF_CHOSEN_WIDTHS, BACKBONE, seed=0)
    with torch.no_grad():
        net.arch.alpha("p.a.width").copy_(torch.eye(3)[width])
        net.arch.alpha("p.c.inputs").copy_(torch.tensor([1.0, 1.0, 0.0]))
    _train_a_little(net)
    text = print_document(derive(net))
    assert "concat(pick 2 of {a @" in text and f"width{{{[4, 8, 16][width]} @" in text
    assert check(parse(text), backbone_dim=BACKBONE).ok
    fixed = compile_genotype(parse(text), BACKBONE)
    decisions = load_chosen_weights(fixed, net)
    net.eval()
    x = torch.randn(5, BACKBONE)
    with torch.no_grad(), net.arch.pinned(decisions):
        expected = net(x)["p"]
    torch.testing.assert_close(fixed.eval()(x)["p"], expected, atol=1e-5, rtol=1e-5)


def test_per_feature_weights_after_a_concat_of_chosen_widths_are_the_chosen_blocks() -> None:
    text = CONCAT_OF_CHOSEN_WIDTHS.replace("| silu", "| bn")
    net = compile_space(text, BACKBONE, seed=0)
    with torch.no_grad():
        net.arch.alpha("p.a.width").copy_(torch.tensor([1.0, 0.0, 0.0]))  # a keeps 4 of 16
        net.arch.alpha("p.c.inputs").copy_(torch.tensor([1.0, 1.0, 0.0]))
    _train_a_little(net)
    fixed = compile_genotype(derive(net), BACKBONE)
    load_chosen_weights(fixed, net)
    bn_s = net.heads["p"].nodes["c"].stages[0]
    bn_g = fixed.heads["p"].nodes["c"].stages[0]
    rows = list(range(4)) + list(range(16, 32))  # a's first 4 features, then all of b's
    assert torch.equal(bn_g.running_mean, bn_s.running_mean[rows])
    assert torch.equal(bn_g.weight, bn_s.weight[rows])
    z_s = net.heads["p"].nodes["z"].stages[0].weight
    z_g = fixed.heads["p"].nodes["z"].stages[0].weight
    assert torch.equal(z_g, z_s[:, rows + list(range(32, 36))])  # d = concat(c, a)


def test_check_accepts_a_closed_picked_concat_of_unequal_widths() -> None:
    head = "head p(x: 8) {{ a = linear(x, 4)  b = linear(x, 6)  c = concat({}) }}"
    closed = check(parse("genotype g { " + head.format("pick 2 of {a, b}") + " }"), backbone_dim=8)
    assert closed.ok and closed.node_widths[("p", "c")] == 10
    opened = check(parse("space s { " + head.format("pick 1 of {a, b}") + " }"), backbone_dim=8)
    assert [d.message for d in opened.errors] == [
        "width mismatch: inputs of a picked concat have widths 4, 6"
    ]


WIDTH_THEN_BN_IN_A_LATER_NODE = """
space w for simsiam {
  head p(x: backbone) {
    a = linear(x, width{4, 8, 16}) | relu
    b = a | bn | relu
    z = linear(b, 6)
  }
}
"""


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("width", [0, 1, 2])
def test_a_chosen_width_stays_masked_through_a_later_nodes_bn(width: int, fused: bool) -> None:
    """BN in a later node turns masked-out features into its bias; the supernet re-applies the
    width's support so the pinned supernet equals the derived genotype."""
    net = compile_space(WIDTH_THEN_BN_IN_A_LATER_NODE, BACKBONE, seed=0, fused=fused)
    with torch.no_grad():
        net.arch.alpha("p.a.width").copy_(torch.eye(3)[width] * 5)
    _train_a_little(net)
    with torch.no_grad():  # a bias that would leak through masked features if not re-masked
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm1d) and m.affine:
                m.bias.add_(1.0)
    text = print_document(derive(net))
    fixed = compile_genotype(parse(text), BACKBONE)
    decisions = load_chosen_weights(fixed, net)
    net.eval()
    x = torch.randn(5, BACKBONE)
    with torch.no_grad(), net.arch.pinned(decisions):
        expected = net(x)["p"]
    torch.testing.assert_close(fixed.eval()(x)["p"], expected, atol=1e-5, rtol=1e-5)
