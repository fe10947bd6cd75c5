"""One ranking: `top_k` against brute force on random small spaces with nested choices.

A member (a distinct architecture) scores the probability of the most probable full decision
vector that realises it. The brute force below enumerates every full decision vector of a
space, groups the vectors by the member they build (the decisions left visible) and keeps
each member's best vector: that is the definition, computed without the ranking's shortcuts.
"""

from __future__ import annotations

import itertools
import math
import random
import re

import pytest
import torch

from nasiam_dsl.compile import compile_space, count_plan, derive, derive_decisions, top_k
from nasiam_dsl.compile.ranking import Options
from nasiam_dsl.compile.sample import violated_constraints
from nasiam_dsl.lang.check import check
from nasiam_dsl.lang.infer import plan_document
from nasiam_dsl.lang.parser import parse
from nasiam_dsl.lang.plan import (
    Choose,
    Inputs,
    Linear,
    Pipeline,
    Plan,
    SetChoice,
)
from nasiam_dsl.lang.printer import print_document
from nasiam_dsl.search.samplers import SigmoidSampler

WIDTH = 8
MAX_VECTORS = 1200
Shape = tuple[tuple[str, tuple[int, ...]], ...]


# ---- random small spaces --------------------------------------------------------------------


def _act(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return "act{relu, gelu, silu} as shared_act"  # one decision across nodes and depths
    return "act{" + ", ".join(rng.sample(["relu", "gelu", "silu", "elu"], rng.randint(2, 3))) + "}"


def _op_choice(rng: random.Random, prev: str, node: str) -> str:
    """An op choice whose candidates hold choices: activations and norms (hidden when another
    candidate is kept), a `pick` of inputs, or a width shared by label between candidates
    (candidates of one choice must agree on their width)."""
    if rng.random() < 0.2:
        width = f"width{{4, 8}} as w_{node}"
        cands = [f"linear({prev}, {width}) | {_act(rng)}", f"linear({prev}, {width}) | bn"]
    else:
        linear = f"linear({prev}, {WIDTH}) | {_act(rng)}"
        pool = [
            f"linear({prev}, {WIDTH}) | norm{{bn, none}}",
            f"identity({prev})",
            f"avgpool({prev}) | bn",
            f"sum(pick 1 of {{x, {prev}}}) | bn" if prev != "x" else f"zero({prev})",
        ]
        cands = [linear, *rng.sample(pool, rng.randint(1, 2))]
    rng.shuffle(cands)
    return f"choose({', '.join(cands)})"


def _head(rng: random.Random, name: str, source: str, last: bool) -> str:
    names = ["x"]
    lines = []
    for j in range(rng.randint(2, 3)):
        node = f"n{j}"
        kinds = ["op", "op", "act"] + ["pick"] * (len(names) - 1)
        kind = rng.choice(kinds)
        if kind == "op":
            expr = _op_choice(rng, names[-1], f"{name}{j}")
        elif kind == "act":
            expr = f"linear({names[-1]}, {WIDTH}) | {_act(rng)}"
        else:
            pick = max(rng.randint(1, len(names) - 1), rng.randint(1, len(names) - 1))
            expr = f"sum(pick {pick} of {{{', '.join(names)}}})"
        lines.append(f"    {node} = {expr}")
        names.append(node)
    out = rng.choice(["6", "width{4, 6}"]) if last else str(WIDTH)
    lines.append(f"    z = linear({names[-1]}, {out})")
    return f"  head {name}(x: {source}) {{\n" + "\n".join(lines) + "\n  }"


def _vectors(plan: Plan) -> int:
    return math.prod(math.comb(c.size, c.pick) for c in plan.choices.values())


def random_space(seed: int, constraint: str | None = None) -> str:
    """A checked space with nested choices, of at most `MAX_VECTORS` full decision vectors.

    `constraint`: None, "count" (parameter-free ops per head) or "params" (a budget halfway
    between the smallest and the largest member).
    """
    rng = random.Random(seed)
    while True:
        two = rng.random() < 0.5
        heads = [_head(rng, "p", "backbone", last=not two)]
        if two:
            heads.append(_head(rng, "q", "p", last=True))
        text = "space r {\n" + "\n".join(heads) + "\n}\n"
        doc = parse(text)
        if not check(doc, backbone_dim=WIDTH).ok:
            continue
        plan = plan_document(doc, WIDTH)
        if not 2 <= _vectors(plan) <= MAX_VECTORS:
            continue
        if constraint == "count":
            line = "  constraint count(identity, avgpool) <= 0 per head\n"
        elif constraint == "params":
            counts = count_plan(plan)
            low, high = counts.smallest_total.params, counts.largest_total.params
            line = f"  constraint params <= {(low + high) // 2}\n"
        else:
            return text
        constrained = text[: text.rindex("}")] + line + "}\n"
        if check(parse(constrained), backbone_dim=WIDTH).ok:
            return constrained


# ---- brute force ---------------------------------------------------------------------------


def visible_shape(plan: Plan, decisions: dict[str, tuple[int, ...]]) -> Shape:
    """The decisions a full vector leaves visible: what the architecture is."""
    seen: dict[str, tuple[int, ...]] = {}

    def walk(p: Pipeline) -> None:
        if isinstance(p.source, Choose):
            key = p.source.key
            if key is not None:
                seen[key] = decisions[key]
            walk(p.source.candidates[decisions[key][0] if key is not None else 0])
        elif isinstance(p.source, Inputs) and p.source.key is not None:
            seen[p.source.key] = decisions[p.source.key]
        for stage in p.stages:
            if isinstance(stage, (Linear, SetChoice)) and stage.key is not None:
                seen[stage.key] = decisions[stage.key]

    for head in plan.heads:
        for node in head.nodes:
            walk(node.pipeline)
    return tuple(sorted(seen.items()))


def brute_force(net, feasible=None) -> list[tuple[float, Shape]]:
    """Every member with its score (its best full vector's probability), best first."""
    plan, probs = net.plan, net.arch.probabilities()
    keys = list(plan.choices)
    options = [
        list(itertools.combinations(range(plan.choices[k].size), plan.choices[k].pick))
        for k in keys
    ]
    best: dict[Shape, float] = {}
    infeasible: set[Shape] = set()
    for vector in itertools.product(*options):
        decisions = dict(zip(keys, vector, strict=True))
        shape = visible_shape(plan, decisions)
        if shape not in best and feasible is not None and not feasible(decisions):
            infeasible.add(shape)  # the same heads for every vector of this member
        score = math.prod(float(probs[k][i]) for k, o in decisions.items() for i in o)
        best[shape] = max(best.get(shape, 0.0), score)
    ranked = [(s, shape) for shape, s in best.items() if shape not in infeasible]
    ranked.sort(key=lambda ss: -ss[0])
    return ranked


def _randomise(net, seed: int, scale: float = 1.5) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for a in net.arch_parameters():
            a.copy_(scale * torch.randn(a.shape, generator=g))


def assert_same_ranking(got, expected: list[tuple[float, Shape]], plan: Plan, k: int) -> None:
    assert len(got) == min(k, len(expected))
    scores = [r.probability for r in got]
    assert scores == pytest.approx([s for s, _ in expected[:k]], rel=1e-9, abs=1e-15)
    shapes = [visible_shape(plan, dict(r.decisions)) for r in got]
    assert len(set(shapes)) == len(shapes), "top_k returned one member twice"
    by_score = {shape: s for s, shape in expected}
    for shape, score in zip(shapes, scores, strict=True):
        assert by_score[shape] == pytest.approx(score, rel=1e-9)  # the member's true score


# ---- properties ------------------------------------------------------------------------------

K = 6


@pytest.mark.parametrize("seed", range(24))
def test_top_k_equals_brute_force_without_constraints(seed: int) -> None:
    net = compile_space(random_space(seed), WIDTH, seed=seed)
    _randomise(net, seed)
    expected = brute_force(net)
    ranked = top_k(net, k=K)
    assert_same_ranking(ranked, expected, net.plan, K)
    assert derive_decisions(net) == ranked[0].decisions
    assert all(r.probability <= 1.0 for r in ranked)


@pytest.mark.parametrize("constraint", ["count", "params"])
@pytest.mark.parametrize("seed", range(12))
def test_top_k_equals_brute_force_with_constraints(seed: int, constraint: str) -> None:
    net = compile_space(random_space(100 + seed, constraint), WIDTH, seed=seed)
    _randomise(net, seed)
    doc = net.doc

    def feasible(decisions) -> bool:
        return not violated_constraints(doc, net.plan, decisions)

    expected = brute_force(net, feasible)
    ranked = top_k(net, k=K)
    assert_same_ranking(ranked, expected, net.plan, K)
    for r in ranked:
        assert feasible(r.decisions)
        assert {m.key: m.value for m in r.genotype.meta.entries}["ranking"] == "exact"
    if expected:
        assert derive_decisions(net) == ranked[0].decisions


@pytest.mark.parametrize("seed", range(6))
def test_sigmoid_scores_are_products_not_normalised(seed: int) -> None:
    net = compile_space(random_space(200 + seed), WIDTH, seed=seed, sampler=SigmoidSampler())
    _randomise(net, seed)
    assert_same_ranking(top_k(net, k=K), brute_force(net), net.plan, K)


@pytest.mark.parametrize("seed", range(40))
def test_derive_is_rank_one_for_every_k(seed: int) -> None:
    net = compile_space(random_space(300 + seed), WIDTH, seed=seed)
    _randomise(net, seed)
    derived = print_document(derive(net))
    for k in (1, 2, 4):
        ranked = top_k(net, k=k)
        assert print_document(ranked[0].genotype) == derived
        shapes = {visible_shape(net.plan, dict(r.decisions)) for r in ranked}
        assert len(shapes) == len(ranked)


DEMO_WITHOUT_CONSTRAINTS = """
space demo for simsiam {
  let acts = {relu, silu, hardswish, elu}
  head projector(x: backbone) {
    h1 = linear(x, backbone, bias=false) | bn | act(acts)
    h2 = choose(linear(h1, backbone, bias=false) | bn | act(acts), identity(h1), avgpool(h1) | bn)
    z = linear(h2, 16, bias=frozen) | bn(affine=false)
  }
}
"""


def test_a_hidden_decision_is_no_free_factor() -> None:
    """With every candidate equally likely, every member is equally likely: hiding the nested
    activation behind `identity` or `avgpool` does not make a member 4x as probable."""
    net = compile_space(DEMO_WITHOUT_CONSTRAINTS, WIDTH, arch_init="zeros")
    ranked = top_k(net, k=30)
    assert len(ranked) == 4 * 6  # h1's activation times h2's (4 linears, identity, avgpool)
    expected = 1 / 4 * 1 / 3 * 1 / 4  # h1's activation, h2's candidate, h2's activation
    assert [r.probability for r in ranked] == pytest.approx([expected] * 24, rel=1e-6)


@pytest.mark.parametrize(("n", "pick"), [(5, 1), (6, 2), (6, 3), (7, 4)])
def test_pick_options_come_best_first_and_complete(n: int, pick: int) -> None:
    logp = torch.randn(n, generator=torch.Generator().manual_seed(n * 10 + pick)).tolist()
    options = Options(logp, pick)
    got = []
    while options.has(len(got)):
        got.append((options.log_prob(len(got)), options.option(len(got))))
    every = [(math.fsum(logp[i] for i in c), c) for c in itertools.combinations(range(n), pick)]
    assert sorted(o for _, o in got) == sorted(o for _, o in every)  # each subset once
    assert [lp for lp, _ in got] == sorted((lp for lp, _ in every), reverse=True)


def test_tied_options_keep_the_candidates_order() -> None:
    options = Options([0.0, 0.0, -1.0, 0.0], pick=2)
    assert [options.option(r) for r in range(3)] == [(0, 1), (0, 3), (1, 3)]


def test_the_random_spaces_hold_what_the_properties_need() -> None:
    """Across the seeds used above: op choices with nested choices, a label shared across
    nodes, `pick k of n` with k > 1, and two heads."""
    seeds = [*range(24), *range(200, 206), *range(300, 340)]  # the unconstrained ones
    texts = [random_space(seed) for seed in seeds]
    assert any("as shared_act" in t and t.count("as shared_act") > 1 for t in texts)
    assert any(re.search(r"choose\([^\n]*(act|norm)\{", t) for t in texts)
    assert any(re.search(r"choose\([^\n]*width\{", t) for t in texts)
    assert any(re.search(r"choose\([^\n]*pick 1", t) for t in texts)
    assert any(re.search(r"pick [2-9] of", t) for t in texts)
    assert any("head q" in t for t in texts)
