"""Weights across forms: supernet -> derived genotype, loop <-> fused supernets.

`load_chosen_weights(fixed, supernet)` copies the weights of the chosen path of a supernet into
the fixed heads of a genotype derived from it, so the genotype starts where the search ended
(and, in eval mode, computes what the supernet computes with one-hot weights on that path).
Which candidate each genotype choice came from is found by matching the genotype against the
space (`match_genotype`); among structurally equal candidates (the seed space has them) the
most probable is taken, as derivation does. Width choices keep the leading features, so
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
from nasiam_dsl.compile.plan import Choose, Inputs, Linear, Op, Pipeline, Plan, Ref, SetChoice
from nasiam_dsl.lang import ast

Decisions = dict[str, tuple[int, ...]]

__all__ = [
    "copy_module_state",
    "copy_supernet_weights",
    "load_chosen_weights",
    "match_genotype",
    "transfer_chosen",
]


@torch.no_grad()
def copy_module_state(dst: nn.Module, src: nn.Module) -> None:
    """Copy parameters and buffers by name; each `src` tensor is cut to `dst`'s shape."""
    s = src.state_dict(keep_vars=True)
    d = dst.state_dict(keep_vars=True)
    if set(s) != set(d):
        raise ValueError(f"modules differ: {sorted(set(s) ^ set(d))}")
    for name, t in d.items():
        v = s[name]
        t.copy_(v[tuple(slice(0, n) for n in t.shape)] if t.dim() else v)


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
    """`copy_module_state`, taking the feature axis (dim 0 of a per-feature tensor) at
    `features` instead of its leading slice."""
    if features is None:
        copy_module_state(dst, src)
        return
    s = src.state_dict(keep_vars=True)
    d = dst.state_dict(keep_vars=True)
    if set(s) != set(d):
        raise ValueError(f"modules differ: {sorted(set(s) ^ set(d))}")
    for name, t in d.items():
        v = s[name]
        if t.dim() and t.shape[0] == len(features):
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
        features = transfer_chosen(src.source, dst.source, decisions, env)
        stages = [s for s in src.stages if not isinstance(s, WidthMask)]
        for a, b in zip(stages, dst.stages, strict=True):
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
        decisions = match_genotype(supernet, fixed.plan)
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


def match_genotype(supernet: Supernet, genotype: Plan | ast.Document) -> Decisions:
    """The decisions of `supernet`'s space that give `genotype`; raises if it does not fit."""
    if isinstance(genotype, ast.Document):
        from nasiam_dsl.compile.plan import plan_document

        genotype = plan_document(genotype, supernet.backbone_dim)
    matcher = _Matcher(supernet.arch.probabilities())
    space = supernet.plan
    for sh in space.heads:
        gh = genotype.head(sh.name)
        if [n.name for n in sh.nodes] != [n.name for n in gh.nodes]:
            raise ValueError(f"head '{sh.name}': the genotype's nodes differ from the space's")
        for sn, gn in zip(sh.nodes, gh.nodes, strict=True):
            if not matcher.pipeline(sn.pipeline, gn.pipeline):
                raise ValueError(f"node {sh.name}.{sn.name} of the genotype is not in the space")
    return matcher.decisions


class _Matcher:
    def __init__(self, probs: Mapping[str, torch.Tensor]) -> None:
        self.probs = probs
        self.decisions: Decisions = {}

    def decide(self, key: str, chosen: tuple[int, ...]) -> bool:
        prev = self.decisions.setdefault(key, chosen)
        return prev == chosen

    def pipeline(self, s: Pipeline, g: Pipeline) -> bool:
        if len(s.stages) != len(g.stages):
            return False
        return self.source(s.source, g.source) and all(
            self.stage(a, b) for a, b in zip(s.stages, g.stages, strict=True)
        )

    def source(self, s: Ref | Inputs | Choose, g: Ref | Inputs | Choose) -> bool:
        if isinstance(s, Ref):
            return isinstance(g, Ref) and g.name == s.name
        if isinstance(s, Inputs):
            if not isinstance(g, Inputs) or g.mode != s.mode:
                return False
            if s.key is None:
                return g.names == s.names
            if len(g.names) != s.pick or not set(g.names) <= set(s.names):
                return False
            return self.decide(s.key, tuple(sorted(s.names.index(n) for n in g.names)))
        if not isinstance(g, Choose) or len(g.candidates) != 1:
            return False
        if s.key is None:
            return self.pipeline(s.candidates[0], g.candidates[0])
        probs = self.probs[s.key]
        fits = []
        for i in sorted(range(len(s.candidates)), key=lambda i: -float(probs[i])):
            trial = _Matcher(self.probs)
            trial.decisions = dict(self.decisions)
            if trial.pipeline(s.candidates[i], g.candidates[0]) and trial.decide(s.key, (i,)):
                fits.append(trial.decisions)
                break
        if not fits:
            return False
        self.decisions = fits[0]
        return True

    def stage(self, s: Linear | Op | SetChoice, g: Linear | Op | SetChoice) -> bool:
        if isinstance(s, Linear):
            if not isinstance(g, Linear) or g.bias != s.bias or len(g.widths) != 1:
                return False
            if s.key is None:
                return g.widths == s.widths
            return g.widths[0] in s.widths and self.decide(s.key, (s.widths.index(g.widths[0]),))
        if isinstance(s, Op):
            return isinstance(g, Op) and g == s
        item = g.items[0] if isinstance(g, SetChoice) and len(g.items) == 1 else g
        if not isinstance(item, Op) or item not in s.items:
            return False
        if s.key is None:
            return True
        return self.decide(s.key, (s.items.index(item),))
