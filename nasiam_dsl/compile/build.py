"""Compile a space into a `Supernet`, a genotype into a `FixedNet`.

Both are a `heads` ModuleDict (one module per DSL head, (N, in) -> (N, out), in dependency
order) built from the same blocks; a supernet also owns `arch`, the `ArchParameters` of every
open choice. A head that reads another head takes that head's output as its input: the
framework wires heads; `forward(features)` here is a convenience that runs them all.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator
from typing import Literal

import torch
from torch import Tensor, nn

from nasiam_dsl.compile.arch import ArchParameters, Sampler
from nasiam_dsl.compile.fused import FusedOp
from nasiam_dsl.compile.keys import NameDict
from nasiam_dsl.compile.masks import (
    AnyLayout,
    Block,
    Layout,
    PickedLayout,
    SupportLayerNorm,
    WidthMask,
    block_of,
)
from nasiam_dsl.compile.mixed import (
    CombineSource,
    HeadModule,
    MixedInputs,
    MixedOp,
    MixedSet,
    PipelineModule,
    RefSource,
)
from nasiam_dsl.compile.ops import Dense, is_per_feature, make_layer, narrowable
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.check import check_or_raise
from nasiam_dsl.lang.infer import Inference
from nasiam_dsl.lang.parser import parse
from nasiam_dsl.lang.plan import Choose, Inputs, Linear, Op, Pipeline, Plan, Ref, SetChoice

__all__ = ["FixedNet", "HeadNet", "Supernet", "compile_genotype", "compile_space"]


class HeadNet(nn.Module):
    """Compiled heads of one document; `doc` and `plan` ride along (unregistered)."""

    def __init__(self, heads: dict[str, HeadModule], plan: Plan, doc: ast.Document) -> None:
        super().__init__()
        self.heads = NameDict(heads)  # user names, escaped where they clash (keys.py)
        self.plan = plan
        self.doc = doc
        self.backbone_dim = plan.backbone_dim
        self.sources = {h.name: h.source for h in plan.heads}

    def forward(self, features: Tensor) -> dict[str, Tensor]:
        """Every head's output; a head reading another head gets that head's output."""
        outs: dict[str, Tensor] = {}
        for name, head in self.heads.items():
            src = self.sources[name]
            outs[name] = head(outs[src] if isinstance(src, str) and src in outs else features)
        return outs


class Supernet(HeadNet):
    """The heads of a space with every open choice relaxed, plus their `arch` parameters."""

    def __init__(
        self,
        heads: dict[str, HeadModule],
        arch: ArchParameters,
        plan: Plan,
        doc: ast.Document,
        fused: bool,
    ) -> None:
        super().__init__(heads, plan, doc)
        self.arch = arch
        self.fused = fused

    def arch_parameters(self) -> list[nn.Parameter]:
        """The architecture logits, in decision order."""
        return list(self.arch.alphas().values())

    def weight_parameters(self) -> list[nn.Parameter]:
        """Every other parameter (disjoint from `arch_parameters`, together all of them)."""
        arch = {id(p) for p in self.arch.parameters()}
        return [p for p in self.parameters() if id(p) not in arch]


class FixedNet(HeadNet):
    """The heads of a genotype: ordinary modules, no architecture parameters."""


@contextlib.contextmanager
def _seeded(seed: int | None) -> Iterator[None]:
    if seed is None:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def _as_document(doc: ast.Document | str) -> ast.Document:
    return parse(doc) if isinstance(doc, str) else doc


def _checked_facts(doc: ast.Document, backbone_dim: int) -> Inference:
    """The inference facts of a document that checks (raises `DSLError` otherwise)."""
    facts = check_or_raise(doc, backbone_dim=backbone_dim).facts
    assert facts is not None
    return facts


def compile_space(
    doc: ast.Document | str,
    backbone_dim: int,
    *,
    fused: bool = True,
    seed: int | None = None,
    sampler: Sampler | None = None,
    arch_init: Literal["normal", "zeros"] = "normal",
) -> Supernet:
    """Build the supernet of a space (or of any document; closed choices compile fixed).

    Raises `DSLError` when `check` finds errors. `seed` makes weights and logits
    reproducible without touching the global RNG; `fused=False` builds the plain per-candidate
    loop (the reference the fused form is tested against).
    """
    doc = _as_document(doc)
    facts = _checked_facts(doc, backbone_dim)
    plan = facts.plan
    with _seeded(seed):
        arch = ArchParameters(
            {k: c.size for k, c in plan.choices.items()},
            kinds={k: c.kind for k, c in plan.choices.items()},
            picks={k: c.pick for k, c in plan.choices.items()},
            sampler=sampler,
            init=arch_init,
        )
        for key, free in facts.candidates_param_free.items():
            arch.set_param_free_mask(key, torch.tensor(free))
        heads = _Builder(plan, arch, fused).build()
    return Supernet(heads, arch, plan, doc, fused)


def compile_genotype(
    doc: ast.Document | str, backbone_dim: int, *, seed: int | None = None
) -> FixedNet:
    """Build the fixed heads of a genotype (every choice closed); raises on open choices."""
    doc = _as_document(doc)
    plan = _checked_facts(doc, backbone_dim).plan
    if plan.choices:
        raise ValueError(
            f"'{doc.name}' still has open choices ({', '.join(plan.choices)}): "
            "compile it with compile_space, or derive a genotype first"
        )
    with _seeded(seed):
        heads = _Builder(plan, None, fused=False).build()
    return FixedNet(heads, plan, doc)


class _Mask(enum.Enum):
    """Where a masked tensor stands within a pipeline (see `_Builder.stages`)."""

    PENDING = "pending"  # a width linear's output, its soft mask not applied yet
    CLEAN = "clean"  # the soft mask applied, nothing since
    DIRTY = "dirty"  # per-feature stages since the mask: its support is due


class _Builder:
    def __init__(self, plan: Plan, arch: ArchParameters | None, fused: bool) -> None:
        self.plan = plan
        self.arch = arch
        self.fused = fused
        # the width-mask layout each name of the current head carries (None: not masked), so
        # the stages that read it can rebuild the mask (`masks` module)
        self.layouts: dict[str, AnyLayout | None] = {}

    def build(self) -> dict[str, HeadModule]:
        out_layouts: dict[str, AnyLayout | None] = {}
        heads: dict[str, HeadModule] = {}
        for hp in self.plan.heads:
            widths = {hp.input: hp.in_width}
            source = hp.source if isinstance(hp.source, str) else None
            self.layouts = {hp.input: out_layouts.get(source) if source else None}
            nodes: dict[str, nn.Module] = {}
            for node in hp.nodes:
                module, widths[node.name], layout = self.pipeline(node.pipeline, widths)
                self.layouts[node.name] = layout
                nodes[node.name] = module
            out_layouts[hp.name] = self.layouts[hp.output]
            heads[hp.name] = HeadModule(hp.name, hp.input, nodes, hp.in_width, hp.out_width)
        return heads

    def need_arch(self) -> ArchParameters:
        if self.arch is None:  # pragma: no cover - compile_genotype refuses open choices
            raise ValueError("an open choice needs architecture parameters")
        return self.arch

    # ---- pipelines --------------------------------------------------------------------
    def pipeline(
        self, p: Pipeline, widths: dict[str, int]
    ) -> tuple[PipelineModule, int, AnyLayout | None]:
        """Build a pipeline: the module, its output width and the layout its output carries."""
        src = p.source
        source: nn.Module
        if isinstance(src, Ref):
            source, width, incoming = RefSource(src.name), widths[src.name], self.layouts[src.name]
        elif isinstance(src, Inputs):
            source, width, incoming = self.inputs(src, widths)
        elif src.key is None:
            source, width, incoming = self.pipeline(src.candidates[0], widths)
        else:
            source, width, incoming = self.choose(src, widths)
        stages, width, layout = self.stages(p.stages, width, incoming)
        return PipelineModule(source, stages, width), width, layout

    def inputs(
        self, src: Inputs, widths: dict[str, int]
    ) -> tuple[nn.Module, int, AnyLayout | None]:
        ws = [widths[n] for n in src.names]
        layouts = [self.layouts[n] for n in src.names]
        if src.key is None:
            if src.mode != "concat":
                return CombineSource(src.mode, src.names), ws[0], _common(layouts)
            pairs = zip(layouts, ws, strict=True)
            blocks = [b for lay, w in pairs for b in block_of(lay, w).blocks]
            layout = Layout(tuple(blocks)) if any(b.key for b in blocks) else None
            return CombineSource(src.mode, src.names), sum(ws), layout
        module = MixedInputs(src.key, self.need_arch(), src.mode, src.names, src.pick)
        if src.mode != "concat":
            return module, ws[0], _common(layouts)
        picked = None
        if any(lay is not None for lay in layouts):
            options = tuple(block_of(lay, w) for lay, w in zip(layouts, ws, strict=True))
            picked = PickedLayout(src.key, src.pick, options)
        return module, ws[0] * src.pick, picked

    def choose(
        self, src: Choose, widths: dict[str, int]
    ) -> tuple[nn.Module, int, AnyLayout | None]:
        assert src.key is not None
        built = [self.pipeline(c, widths) for c in src.candidates]
        cands = [m for m, _, _ in built]
        width = max(w for _, w, _ in built)
        live = [lay for (_, _, lay), c in zip(built, src.candidates, strict=True) if not c.is_zero]
        names = {c.source.name if isinstance(c.source, Ref) else None for c in src.candidates}
        skip = next(iter(names)) if len(names) == 1 else None
        if skip is not None and widths[skip] != width:
            skip = None
        partial = skip is not None and all(
            isinstance(m.source, RefSource) and all(narrowable(s) for s in m.stages) for m in cands
        )
        op = MixedOp(
            src.key,
            self.need_arch(),
            cands,
            [c.is_zero for c in src.candidates],
            width,
            skip_input=skip,
            partial=partial,
        )
        return (FusedOp.from_loop(op) if self.fused else op), width, _common(live)

    def stages(
        self, stages: tuple, width: int, incoming: AnyLayout | None = None
    ) -> tuple[list[nn.Module], int, AnyLayout | None]:
        """Build the stages and place the width masks (see `mixed` module docs).

        `incoming` is the layout the input carries (soft mask applied). A width linear's soft
        mask waits after the per-feature stages and norms that follow it; a norm reading
        features whose soft mask is applied divided it out, so the soft mask follows it
        again; other per-feature stages are followed by the mask's support before the next
        stage that mixes features and at the end. Returns the stages, the output width and
        the layout the output carries.
        """
        out: list[nn.Module] = []
        layout = incoming
        state = _Mask.CLEAN if incoming is not None else None

        def settle() -> None:
            nonlocal state
            if layout is not None and state in (_Mask.PENDING, _Mask.DIRTY):
                out.append(WidthMask(self.need_arch(), layout, hard=state is _Mask.DIRTY))
                state = _Mask.CLEAN

        for stage in stages:
            if isinstance(stage, Linear):
                settle()
                out.append(Dense(width, max(stage.widths), stage.bias))
                width = max(stage.widths)
                layout = None
                if stage.key is not None:
                    layout = Layout((Block(stage.key, stage.widths),))
                state = _Mask.PENDING if layout is not None else None
                continue
            module = self.unary(stage, width, layout)
            if layout is not None and stage.kind == "norm":
                out.append(module)
                if state is not _Mask.PENDING:  # the norm divided the applied mask out
                    out.append(WidthMask(self.need_arch(), layout))
                    state = _Mask.CLEAN
                continue
            if not is_per_feature(module):
                settle()
            out.append(module)
            if state is _Mask.CLEAN:
                state = _Mask.DIRTY
        settle()
        return out, width, layout

    def unary(self, stage: Op | SetChoice, width: int, layout: AnyLayout | None) -> nn.Module:
        ops = (stage,) if isinstance(stage, Op) else stage.items
        items = [self.masked(make_layer(op, width), layout) for op in ops]
        if isinstance(stage, Op) or stage.key is None:
            return items[0]
        return MixedSet(stage.key, self.need_arch(), items)

    def masked(self, module: nn.Module, layout: AnyLayout | None) -> nn.Module:
        """A LayerNorm reading masked features takes its statistics over the mask's support."""
        if layout is None or type(module) is not nn.LayerNorm:
            return module
        return SupportLayerNorm(module, self.need_arch(), layout)


def _common(layouts: list[AnyLayout | None]) -> AnyLayout | None:
    """The layout every one of several summed (or chosen) tensors carries, else None."""
    first = layouts[0] if layouts else None
    return first if all(lay == first for lay in layouts) else None
