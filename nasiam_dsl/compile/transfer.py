"""Weights across forms: supernet -> derived genotype, loop <-> fused supernets.

`load_chosen_weights(fixed, supernet)` copies the weights of the chosen path of a supernet into
the fixed heads of a genotype derived from it, so the genotype starts where the search ended
(and, in eval mode, computes what the supernet computes with one-hot weights on that path).
Which candidate each genotype choice came from is found by checking the genotype's membership
of the space (`match_genotype`, the one notion of member, so a derived genotype that leaves
out the layers past its depth fits); among structurally equal candidates (the seed space has
them) the most probable is taken, as derivation does. Width choices keep the leading features, so
every tensor is copied as its leading slice, except after a concat of inputs whose widths were
chosen: there the genotype's features are the chosen leading blocks of each input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from nasiam_dsl.compile.build import HeadNet, Supernet
from nasiam_dsl.compile.mixed import (
    CombineSource,
    HeadModule,
    MixedInputs,
    MixedOp,
    MixedSet,
    PipelineModule,
    RefSource,
    WidthMask,
)
from nasiam_dsl.compile.ops import Dense
from nasiam_dsl.lang import ast
from nasiam_dsl.membership import member_decisions, membership

Decisions = dict[str, tuple[int, ...]]

__all__ = [
    "copy_module_state",
    "copy_supernet_weights",
    "load_chosen_weights",
    "match_genotype",
    "transfer_chosen",
]


def copy_module_state(dst: nn.Module, src: nn.Module) -> None:
    """Copy parameters and buffers by name; each `src` tensor is cut to `dst`'s shape."""
    _copy_features(dst, src, None)


def copy_supernet_weights(dst: nn.Module, src: nn.Module) -> None:
    """Copy every weight between two supernets of one space, fused or loop in either one."""
    if isinstance(src, MixedOp) and isinstance(dst, MixedOp):
        for i in range(len(src.zero)):
            copy_supernet_weights(dst.candidate(i), src.candidate(i))
    elif isinstance(src, PipelineModule) and isinstance(dst, PipelineModule):
        copy_supernet_weights(dst.source, src.source)
        for a, b in zip(dst.stages, src.stages, strict=True):
            copy_supernet_weights(a, b)
    elif len(list(src.children())) and type(src) is type(dst) and not isinstance(src, MixedOp):
        for a, b in zip(dst.children(), src.children(), strict=True):
            copy_supernet_weights(a, b)
    else:
        copy_module_state(dst, src)


Features = Tensor | None  # supernet feature index of each genotype feature; None: leading


@dataclass(frozen=True)
class _Slot:
    """A name of a head's environment: where its genotype features sit in the supernet's."""

    features: Features
    super_width: int
    width: int

    def index(self) -> Tensor:
        return self.features if self.features is not None else torch.arange(self.width)


@torch.no_grad()
def _copy_features(dst: nn.Module, src: nn.Module, features: Features) -> None:
    """Copy parameters and buffers by name, each `src` tensor cut to `dst`'s shape; the
    feature axis (dim 0 of a per-feature tensor) taken at `features` when given, else its
    leading slice."""
    s = src.state_dict(keep_vars=True)
    d = dst.state_dict(keep_vars=True)
    if set(s) != set(d):
        raise ValueError(f"modules differ: {sorted(set(s) ^ set(d))}")
    for name, t in d.items():
        v = s[name]
        if features is not None and t.dim() and t.shape[0] == len(features):
            v = v.index_select(0, features.to(v.device))
        t.copy_(v[tuple(slice(0, n) for n in t.shape)] if t.dim() else v)


def transfer_chosen(
    src: nn.Module,
    dst: nn.Module,
    decisions: Mapping[str, tuple[int, ...]],
    env: Mapping[str, _Slot] | None = None,
    features: Features = None,
) -> Features:
    """Copy the weights of `src` (a supernet part) along `decisions` into `dst` (fixed).

    `env` says where the genotype's features of each name sit among the supernet's (leading
    features when absent: width choices keep the first ones; a concat of inputs whose widths
    were chosen interleaves them), `features` the same for a stage's input. Returns it for
    the output.
    """
    env = env or {}
    if isinstance(src, MixedOp):
        return transfer_chosen(src.candidate(decisions[src.key][0]), dst, decisions, env, features)
    if isinstance(src, MixedSet):
        item = src.items[decisions[src.key][0]]
        return transfer_chosen(item, dst, decisions, env, features)
    if isinstance(src, PipelineModule):
        if not isinstance(dst, PipelineModule):
            raise ValueError(f"structure mismatch: {type(dst).__name__} for a pipeline")
        s_source, s_stages = _flat(src, decisions)
        d_source, d_stages = _flat(dst, decisions)
        if len(s_stages) != len(d_stages):
            raise ValueError("structure mismatch: the genotype's stages are not the chosen ones")
        features = transfer_chosen(s_source, d_source, decisions, env)
        for a, b in zip(s_stages, d_stages, strict=True):
            features = transfer_chosen(a, b, decisions, env, features)
        return features
    if isinstance(src, RefSource):
        slot = env.get(src.name)
        return slot.features if slot is not None else None
    if isinstance(src, (CombineSource, MixedInputs)):
        names = dst.names if isinstance(dst, CombineSource) else src.names
        return _combined(src.mode, names, env)
    if isinstance(src, Dense) and isinstance(dst, Dense) and features is not None:
        with torch.no_grad():
            rows = src.weight[: dst.out_features]
            dst.weight.copy_(rows.index_select(1, features.to(rows.device)))
            if dst.bias is not None and src.bias is not None:
                dst.bias.copy_(src.bias[: dst.out_features])
        return None
    _copy_features(dst, src, features)
    return None if isinstance(src, Dense) else features


def _flat(
    p: PipelineModule, decisions: Mapping[str, tuple[int, ...]]
) -> tuple[nn.Module, list[nn.Module]]:
    """A pipeline as its source and the stages that hold weights or change features, on the
    chosen path: a kept candidate's stages, then the stages after its choice. A member may
    write `identity(x)` where a derived genotype writes `choose(identity(x) @0.6)`, and no
    stage where it writes `act{identity @0.4}`: identities and masks are left out on both
    sides."""
    src = p.source
    if isinstance(src, MixedOp):
        source, inner = _flat(src.candidate(decisions[src.key][0]), decisions)
    elif isinstance(src, PipelineModule):
        source, inner = _flat(src, decisions)
    else:
        source, inner = src, []
    outer = []
    for stage in p.stages:
        if isinstance(stage, MixedSet):
            stage = stage.items[decisions[stage.key][0]]
        if not isinstance(stage, (WidthMask, nn.Identity)):
            outer.append(stage)
    return source, inner + outer


def _combined(mode: str, names: tuple[str, ...], env: Mapping[str, _Slot]) -> Features:
    """Features of a combination: a concat lays its inputs' blocks side by side."""
    slots = [env.get(n) for n in names]
    if any(s is None for s in slots):
        return None
    if mode != "concat":
        return slots[0].features  # type: ignore[union-attr]
    pieces, offset = [], 0
    for slot in slots:
        assert slot is not None
        pieces.append(slot.index() + offset)
        offset += slot.super_width
    features = torch.cat(pieces)
    return None if torch.equal(features, torch.arange(len(features))) else features


def load_chosen_weights(
    fixed: HeadNet, supernet: Supernet, decisions: Mapping[str, tuple[int, ...]] | None = None
) -> Decisions:
    """Copy the supernet's weights on the path `fixed` (a derived genotype) chose.

    `decisions` (key -> chosen candidate indices) is found by `match_genotype` when omitted.
    Returns the decisions used.
    """
    if decisions is None:
        decisions = match_genotype(supernet, fixed.doc)
    for name, head in fixed.heads.items():
        source: HeadModule = supernet.heads[name]  # type: ignore[assignment]
        target: HeadModule = head  # type: ignore[assignment]
        env = {target.input_name: _Slot(None, source.in_dim, target.in_dim)}
        for node, module in target.nodes.items():
            origin: PipelineModule = source.nodes[node]  # type: ignore[assignment]
            features = transfer_chosen(origin, module, decisions, env)
            width = module.out_width  # type: ignore[union-attr]
            env[node] = _Slot(features, origin.out_width, width)  # type: ignore[arg-type]
    return dict(decisions)


def match_genotype(supernet: Supernet, genotype: ast.Document) -> Decisions:
    """The decisions of `supernet`'s space that give `genotype` (`membership`: the one
    notion of member), the most probable among equal ways; raises if it is not a member."""
    probs = supernet.arch.probabilities()
    logp = {k: torch.log(p.double().clamp_min(1e-30)).tolist() for k, p in probs.items()}
    found = member_decisions(genotype, supernet.doc, logp=logp, backbone_dim=supernet.backbone_dim)
    if found is None:
        result = membership(genotype, supernet.doc, backbone_dim=supernet.backbone_dim)
        raise ValueError(f"the genotype is not in the space: {result.mismatches[0].message}")
    return found
