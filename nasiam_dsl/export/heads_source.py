"""Compiled heads as plain PyTorch source: one `nn.Module` class per head, and its weights.

A head that is a chain (each node reads the one before, every stage a module) becomes an
`nn.Sequential` subclass whose layers are named `<node>_<kind>`; any other head (sums, means,
concats of named nodes, feature-axis pools, `zero`) becomes a module with an explicit
`forward` whose local variables are the genotype's node names. Only standard modules appear:
`nn.Linear`, `nn.BatchNorm1d`, `nn.LayerNorm`, activations; a frozen bias is a buffer of the
small `LinearFrozenBias` defined in the file; pools are written out with `F.max_pool1d` /
`F.avg_pool1d` on `x.unsqueeze(1)` (stride 1, padding kernel // 2, padded zeros counted in
the average), as nasiam computes them. The state dict is keyed `<head>.<attribute>.<tensor>`,
the keys of `build_heads()` in the generated file.
"""

from __future__ import annotations

import functools
import keyword
from collections.abc import Callable
from dataclasses import dataclass, field

from torch import Tensor, nn

from nasiam_dsl import registry
from nasiam_dsl.compile.build import HeadNet
from nasiam_dsl.compile.keys import module_key
from nasiam_dsl.compile.mixed import CombineSource, HeadModule, PipelineModule, RefSource
from nasiam_dsl.compile.ops import AvgPool, Dense, FeaturePool, MaxPool, Zero
from nasiam_dsl.names import import_object
from nasiam_dsl.usage import UsageProblem

__all__ = ["HeadsSource", "heads_source"]

# names the generated module binds itself: never used for a node, head or class
_RESERVED = frozenset({"self", "torch", "nn", "F", "Tensor", "HEADS", "build_heads"})
_HELPER = "LinearFrozenBias"

_FROZEN_BIAS_CLASS = f'''class {_HELPER}(nn.Linear):
    """`nn.Linear` whose bias is a buffer: kept at its initial value, never trained."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__(in_features, out_features, bias=False)
        del self.bias
        self.register_buffer("bias", torch.zeros(out_features))
'''


@dataclass(frozen=True)
class Layer:
    """A stage held by a module attribute: its kind (for the name) and constructor source."""

    kind: str
    constructor: str


@dataclass(frozen=True)
class Inline:
    """A stateless stage written into `forward`: an expression of `{x}`."""

    template: str
    needs: tuple[str, ...] = ()  # imports the expression uses: "torch", "F"


Rendered = Layer | Inline | None  # None: the stage computes the identity and is left out


def _linear(m: nn.Module) -> Layer:
    assert isinstance(m, Dense)
    if m.bias_mode == "frozen":
        return Layer("linear", f"{_HELPER}({m.in_features}, {m.out_features})")
    bias = "" if m.bias is not None else ", bias=False"
    return Layer("linear", f"nn.Linear({m.in_features}, {m.out_features}{bias})")


def _batch_norm(m: nn.Module) -> Layer:
    assert isinstance(m, nn.BatchNorm1d)
    args = [str(m.num_features)]
    if m.eps != 1e-5:
        args.append(f"eps={m.eps!r}")
    if m.momentum != 0.1:
        args.append(f"momentum={m.momentum!r}")
    if not m.affine:
        args.append("affine=False")
    if not m.track_running_stats:
        args.append("track_running_stats=False")
    return Layer("bn", f"nn.BatchNorm1d({', '.join(args)})")


def _layer_norm(m: nn.Module) -> Layer:
    assert isinstance(m, nn.LayerNorm)
    args = [str(m.normalized_shape[0])]
    if m.eps != 1e-5:
        args.append(f"eps={m.eps!r}")
    if not m.elementwise_affine:
        args.append("elementwise_affine=False")
    elif m.bias is None:
        args.append("bias=False")
    return Layer("layernorm", f"nn.LayerNorm({', '.join(args)})")


def _pool(m: nn.Module) -> Inline:
    assert isinstance(m, FeaturePool)
    k, pad = m.kernel, m.kernel // 2
    if m.kind == "max":
        call = f"F.max_pool1d({{x}}.unsqueeze(1), {k}, stride=1, padding={pad})"
    else:
        call = f"F.avg_pool1d({{x}}.unsqueeze(1), {k}, stride=1, padding={pad})"
    return Inline(call + ".squeeze(1)", ("F",))


def _quoted(text: str) -> str:
    """A double-quoted literal (user names are identifiers: no quotes or backslashes)."""
    return '"' + text + '"'


def _literal(value: object) -> str:
    return _quoted(value) if isinstance(value, str) else repr(value)


@functools.cache
def _registry_ops() -> dict[type, tuple[registry.OpSpec, str]]:
    """Module class -> (its op's registry entry, the `torch.nn` class an export writes),
    for every built-in op the compiler builds from `torch.nn` or a twin of it."""
    found: dict[type, tuple[registry.OpSpec, str]] = {}
    for spec in registry.all_ops():
        target = spec.exports or spec.builds
        if spec.factory is not None or target is None or not target.startswith("torch.nn:"):
            continue
        found[import_object(spec.builds)] = (spec, target.partition(":")[2])  # type: ignore[arg-type]
    return found


def _from_registry(m: nn.Module) -> Rendered:
    """An op's module written as `nn.Class(options)`: the options that differ from their
    defaults, read off the module's attributes (the constructor's keywords)."""
    spec, cls = _registry_ops()[type(m)]
    if cls == "Identity":
        return None
    args = [
        f"{name}={_literal(getattr(m, spec.renamed.get(name, name)))}"
        for name, option in spec.options.items()
        if getattr(m, spec.renamed.get(name, name)) != option.default
    ]
    return Layer(spec.name, f"nn.{cls}({', '.join(args)})")


# exact module types only: a user op subclassing a standard one may compute something else
_RENDERERS: dict[type[nn.Module], Callable[[nn.Module], Rendered]] = {
    Dense: _linear,
    nn.BatchNorm1d: _batch_norm,
    nn.LayerNorm: _layer_norm,
    AvgPool: _pool,
    MaxPool: _pool,
    FeaturePool: _pool,
    Zero: lambda _m: Inline("torch.zeros_like({x})", ("torch",)),
    nn.Identity: lambda _m: None,
}


def _renderer(m: nn.Module) -> Callable[[nn.Module], Rendered] | None:
    """How a module is written: a layer's own renderer, else its op's registry entry."""
    found = _RENDERERS.get(type(m))
    if found is None and type(m) in _registry_ops():
        return _from_registry
    return found


@dataclass
class HeadsSource:
    """The generated `heads.py` text and the state dict its `build_heads()` loads strictly."""

    text: str
    state_dict: dict[str, Tensor]
    classes: dict[str, str]  # head name -> class name
    sequential: dict[str, bool]  # head name -> written as an nn.Sequential


# ---- names ----------------------------------------------------------------------------------


class _Names:
    """Unique Python identifiers made from user names (keywords and clashes get a `_`)."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self.taken = set(_RESERVED) | (taken or set())

    def make(self, wanted: str, fallback: str) -> str:
        name = wanted if wanted.isidentifier() else fallback
        while keyword.iskeyword(name) or name in self.taken or hasattr(nn.Module, name):
            name += "_"
        self.taken.add(name)
        return name


def _class_name(head: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in head.split("_") if part)


# ---- one head -------------------------------------------------------------------------------


@dataclass
class _Stage:
    attr: str | None  # module attribute (a Layer), None for an inline expression
    rendered: Layer | Inline
    module: nn.Module


@dataclass
class _Node:
    var: str
    source: str  # a Python expression of earlier variables
    reads: tuple[str, ...]  # the user names it reads (a single ref: one name)
    combined: bool  # the source is a sum/mean/concat
    stages: list[_Stage] = field(default_factory=list)


def _flatten(pipe: PipelineModule) -> tuple[nn.Module, list[nn.Module]]:
    """A closed `choose` nests its candidate's pipeline as the source: unnest it."""
    source, stages = pipe.source, list(pipe.stages)
    while isinstance(source, PipelineModule):
        stages = [*source.stages, *stages]
        source = source.source
    return source, stages


def _render(module: nn.Module, where: str) -> Rendered:
    renderer = _renderer(module)
    if renderer is None:
        raise UsageProblem(
            f"{where}: {type(module).__name__} is not a standard PyTorch module, so this head "
            "cannot be written as plain PyTorch",
            "export supports the built-in ops (linear, bn, layernorm, activations, pools, zero)",
        )
    return renderer(module)


class _HeadWriter:
    def __init__(self, head: HeadModule) -> None:
        self.head = head
        self.vars = _Names()
        self.attrs = _Names()
        self.needs: set[str] = set()
        self.input_var = self.vars.make(head.input_name, "x")
        self.var_of = {head.input_name: self.input_var}
        self.nodes = [self.node(name, module) for name, module in head.nodes.items()]

    def node(self, name: str, module: nn.Module) -> _Node:
        assert isinstance(module, PipelineModule)
        source, stages = _flatten(module)
        where = f"head '{self.head.name}', node '{name}'"
        if isinstance(source, RefSource):
            reads, expr, combined = (source.name,), self.var_of[source.name], False
        elif isinstance(source, CombineSource):
            reads, combined = source.names, True
            expr = self.combine(source.mode, [self.var_of[n] for n in source.names])
        else:
            raise UsageProblem(f"{where}: {type(source).__name__} is not a fixed source")
        var = self.vars.make(name, f"node{len(self.var_of)}")
        self.var_of[name] = var
        node = _Node(var, expr, reads, combined)
        for stage in stages:
            rendered = _render(stage, where)
            if rendered is None:
                continue
            attr = None
            if isinstance(rendered, Layer):
                attr = self.attrs.make(f"{var.rstrip('_')}_{rendered.kind}", rendered.kind)
            else:
                self.needs.update(rendered.needs)
            node.stages.append(_Stage(attr, rendered, stage))
        return node

    def combine(self, mode: str, names: list[str]) -> str:
        if mode == "concat":
            self.needs.add("torch")
            return f"torch.cat([{', '.join(names)}], dim=1)"
        total = " + ".join(names)
        return f"({total}) / {len(names)}" if mode == "mean" else total

    @property
    def is_chain(self) -> bool:
        previous = self.head.input_name
        for node, name in zip(self.nodes, self.head.nodes.keys(), strict=True):
            if node.combined or node.reads != (previous,):
                return False
            if any(s.attr is None for s in node.stages):
                return False
            previous = name
        return True

    def layers(self) -> list[_Stage]:
        return [s for node in self.nodes for s in node.stages if s.attr is not None]

    def class_text(self, class_name: str, doc: str) -> str:
        chain = self.is_chain
        base = "nn.Sequential" if chain else "nn.Module"
        lines = [f"class {class_name}({base}):", f'    """{doc}"""', ""]
        lines += ["    def __init__(self) -> None:", "        super().__init__()"]
        for stage in self.layers():
            assert isinstance(stage.rendered, Layer)
            lines.append(f"        self.{stage.attr} = {stage.rendered.constructor}")
        if not chain:
            lines += ["", *self.forward_lines()]
        return "\n".join(lines) + "\n"

    def forward_lines(self) -> list[str]:
        x = self.input_var
        lines = [f"    def forward(self, {x}: Tensor) -> Tensor:"]
        for node in self.nodes:
            current = node.source
            if not node.stages or (isinstance(node.stages[0].rendered, Inline) and node.combined):
                lines.append(f"        {node.var} = {current}")
                current = node.var
            for stage in node.stages:
                if isinstance(stage.rendered, Layer):
                    expr = f"self.{stage.attr}({current})"
                else:
                    arg = current if current.isidentifier() else f"({current})"
                    expr = stage.rendered.template.format(x=arg)
                lines.append(f"        {node.var} = {expr}")
                current = node.var
        lines.append(f"        return {self.nodes[-1].var}")
        return lines

    def state_dict(self, prefix: str) -> dict[str, Tensor]:
        out: dict[str, Tensor] = {}
        for stage in self.layers():
            for key, value in stage.module.state_dict().items():
                out[f"{prefix}{stage.attr}.{key}"] = value.detach().cpu().clone()
        return out


# ---- the file -------------------------------------------------------------------------------


def _describe_source(net: HeadNet, name: str) -> str:
    source = net.sources[name]
    if isinstance(source, int):
        return f"reads {source} input features"
    if source in net.heads:
        return f"reads the output of head '{source}'"
    return f"reads the backbone's {net.backbone_dim} features"


def heads_source(net: HeadNet, title: str) -> HeadsSource:
    """The source text of `net`'s heads (a fixed genotype, eval semantics) and their weights.

    `title` opens the module docstring (which genotype, which run). Raises `UsageProblem`
    naming the head and node of a stage that is not a standard module (a user op).
    """
    classes = _Names({_HELPER})
    writers: dict[str, _HeadWriter] = {}
    texts: list[str] = []
    class_of: dict[str, str] = {}
    state: dict[str, Tensor] = {}
    for name, head in net.heads.items():
        assert isinstance(head, HeadModule)
        writer = _HeadWriter(head)
        writers[name] = writer
        cls = classes.make(_class_name(name), "Head")
        class_of[name] = cls
        reads = _describe_source(net, name)
        doc = f"Head '{name}': {head.in_dim} -> {head.out_dim} features; {reads}."
        texts.append(writer.class_text(cls, doc))
        state.update(writer.state_dict(f"{module_key(nn.ModuleDict(), name)}."))
    frozen = any(
        isinstance(s.rendered, Layer) and s.rendered.constructor.startswith(_HELPER)
        for w in writers.values()
        for s in w.layers()
    )
    needs = set().union(*(w.needs for w in writers.values()))
    needs |= {"torch"} if frozen else set()
    needs |= set() if all(w.is_chain for w in writers.values()) else {"Tensor"}
    return HeadsSource(
        text=_module_text(title, net, texts, class_of, needs, frozen),
        state_dict=state,
        classes=class_of,
        sequential={name: w.is_chain for name, w in writers.items()},
    )


def _module_text(
    title: str,
    net: HeadNet,
    texts: list[str],
    class_of: dict[str, str],
    needs: set[str],
    frozen: bool,
) -> str:
    wiring = [f"- {name} {_describe_source(net, name)}" for name in class_of]
    header = [
        f'"""{title}',
        "",
        "Plain PyTorch, written by `nasiam export`: one class per head, standard modules only.",
        "Wiring (a head's input):",
        "",
        *wiring,
        "",
        "    heads = build_heads()",
        '    heads.load_state_dict(torch.load("heads_state_dict.pt", weights_only=True))',
        "    heads.eval()",
        '"""',
        "",
    ]
    imports = []
    if "torch" in needs:
        imports.append("import torch")
    if "F" in needs:
        imports.append("import torch.nn.functional as F")
    imports.append("from torch import Tensor, nn" if "Tensor" in needs else "from torch import nn")
    body = [*([_FROZEN_BIAS_CLASS] if frozen else []), *texts]
    registry = ["HEADS: dict[str, type[nn.Module]] = {"]
    for name, cls in class_of.items():
        registry.append(f"    {_quoted(module_key(nn.ModuleDict(), name))}: {cls},")
    registry += [
        "}",
        "",
        "",
        "def build_heads() -> nn.ModuleDict:",
        '    """Every head, keyed as in `heads_state_dict.pt` (randomly initialised)."""',
        "    return nn.ModuleDict({name: cls() for name, cls in HEADS.items()})",
        "",
    ]
    return "\n".join(header + imports) + "\n\n\n" + "\n\n".join(body) + "\n\n" + "\n".join(registry)
