"""Fast op choices: candidates that start with the same linear run as ONE matmul.

Candidates of a choice that read the same input and begin with a linear of the same in/out
width and bias kind form a group: their weights are stacked into one `(G*out, in)` matrix, so
the group costs one `F.linear` (one GEMM, and one in the backward pass) instead of G. When
every member follows its linear with an identically configured `bn`, the G BatchNorms are one
`BatchNorm1d(G*out)`: BN normalises each feature on its own, so this is the same function.
The output is split into G chunks and each chunk runs the member's remaining stages
(activations, pools, ...). Members that are a bare linear (nothing after it) are mixed in
weight space instead: `(sum_i w_i W_i) x + sum_i w_i b_i` is the same function, and costs
one GEMM of the batch whatever G (the mixing costs G * out * in once per step, not per sample);
the seed's expanding predictor layer has five such candidates. Candidates outside a group
run as in the loop (`MixedOp`), and `zero` candidates are never run. The outputs of all
candidates (group members and the others) are stacked and weighted by one matrix-vector
product instead of a multiply and an add each. A hard draw (`MixedOp.mix_one`) runs only the
selected member: its slice of the stacked linear (and of the stacked BatchNorm), then its
remaining stages, as the loop candidate would.

A `FusedOp` is made *from* the loop candidates (`FusedOp.from_loop`), so a supernet compiled
with `fused=True` has the same initial weights as one compiled with `fused=False` and the same
seed; `candidate(i)` returns member `i` as a standalone pipeline whose tensors are views of the
stacked ones (used to copy weights between the two forms and into derived genotypes).
"""

from __future__ import annotations

from collections import defaultdict

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nasiam_dsl.compile.mixed import Env, MixedOp, PipelineModule, RefSource, WidthMask
from nasiam_dsl.compile.ops import Dense, bn_forward, narrow_forward

__all__ = ["FusedGroup", "FusedOp"]


def _bn_signature(m: nn.Module) -> tuple | None:
    if type(m) is not nn.BatchNorm1d:
        return None
    return (m.eps, m.momentum, m.affine, m.track_running_stats)


class FusedGroup(nn.Module):
    """Members of an op choice sharing their input and the shape of their first linear."""

    def __init__(self, members: list[int], cands: list[PipelineModule]) -> None:
        super().__init__()
        first = [c.stages[0] for c in cands]
        assert all(isinstance(d, Dense) for d in first)
        d0: Dense = first[0]  # type: ignore[assignment]
        self.members = tuple(members)
        self.input_name = cands[0].source.name  # type: ignore[union-attr]
        self.in_features = d0.in_features
        self.out_features = d0.out_features
        self.bias_mode = d0.bias_mode
        self.weight = nn.Parameter(torch.cat([d.weight.data for d in first], 0))
        if d0.bias is not None:
            self.bias = nn.Parameter(
                torch.cat([d.bias.data for d in first], 0),  # type: ignore[union-attr]
                requires_grad=d0.bias.requires_grad,
            )
        else:
            self.register_parameter("bias", None)
        sigs = {_bn_signature(c.stages[1]) if len(c.stages) > 1 else None for c in cands}
        self.bn: nn.BatchNorm1d | None = None
        skip = 1
        if len(sigs) == 1 and None not in sigs:
            bns: list[nn.BatchNorm1d] = [c.stages[1] for c in cands]  # type: ignore[misc]
            self.bn = _stack_bn(bns)
            skip = 2
        self.rests = nn.ModuleList([nn.ModuleList(list(c.stages[skip:])) for c in cands])
        # bare linears: mixed in weight space, (sum_i w_i W_i) x + sum_i w_i b_i, one GEMM
        self.merged = self.bn is None and all(len(r) == 0 for r in self.rests)

    def forward(self, env: Env, w: Tensor, narrow: int | None = None) -> Tensor:
        """`sum_j w[members[j]] * member_j(env)`."""
        if self.merged:
            return self._merged(env[self.input_name], w, narrow)
        acc = None
        for i, z in self.outputs(env, narrow):
            z = z * w[i]
            acc = z if acc is None else acc + z
        assert acc is not None
        return acc

    def outputs(self, env: Env, narrow: int | None = None) -> list[tuple[int, Tensor]]:
        """(candidate index, output) of every member, unweighted (not for `merged` groups)."""
        x = env[self.input_name]
        out, g = self.out_features, len(self.members)
        if narrow is None:
            y = F.linear(x, self.weight, self.bias)
            if self.bn is not None:
                y = self.bn(y)
            chunks = y.split(out, dim=1)
        else:
            n = narrow
            wt = self.weight.view(g, out, -1)[:, :n, :n].reshape(g * n, n)
            b = self.bias.view(g, out)[:, :n].reshape(-1) if self.bias is not None else None
            chunks = F.linear(x, wt, b).split(n, dim=1)
            if self.bn is not None:
                chunks = tuple(
                    bn_forward(self.bn, c, j * out, n, count=j == 0) for j, c in enumerate(chunks)
                )
        result = []
        for j, (i, z) in enumerate(zip(self.members, chunks, strict=True)):
            for stage in self.rests[j]:
                z = stage(z) if narrow is None else narrow_forward(stage, z, narrow)
            result.append((i, z))
        return result

    def member(self, env: Env, j: int, narrow: int | None = None) -> Tensor:
        """Member `j`'s output alone, unweighted: its slice of the stacked weights."""
        x = env[self.input_name]
        out = self.out_features
        n = out if narrow is None else narrow
        weight = self.weight.view(len(self.members), out, -1)[j]
        bias = self.bias.view(len(self.members), out)[j] if self.bias is not None else None
        if narrow is not None:
            weight = weight[:n, :n]
            bias = bias[:n] if bias is not None else None
        z = F.linear(x, weight, bias)
        if self.bn is not None:
            z = bn_forward(self.bn, z, j * out, n)
        for stage in self.rests[j]:
            z = stage(z) if narrow is None else narrow_forward(stage, z, narrow)
        return z

    def _merged(self, x: Tensor, w: Tensor, narrow: int | None) -> Tensor:
        g, out = len(self.members), self.out_features
        wg = w[list(self.members)].to(self.weight.dtype)
        stacked = self.weight.view(g, out, self.in_features)
        bias = self.bias.view(g, out) if self.bias is not None else None
        if narrow is not None:
            stacked = stacked[:, :narrow, :narrow]
            bias = bias[:, :narrow] if bias is not None else None
        weight = torch.einsum("g,goi->oi", wg, stacked)
        return F.linear(x, weight, wg @ bias if bias is not None else None)

    def candidate(self, j: int) -> PipelineModule:
        """Member `j` as a pipeline whose tensors are views of the stacked ones."""
        out = self.out_features
        sl = slice(j * out, (j + 1) * out)
        dense = Dense(self.in_features, out, self.bias_mode, device="meta")
        dense.weight = nn.Parameter(self.weight.data[sl], requires_grad=self.weight.requires_grad)
        if self.bias is not None:
            dense.bias = nn.Parameter(self.bias.data[sl], requires_grad=self.bias.requires_grad)
        stages: list[nn.Module] = [dense]
        if self.bn is not None:
            stages.append(_bn_view(self.bn, sl))
        stages.extend(self.rests[j])
        return PipelineModule(RefSource(self.input_name), stages, out)

    def extra_repr(self) -> str:
        return (
            f"members={self.members}, {len(self.members)} x ({self.in_features} -> "
            f"{self.out_features}), bn={'fused' if self.bn is not None else 'no'}"
            + (", merged in weight space" if self.merged else "")
        )


def _stack_bn(bns: list[nn.BatchNorm1d]) -> nn.BatchNorm1d:
    b0 = bns[0]
    ref = b0.running_mean if b0.running_mean is not None else b0.weight
    factory = {"device": ref.device, "dtype": ref.dtype} if ref is not None else {}
    bn = nn.BatchNorm1d(
        sum(b.num_features for b in bns),
        eps=b0.eps,
        momentum=b0.momentum,
        affine=b0.affine,
        track_running_stats=b0.track_running_stats,
        **factory,
    )
    with torch.no_grad():
        for name in ("weight", "bias", "running_mean", "running_var"):
            dst = getattr(bn, name)
            if dst is not None:
                dst.copy_(torch.cat([getattr(b, name) for b in bns], 0))
    return bn


def _bn_view(bn: nn.BatchNorm1d, sl: slice) -> nn.BatchNorm1d:
    view = nn.BatchNorm1d(
        sl.stop - sl.start,
        eps=bn.eps,
        momentum=bn.momentum,
        affine=bn.affine,
        track_running_stats=bn.track_running_stats,
        device="meta",
    )
    if bn.affine:
        view.weight = nn.Parameter(bn.weight.data[sl])
        view.bias = nn.Parameter(bn.bias.data[sl])
    if bn.track_running_stats:
        view.running_mean = bn.running_mean[sl]  # type: ignore[index]
        view.running_var = bn.running_var[sl]  # type: ignore[index]
        view.num_batches_tracked = bn.num_batches_tracked
    return view


class FusedOp(MixedOp):
    """An op choice whose linear-first candidates run stacked (see module docs)."""

    def __init__(self, loop: MixedOp) -> None:
        nn.Module.__init__(self)
        self.key = loop.key
        object.__setattr__(self, "arch", loop.arch)
        self._setup(list(loop.zero), loop.width, loop.skip_input, loop.partial)
        by_sig: dict[tuple, list[int]] = defaultdict(list)
        for i in self.active:
            sig = _group_signature(loop.candidates[i])  # type: ignore[arg-type]
            if sig is not None:
                by_sig[sig].append(i)
        grouped = {i for members in by_sig.values() if len(members) > 1 for i in members}
        self.groups = nn.ModuleList(
            FusedGroup(m, [loop.candidates[i] for i in m])  # type: ignore[misc]
            for m in by_sig.values()
            if len(m) > 1
        )
        self.singles = nn.ModuleDict(
            {str(i): c for i, c in enumerate(loop.candidates) if i not in grouped}
        )
        self._where = {
            i: (g, j) for g, grp in enumerate(self.groups) for j, i in enumerate(grp.members)
        }  # type: ignore[attr-defined]

    @classmethod
    def from_loop(cls, loop: MixedOp) -> MixedOp:
        """The fused form of a loop op choice, or the loop itself if nothing can be fused."""
        fused = cls(loop)
        return fused if len(fused.groups) else loop

    def candidate(self, i: int) -> PipelineModule:
        if i in self._where:
            g, j = self._where[i]
            return self.groups[g].candidate(j)  # type: ignore[operator]
        return self.singles[str(i)]  # type: ignore[return-value]

    def mix(self, env: Env, w: Tensor, narrow: int | None) -> Tensor | None:
        """Merged groups add their output; every other candidate's output is stacked and
        weighted in one matrix-vector product (`w @ stack`: one op forward, two backward,
        where a multiply and an add per candidate cost ~30 small ops per choice)."""
        out = None
        index: list[int] = []
        outs: list[Tensor] = []
        for group in self.groups:
            if group.merged:
                y = group(env, w, narrow)
                out = y if out is None else out + y
            else:
                for i, z in group.outputs(env, narrow):
                    index.append(i)
                    outs.append(z)
        for i in self.active:
            if i not in self._where:
                index.append(i)
                outs.append(self.singles[str(i)](env, narrow))
        if outs:
            y = _weighted_sum(w, index, outs)
            out = y if out is None else out + y
        return out

    def mix_one(self, env: Env, w: Tensor, i: int, narrow: int | None) -> Tensor | None:
        """`w[i] * candidate_i(env)` alone: a group member runs its own slice only."""
        if self.zero[i]:
            return None
        if i in self._where:
            g, j = self._where[i]
            return self.groups[g].member(env, j, narrow) * w[i]  # type: ignore[operator]
        return self.singles[str(i)](env, narrow) * w[i]


def _weighted_sum(w: Tensor, index: list[int], outs: list[Tensor]) -> Tensor:
    """`sum_k w[index[k]] * outs[k]` as one matrix-vector product over the stacked outputs."""
    if len(outs) == 1:
        return outs[0] * w[index[0]]
    stacked = torch.stack(outs)
    weights = w[index].to(stacked.dtype)
    return (weights @ stacked.view(len(outs), -1)).view(stacked.shape[1:])


def _group_signature(c: PipelineModule) -> tuple | None:
    if not isinstance(c.source, RefSource) or not c.stages:
        return None
    d = c.stages[0]
    if not isinstance(d, Dense):
        return None
    if len(c.stages) > 1 and isinstance(c.stages[1], WidthMask):
        return None
    bare = len(c.stages) == 1
    return (c.source.name, d.in_features, d.out_features, str(d.bias_mode), d.weight.dtype, bare)
