"""compile_space / compile_genotype: structure, architecture parameters, semantics of the ops."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from nasiam_dsl.compile import ArchParameters, compile_genotype, compile_space
from nasiam_dsl.compile.mixed import MixedOp
from nasiam_dsl.compile.ops import Dense, FeaturePool, Zero
from nasiam_dsl.lang.errors import DSLError
from nasiam_dsl.lang.parser import parse

from .conftest import BACKBONE, DAG


def test_seed_space_heads_and_shapes(seed_doc) -> None:
    net = compile_space(seed_doc, BACKBONE, seed=0)
    assert list(net.heads) == ["projector", "predictor"]
    out = net(torch.randn(6, BACKBONE))
    assert out["projector"].shape == (6, 32) and out["predictor"].shape == (6, 32)
    assert net.heads["projector"].in_dim == BACKBONE and net.heads["projector"].out_dim == 32
    # a head reading another head takes that tensor as input
    assert net.heads["predictor"](out["projector"]).shape == (6, 32)


def test_arch_keys_follow_the_dsl(dag_doc) -> None:
    net = compile_space(dag_doc, BACKBONE, seed=0)
    keys = [k for k in net.state_dict() if k.startswith("arch.")]
    assert keys == [
        "arch.shared.hidden_act",
        "arch.projector.h2.op",
        "arch.projector.h2.act",
        "arch.projector.h3.inputs",
        "arch.projector.h4.inputs",
        "arch.projector.h5.width",
        "arch.projector.z.norm",
        "arch.predictor.h.width",
    ]
    # the label is one decision: one parameter, used in both heads
    assert net.arch.alpha("shared.hidden_act").shape == (3,)
    assert net.arch.num_candidates("projector.h2.op") == 4


def test_arch_and_weight_parameters_partition(dag_doc) -> None:
    net = compile_space(dag_doc, BACKBONE, seed=0)
    arch = {id(p) for p in net.arch_parameters()}
    weights = {id(p) for p in net.weight_parameters()}
    assert arch and weights and not arch & weights
    assert arch | weights == {id(p) for p in net.parameters()}
    for head in net.heads.values():
        assert not {id(p) for p in head.parameters()} & arch


def test_deepcopy_of_a_head_shares_the_architecture(dag_doc) -> None:
    net = compile_space(dag_doc, BACKBONE, seed=0)
    online = net.heads["projector"]
    target = copy.deepcopy(online)
    op_online = online.nodes["h2"].source
    op_target = target.nodes["h2"].source
    assert op_target.arch is op_online.arch is net.arch
    assert not any(p is q for p, q in zip(online.parameters(), target.parameters(), strict=True))
    online.eval()
    target.eval()
    x = torch.randn(4, BACKBONE)
    with torch.no_grad():
        net.arch.alpha("projector.h2.op").copy_(torch.tensor([5.0, 0.0, 0.0, 0.0]))
        assert torch.allclose(online(x), target(x))
        before = [a.clone() for a in net.arch_parameters()]
        for p_o, p_t in zip(online.parameters(), target.parameters(), strict=True):
            p_t.lerp_(p_o + 1.0, 0.5)  # an EMA step only ever sees weights
    assert all(torch.equal(a, b) for a, b in zip(before, net.arch_parameters(), strict=True))
    # the whole supernet deep-copies to the same decisions too
    assert copy.deepcopy(net).arch is net.arch


class _CountingSampler:
    normalised = True

    def __init__(self) -> None:
        self.calls = 0

    def weights(self, alpha):
        self.calls += 1
        return F.softmax(alpha + torch.randn_like(alpha), -1)

    def probabilities(self, alpha):
        return F.softmax(alpha, -1)


def test_step_cache_samples_each_key_once(dag_doc) -> None:
    sampler = _CountingSampler()
    net = compile_space(dag_doc, BACKBONE, seed=0, sampler=sampler)
    net.eval()
    x = torch.randn(4, BACKBONE)
    with net.arch.step():
        a = net(x)["predictor"]
        calls = sampler.calls
        b = net(x)["predictor"]
        assert sampler.calls == calls == len(net.arch)
    assert torch.equal(a, b)
    c = net(x)["predictor"]
    assert sampler.calls > calls and not torch.equal(a, c)
    probs = net.arch.probabilities()
    assert set(probs) == set(net.arch.keys())
    assert all(torch.allclose(p.sum(), torch.tensor(1.0)) for p in probs.values())


def test_zero_candidate_is_never_run(dag_doc, monkeypatch) -> None:
    net = compile_space(dag_doc, BACKBONE, seed=0)
    op = net.heads["projector"].nodes["h2"].source
    assert isinstance(op, MixedOp) and op.zero == (False, False, False, True)
    monkeypatch.setattr(Zero, "forward", lambda self, x: pytest.fail("zero was computed"))
    net(torch.randn(4, BACKBONE))


def test_pools_run_along_features_of_each_sample() -> None:
    x = torch.randn(5, 7)
    avg = FeaturePool("avg")(x)
    manual = (F.pad(x, (1, 1))[:, :-2] + x + F.pad(x, (1, 1))[:, 2:]) / 3
    assert torch.allclose(avg, manual, atol=1e-6)
    assert torch.allclose(FeaturePool("avg")(x[:1]), avg[:1])  # samples do not mix
    mx = FeaturePool("max")(x)
    assert torch.equal(mx[:, 0], torch.maximum(x[:, 0], x[:, 1]))
    assert FeaturePool("max", 5)(x).shape == x.shape


def test_frozen_bias_and_activation_options() -> None:
    text = """genotype g {
      head projector(x: 8) {
        h = linear(x, 4, bias=frozen) | leaky_relu(negative_slope=0.2)
        z = linear(h, 3, bias=false) | gelu(approximate=tanh)
      }
    }"""
    net = compile_genotype(text, 8)
    h, z = net.heads["projector"].nodes["h"], net.heads["projector"].nodes["z"]
    dense = h.stages[0]
    assert isinstance(dense, Dense) and not dense.bias.requires_grad
    assert dense.weight.requires_grad
    assert h.stages[1].negative_slope == 0.2
    assert z.stages[0].bias is None and z.stages[1].approximate == "tanh"


def test_seed_makes_weights_reproducible(dag_doc) -> None:
    state = torch.get_rng_state()
    a = compile_space(dag_doc, BACKBONE, seed=3).state_dict()
    b = compile_space(dag_doc, BACKBONE, seed=3).state_dict()
    c = compile_space(dag_doc, BACKBONE, seed=4).state_dict()
    assert torch.equal(state, torch.get_rng_state())  # the global RNG is left alone
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_zeros_init_and_meta_device(dag_doc) -> None:
    net = compile_space(dag_doc, BACKBONE, arch_init="zeros")
    assert all(torch.count_nonzero(a) == 0 for a in net.arch_parameters())
    with torch.device("meta"):
        meta = compile_space(dag_doc, BACKBONE, seed=0)
    assert all(p.device.type == "meta" for p in meta.parameters())


def test_errors_are_dsl_errors() -> None:
    with pytest.raises(DSLError, match="unknown op"):
        compile_space("space s { head p(x: backbone) { h = linear(x, 4) | gelu2 } }", 8)
    with pytest.raises(ValueError, match="open choices"):
        compile_genotype(parse(DAG), BACKBONE)


def test_param_free_masks(seed_doc) -> None:
    net = compile_space(seed_doc, BACKBONE, seed=0)
    masks = net.arch.param_free_masks()
    assert set(masks) == {k for k in net.arch.alphas() if k.endswith(".op")}
    assert masks["projector.h2.op"].tolist() == [True, True, True, False, False, False, False]
    assert masks["predictor.h1.op"].tolist() == [False] * 7


def test_arch_parameters_standalone() -> None:
    arch = ArchParameters({"a.b.op": 3, "shared.l": 2}, generator=torch.Generator().manual_seed(0))
    assert [k for k, _ in arch.named_parameters()] == ["a.b.op", "shared.l"]
    assert arch.alpha("a.b.op").abs().max() < 0.01
    with pytest.raises(KeyError, match="no open choice"):
        arch.alpha("nope")
    with arch.pinned({"a.b.op": 1}):
        assert arch.weights("a.b.op").tolist() == [0.0, 1.0, 0.0]
    assert copy.deepcopy(arch) is arch
