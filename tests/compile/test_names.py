"""Heads and nodes may be called anything: `nn.Module` attribute names and unicode included."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from nasiam_dsl.compile import (
    compile_genotype,
    compile_space,
    copy_supernet_weights,
    derive,
    load_chosen_weights,
)
from nasiam_dsl.compile.keys import NameDict, module_key, user_name
from nasiam_dsl.lang.parser import parse
from nasiam_dsl.lang.printer import print_document

# Heads `train`, `eval`, `shared` (the label scope: its node `to` meets the label `to`); node
# and input names that are methods or attributes of nn.Module / ModuleDict / ArchParameters.
CLASHING = """
space clash {
  let acts = {relu, gelu}
  head train(forward: backbone) {
    keys = linear(forward, 16, bias=false) | bn | act(acts) as to
    parameters = choose(linear(keys, 16, bias=false) | bn | act{relu, elu}, identity(keys),
                        avgpool(keys) | bn, zero(keys), linear(keys, 16) | silu)
    state_dict = sum(pick 1 of {keys, parameters})
    _modules = concat(pick 2 of {state_dict, parameters, keys})
    type = linear(_modules, width{8, 16}, bias=false) | bn | relu
    float = linear(type, 12) | norm{bn, layernorm}
    apply = choose(linear(float, 12) | relu, linear(float, 12) | elu, identity(float))
  }
  head eval(cuda: train) {
    größe = linear(cuda, width{4, 8}) | bn | act(acts) as to
    層 = linear(größe, 12)
    items = choose(linear(層, 12) | relu, linear(層, 12) | silu, identity(層))
    training = linear(items, 12) | bn
    _parameters = choose(linear(training, 12, bias=false) | bn | relu, identity(training))
    values = mean(_parameters, training)
    half = linear(values, 12)
  }
  head shared(training: eval) {
    to = choose(linear(training, 12) | relu, identity(training))
    zero_grad = linear(to, 12) | act{relu, sigmoid} as sampler
    keys = sum(pick 1 of {to, zero_grad})
    named_modules = linear(keys, 6)
  }
}
"""
WIDTH = 16


def _randomise(net, seed: int = 0) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for a in net.arch_parameters():
            a.copy_(torch.randn(a.shape, generator=g))


@pytest.mark.parametrize("fused", [True, False])
def test_clashing_names_compile_run_derive_and_round_trip(fused: bool) -> None:
    net = compile_space(CLASHING, WIDTH, seed=0, fused=fused)
    assert list(net.heads) == ["train", "eval", "shared"]
    assert list(net.heads["eval"].nodes)[:2] == ["größe", "層"]
    assert "training" in net.heads["eval"].nodes and "nope" not in net.heads["eval"].nodes
    # decision keys are the DSL's; only state_dict paths escape clashing parts
    assert net.arch.keys()[:3] == ["shared.to", "train.parameters.op", "train.parameters.act"]
    assert "shared.to.op" in net.arch and "shared.sampler" in net.arch
    keys = set(net.state_dict())
    assert {"arch.~train.~parameters.op", "arch.shared.~to~", "arch.shared.~to.op"} <= keys
    assert "heads.~eval.nodes.größe.stages.0.weight" in keys
    assert "heads.~eval.nodes.層.stages.0.weight" in keys
    assert "heads.shared.nodes.~to.source.candidates.0.stages.0.weight" in keys

    _randomise(net)
    net.train()
    x = torch.randn(8, WIDTH, requires_grad=True)
    with net.arch.step():
        out = net(x)
    assert [tuple(o.shape) for o in out.values()] == [(8, 12), (8, 12), (8, 6)]
    sum(o.square().mean() for o in out.values()).backward()
    assert x.grad is not None and all(a.grad is not None for a in net.arch_parameters())

    # nn.Module methods still work on every container
    twin = copy.deepcopy(net).double().float().to("cpu")
    twin.load_state_dict(net.state_dict())
    twin.eval()
    assert not any(m.training for m in twin.modules())

    genotype = derive(net)
    text = print_document(genotype)
    assert "head train(forward: backbone)" in text and "層 = linear(größe, 12)" in text
    fixed = compile_genotype(parse(text), WIDTH)
    decisions = load_chosen_weights(fixed, net)
    net.eval()
    fixed.eval()
    x = torch.randn(5, WIDTH)
    with torch.no_grad(), net.arch.pinned(decisions):
        expected = net(x)
    got = fixed(x)
    for head in expected:
        torch.testing.assert_close(got[head], expected[head], atol=1e-5, rtol=1e-5)

    exported = torch.export.export(fixed, (x,))
    for head, y in exported.module()(x).items():
        torch.testing.assert_close(y, got[head])


def test_clashing_names_fused_equals_loop() -> None:
    loop = compile_space(CLASHING, WIDTH, seed=3, fused=False)
    fused = compile_space(CLASHING, WIDTH, seed=4, fused=True)
    copy_supernet_weights(fused, loop)
    fused.arch.load_state_dict(loop.arch.state_dict())
    x = torch.randn(6, WIDTH)
    a, b = loop(x), fused(x)
    for head in a:
        torch.testing.assert_close(a[head], b[head], atol=1e-5, rtol=1e-4)


def test_module_keys_are_injective_and_readable() -> None:
    box = NameDict()
    names = ["h1", "größe", "層", "train", "keys", "training", "_modules", "", ".", "a.b",
             "a%2Eb", "~x", "%", "~", "x~"]  # fmt: skip
    for i, name in enumerate(names):
        box[name] = nn.Linear(1, i + 1)
    assert list(box) == names and box.keys() == names
    assert [m.out_features for _, m in box.items()] == list(range(1, len(names) + 1))
    assert [m.out_features for m in box.values()] == list(range(1, len(names) + 1))
    keys = list(box._modules)
    assert len(set(keys)) == len(names)
    assert keys[:4] == ["h1", "größe", "層", "~train"]
    assert all(user_name(k) == n for k, n in zip(keys, names, strict=True))
    assert all("." not in k and k for k in keys)
    forced = module_key(box, "h1", force=True)
    assert forced not in keys and user_name(forced) == "h1"
    assert box["train"].out_features == 4 and "train" in box
    del box["train"]
    assert "train" not in box and box.training  # the method and the flag are untouched
    box.eval()
    assert not box.training
