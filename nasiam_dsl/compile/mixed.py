"""The modules of a compiled head: sources, pipelines, and one mixed module per choice kind.

A head runs its nodes in order over an environment `{name: tensor}`; a node is a
`PipelineModule` = a source (a node, a combination of nodes, or an op choice) followed by
unary stages. Mixed modules read their weights from `ArchParameters.weights(key)` through an
unregistered attribute, so a head's `.parameters()` are its weights only.

Relaxations, per choice kind:

* op (`MixedOp`): `sum_i w_i * candidate_i(env)`; candidates ending in `zero` are never run.
* act / norm (`MixedSet`): `sum_i w_i * f_i(x)` on the one shared input (the linear before
  runs once; the outputs are stacked and weighted by one matrix-vector product).
* width (`masks.WidthMask`, FBNetV2): one linear of the largest width; its output is
  multiplied by `sum_i w_i * mask_i` (`mask_i` keeps the first `width_i` features). The soft
  mask sits after the per-feature stages and norms that follow the linear, before the next
  stage that mixes features (linear, pool) or at the end of the pipeline. The masked
  features' `masks.Layout` travels with them (later nodes, op-choice candidates, combined
  inputs, heads reading the head): a norm that reads them is followed by the soft mask again
  (the norm divided it out), other per-feature stages by its 0/1 support, and a LayerNorm
  takes its statistics over the support; so the width logits keep their gradient through
  every norm, and a one-hot weight (pinned, or a hard Gumbel draw) computes exactly the
  chosen width.
* inputs (`MixedInputs`, `pick k of n`): `sum`: `k * sum_i w_i x_i / sum_i w_i`; `mean`:
  `sum_i w_i x_i / sum_i w_i`; `concat`: the current top-k candidates (by weight, in document
  order), each scaled by `k * w_i / sum_topk w`. With k-hot weights all three equal the
  combination of the k chosen inputs.

Hard draws (GDAS): when `ArchParameters.draw` names the selected candidates (`hot`: a hard
one-hot Gumbel draw inside a step, or a pinned decision), op, act and norm choices run only
the selected candidate and inputs choices read only the picked inputs. As in GDAS's code
(`sum(op(x) * w[j] if j == index else w[j] for j, op in ...)`), the other weights enter as
zero-valued terms, so every logit still receives the straight-through gradient; with
constant (pinned) weights they are left out. Soft weights take the mixing path above.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from nasiam_dsl.compile.arch import ArchParameters, Draw
from nasiam_dsl.compile.keys import NameDict
from nasiam_dsl.compile.masks import WidthMask
from nasiam_dsl.compile.ops import is_per_feature, narrow_forward

Env = dict[str, Tensor]

__all__ = [
    "CombineSource",
    "HeadModule",
    "MixedInputs",
    "MixedOp",
    "MixedSet",
    "PipelineModule",
    "RefSource",
    "WidthMask",
    "feature_shuffle",
]


class _UsesArch(nn.Module):
    """A module bound to a decision key of an `ArchParameters` it does not register."""

    def __init__(self, key: str, arch: ArchParameters) -> None:
        super().__init__()
        self.key = key
        object.__setattr__(self, "arch", arch)  # unregistered: parameters() stay weights only

    arch: ArchParameters

    def extra_repr(self) -> str:
        return f"key={self.key!r}"


def unpicked_terms(out: Tensor, w: Tensor, hot: tuple[int, ...]) -> Tensor:
    """`out + sum_{j not in hot} w[j]`: zero in value (`w` is 0 off `hot`), but each unpicked
    weight gets GDAS's straight-through gradient; nothing is added for constant weights."""
    if not w.requires_grad or len(hot) == w.shape[-1]:
        return out
    rest = w.sum()
    for i in hot:
        rest = rest - w[i]
    return out + rest


def selected_one(draw: Draw) -> int | None:
    """The one selected candidate of a hard draw, or None (soft weights, or k-hot)."""
    return draw.hot[0] if draw.hot is not None and len(draw.hot) == 1 else None


# ---- sources ------------------------------------------------------------------------------


class RefSource(nn.Module):
    """Reads one name of the environment."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def forward(self, env: Env) -> Tensor:
        return env[self.name]

    def extra_repr(self) -> str:
        return self.name


def _combine(mode: str, xs: list[Tensor]) -> Tensor:
    if mode == "concat":
        return torch.cat(xs, dim=1)
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out / len(xs) if mode == "mean" else out


class CombineSource(nn.Module):
    """A fixed `sum/mean/concat` of several names."""

    def __init__(self, mode: str, names: tuple[str, ...]) -> None:
        super().__init__()
        self.mode = mode
        self.names = tuple(names)

    def forward(self, env: Env) -> Tensor:
        return _combine(self.mode, [env[n] for n in self.names])

    def extra_repr(self) -> str:
        return f"{self.mode}({', '.join(self.names)})"


class MixedInputs(_UsesArch):
    """`sum/mean/concat(pick k of {...})`: a weighted combination of candidate inputs."""

    def __init__(
        self, key: str, arch: ArchParameters, mode: str, names: tuple[str, ...], pick: int
    ) -> None:
        super().__init__(key, arch)
        self.mode = mode
        self.names = tuple(names)
        self.pick = pick

    def forward(self, env: Env) -> Tensor:
        w, hot = self.arch.draw(self.key)
        if hot is not None and len(hot) == self.pick:
            return unpicked_terms(self.picked(env, w, hot), w, hot)
        xs = [env[n] for n in self.names]
        if self.mode == "concat":
            top = torch.topk(w.detach(), self.pick).indices.sort().values.tolist()
            scale = self.pick / w[top].sum()
            return torch.cat([xs[i] * (w[i] * scale) for i in top], dim=1)
        out = xs[0] * w[0]
        for i in range(1, len(xs)):
            out = out + xs[i] * w[i]
        total = w.sum()
        return out * (self.pick / total) if self.mode == "sum" else out / total

    def picked(self, env: Env, w: Tensor, hot: tuple[int, ...]) -> Tensor:
        """The formula above on the `hot` inputs only (the others weigh 0)."""
        if self.mode == "concat":
            total = w[hot[0]]
            for i in hot[1:]:
                total = total + w[i]
            scale = self.pick / total
            return torch.cat([env[self.names[i]] * (w[i] * scale) for i in hot], dim=1)
        out = env[self.names[hot[0]]] * w[hot[0]]
        for i in hot[1:]:
            out = out + env[self.names[i]] * w[i]
        total = w.sum()
        return out * (self.pick / total) if self.mode == "sum" else out / total

    def extra_repr(self) -> str:
        return f"key={self.key!r}, {self.mode}(pick {self.pick} of {', '.join(self.names)})"


# ---- stages -------------------------------------------------------------------------------


class MixedSet(_UsesArch):
    """An activation or norm choice on one shared input: `sum_i w_i * f_i(x)`."""

    def __init__(self, key: str, arch: ArchParameters, items: list[nn.Module]) -> None:
        super().__init__(key, arch)
        self.items = nn.ModuleList(items)
        self.per_feature = all(is_per_feature(m) for m in items)

    def forward(self, x: Tensor) -> Tensor:
        """One pass: the items' outputs stacked, weighted by one matrix-vector product; a
        hard draw runs its selected item only."""
        draw = self.arch.draw(self.key)
        w, i = draw.weights, selected_one(draw)
        if i is not None:
            return unpicked_terms(self.items[i](x) * w[i], w, (i,))
        stacked = torch.stack([item(x) for item in self.items])
        return (w.to(stacked.dtype) @ stacked.view(len(self.items), -1)).view(stacked.shape[1:])

    def narrow(self, x: Tensor, n: int) -> Tensor:
        draw = self.arch.draw(self.key)
        w, i = draw.weights, selected_one(draw)
        if i is not None:
            return unpicked_terms(narrow_forward(self.items[i], x, n) * w[i], w, (i,))
        out = narrow_forward(self.items[0], x, n) * w[0]
        for i in range(1, len(self.items)):
            out = out + narrow_forward(self.items[i], x, n) * w[i]
        return out


# ---- pipelines and heads --------------------------------------------------------------------


class PipelineModule(nn.Module):
    """A source followed by unary stages; `narrow=n` runs the stages on `n` features."""

    def __init__(self, source: nn.Module, stages: list[nn.Module], width: int) -> None:
        super().__init__()
        self.source = source
        self.stages = nn.ModuleList(stages)
        self.out_width = width

    def forward(self, env: Env, narrow: int | None = None) -> Tensor:
        x = self.source(env)
        if narrow is None:
            for stage in self.stages:
                x = stage(x)
        else:
            for stage in self.stages:
                x = narrow_forward(stage, x, narrow)
        return x


def feature_shuffle(x: Tensor, groups: int) -> Tensor:
    """PC-DARTS channel shuffle on features: (N, g*c) -> (N, c*g), interleaving the groups."""
    n, d = x.shape
    return x.reshape(n, groups, d // groups).transpose(1, 2).reshape(n, d)


class MixedOp(_UsesArch):
    """An op choice: `sum_i w_i * candidate_i(env)`, looping over candidates (reference).

    Args:
        candidates: one pipeline per candidate, in document order.
        zero: which candidates end in `zero` (skipped: they contribute exactly 0).
        skip_input: the one input every candidate reads when its width equals the output
            width; enables the DARTS- auxiliary skip and, with `partial`, PC-DARTS.
        partial: whether every candidate can run on a slice of the features.
    """

    def __init__(
        self,
        key: str,
        arch: ArchParameters,
        candidates: list[PipelineModule],
        zero: list[bool],
        width: int,
        skip_input: str | None = None,
        partial: bool = False,
    ) -> None:
        super().__init__(key, arch)
        self.candidates = nn.ModuleList(candidates)
        self._setup(zero, width, skip_input, partial)

    def _setup(self, zero: list[bool], width: int, skip_input: str | None, partial: bool) -> None:
        self.zero = tuple(zero)
        self.active = tuple(i for i, z in enumerate(zero) if not z)
        self.width = width
        self.skip_input = skip_input
        self.partial = partial and skip_input is not None

    def candidate(self, i: int) -> PipelineModule:
        """Candidate `i` as a standalone pipeline (shares storage with the supernet)."""
        return self.candidates[i]

    def mix(self, env: Env, w: Tensor, narrow: int | None) -> Tensor | None:
        out = None
        for i in self.active:
            y = self.candidates[i](env, narrow) * w[i]
            out = y if out is None else out + y
        return out

    def mix_one(self, env: Env, w: Tensor, i: int, narrow: int | None) -> Tensor | None:
        """`w[i] * candidate_i(env)` alone (a hard draw); None for a `zero` candidate."""
        return None if self.zero[i] else self.candidates[i](env, narrow) * w[i]

    def forward(self, env: Env) -> Tensor:
        draw = self.arch.draw(self.key)
        w, one = draw.weights, selected_one(draw)
        k = self.arch.hooks.partial_k
        x = env[self.skip_input] if self.skip_input is not None else None
        if k > 1 and self.partial and x is not None and self.width % k == 0:
            m = self.width // k
            sub = dict(env)
            sub[self.skip_input] = x[:, :m]  # type: ignore[index]
            y = self.mix(sub, w, m) if one is None else self.mix_one(sub, w, one, m)
            if y is None:
                y = x.new_zeros(x.shape[0], m)
            out = feature_shuffle(torch.cat([y, x[:, m:]], dim=1), k)
        else:
            out = self.mix(env, w, None) if one is None else self.mix_one(env, w, one, None)
            if out is None:
                ref = next(iter(env.values()))
                out = ref.new_zeros(ref.shape[0], self.width)
        if one is not None:
            out = unpicked_terms(out, w, (one,))
        beta = self.arch.hooks.skip_weight
        if beta and x is not None:
            out = out + beta * x
        return out

    def extra_repr(self) -> str:
        extra = f", skip_input={self.skip_input!r}" if self.skip_input else ""
        return f"key={self.key!r}, zero={self.zero}{extra}"


class HeadModule(nn.Module):
    """One head: runs its nodes in order; (N, in_dim) -> (N, out_dim)."""

    def __init__(
        self, name: str, input_name: str, nodes: dict[str, nn.Module], in_dim: int, out_dim: int
    ) -> None:
        super().__init__()
        self.name = name
        self.input_name = input_name
        self.nodes = NameDict(nodes)  # user names, escaped where they clash (keys.py)
        self.output = list(nodes)[-1]
        self.in_dim = in_dim
        self.out_dim = out_dim

    def forward(self, x: Tensor) -> Tensor:
        env: Env = {self.input_name: x}
        for name, node in self.nodes.items():
            env[name] = node(env)
        return env[self.output]

    def extra_repr(self) -> str:
        return f"{self.name}: {self.in_dim} -> {self.out_dim}"
