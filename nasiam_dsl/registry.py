"""Ops, normalisations and activations by name: the single list the language knows.

The language resolves every op name through this registry (and takes its
"did you mean" list from it); the compiler turns each entry into torch modules.
Entries are plain data so that parsing and checking never import torch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

OpKind = Literal["layer", "norm", "act"]


@dataclass(frozen=True)
class Option:
    """A keyword option of an op: its type, default and, for enums, the allowed values;
    `odd`: an odd positive integer (a window that keeps the feature size)."""

    type: type | tuple[type, ...]
    default: Any
    choices: tuple[Any, ...] | None = None
    doc: str = ""
    odd: bool = False


Count = Callable[[int, Mapping[str, Any]], int]  # (width, options) -> a number


def _nothing(width: int, options: Mapping[str, Any]) -> int:
    return 0


def _affine(width: int, options: Mapping[str, Any]) -> int:
    return 2 * width if options.get("affine", True) else 0


def _per_feature(n: int) -> Count:
    return lambda width, options: n * width


def _window(width: int, options: Mapping[str, Any]) -> int:
    return int(options.get("kernel", 3)) * width


def _built_params(factory: Callable[..., Any], takes_width: bool) -> Count:
    """Parameters of a user op: its factory's module, built as the compiler builds it."""

    def count(width: int, options: Mapping[str, Any]) -> int:
        module = factory(*((width,) if takes_width else ()), **options)
        return sum(p.numel() for p in module.parameters())

    return count


@dataclass(frozen=True)
class OpSpec:
    """What the language knows of an op, in one entry: how it reads (kind, options), what it
    costs (`params`, `flops`, read by `nasiam compile` and the constraints), how it builds
    (`builds`: the module the compiler makes, given the options as keywords (`renamed` where
    a keyword differs) and, for a norm, the width first) and how an exported head writes it
    (`exports`: the plain PyTorch class, when `builds` is a faster twin of one)."""

    name: str
    kind: OpKind
    doc: str
    options: Mapping[str, Option] = field(default_factory=dict)
    takes_width: bool = False
    param_free: bool = True  # the one place that says whether the op has parameters
    factory: Callable[..., Any] | None = None  # user ops: factory(**options) -> nn.Module
    builds: str | None = None  # "module:Class", imported by the compiler only
    renamed: Mapping[str, str] = field(default_factory=dict)  # option -> constructor keyword
    exports: str | None = None  # "torch.nn:Class" an exported head uses instead of `builds`
    per_feature: bool = False  # output feature j depends on input feature j only
    zero: bool = False  # outputs exactly 0: a choice may skip computing it
    params: Count = _nothing  # parameters at `width` features
    flops: Count | None = None  # FLOPs per sample; None: 1 per feature (act), 0 (others)
    known_as: tuple[str, ...] = ()  # other names users write for it ("batchnorm" for bn)

    def __post_init__(self) -> None:
        if self.factory is not None:  # a user op: count its module, 1 FLOP per feature
            if self.params is _nothing:
                object.__setattr__(self, "params", _built_params(self.factory, self.kind == "norm"))
            if self.flops is None:
                object.__setattr__(self, "flops", _per_feature(1))

    def cost(self, width: int, options: Mapping[str, Any]) -> tuple[int, int]:
        """(parameters, FLOPs per sample) of the op on `width` features."""
        flops = self.flops or (_per_feature(1) if self.kind == "act" else _nothing)
        return self.params(width, options), flops(width, options)


_OPS: dict[str, OpSpec] = {}


def register_op(spec: OpSpec, *, replace: bool = False) -> OpSpec:
    """Add an op to the language; a name may be registered once unless `replace`."""
    if spec.name in _OPS and not replace:
        raise ValueError(f"op '{spec.name}' is already registered")
    _OPS[spec.name] = spec
    return spec


def register_activation(name: str, factory: Callable[..., Any], doc: str = "") -> OpSpec:
    """Register a user activation: `factory()` returns an `nn.Module` (elementwise)."""
    spec = OpSpec(name, "act", doc or f"user activation {name}", factory=factory, per_feature=True)
    return register_op(spec)


def unregister_op(name: str) -> None:
    """Remove an op (a user op a test or a plugin registered); unknown names are ignored."""
    _OPS.pop(name, None)


def get_op(name: str) -> OpSpec | None:
    return _OPS.get(name)


def also_called(spec: OpSpec) -> set[str]:
    """The names other than `spec.name` that mean this op, lower-cased: its `known_as` and
    the PyTorch class it builds or exports (`batchnorm1d` for bn)."""
    classes = [path.rpartition(":")[2] for path in (spec.builds, spec.exports) if path]
    return {n.lower() for n in (*spec.known_as, *classes)} - {spec.name}


def meant_op(name: str) -> str | None:
    """The op a user most likely means by a name the language does not know: one another
    name of which (any case) is `name`, or None."""
    lowered = name.lower()
    if lowered in _OPS:
        return lowered
    meant = [s.name for s in all_ops() if lowered in also_called(s)]
    return meant[0] if len(meant) == 1 else None


def op_names(kind: OpKind | None = None) -> list[str]:
    return sorted(n for n, s in _OPS.items() if kind is None or s.kind == kind)


def all_ops() -> list[OpSpec]:
    return [_OPS[n] for n in sorted(_OPS)]


# The empty normalisation, allowed only inside a norm choice: `norm{bn, none}`.
NO_NORM = "none"

# The candidate of an activation or norm choice that leaves no stage in a member:
# `act{relu, identity}` may have no activation, `norm{bn, none}` no normalisation.
EMPTY_CANDIDATE = {"act": "identity", "norm": NO_NORM}

_BOOL = Option(bool, True)
_WINDOW = Option(int, 3, doc="odd window size", odd=True)

for _spec in (
    OpSpec(
        "linear",
        "layer",
        "fully connected layer to `width` features; bias=true|false|frozen",
        {"bias": Option((bool, str), True, (True, False, "frozen"), "frozen: kept at init")},
        takes_width=True,
        param_free=False,
        known_as=("fc", "dense"),
    ),
    OpSpec(
        "identity",
        "layer",
        "passes its input through (a skip connection)",
        builds="torch.nn:Identity",
        per_feature=True,
        known_as=("skip",),
    ),
    OpSpec(
        "zero",
        "layer",
        "outputs zeros: removes an edge; costs nothing in a choice",
        builds="nasiam_dsl.compile.ops:Zero",
        per_feature=True,
        zero=True,
    ),
    OpSpec(
        "avgpool",
        "layer",
        "1-D average pool along the feature axis (NASiam): stride 1, same size, count_include_pad",
        {"kernel": _WINDOW},
        builds="nasiam_dsl.compile.ops:AvgPool",
        flops=_window,
        known_as=("avg_pool", "avgpool1d", "avg_pool1d"),
    ),
    OpSpec(
        "maxpool",
        "layer",
        "1-D max pool along the feature axis (NASiam): stride 1, same size",
        {"kernel": _WINDOW},
        builds="nasiam_dsl.compile.ops:MaxPool",
        flops=_window,
        known_as=("max_pool", "maxpool1d", "max_pool1d"),
    ),
    OpSpec(
        "bn",
        "norm",
        "BatchNorm1d over features",
        {"affine": _BOOL, "eps": Option(float, 1e-5), "momentum": Option(float, 0.1)},
        param_free=False,
        builds="torch.nn:BatchNorm1d",
        per_feature=True,
        params=_affine,
        flops=_per_feature(2),  # a scale and a shift: its inference form
        known_as=("batchnorm", "batch_norm", "batchnorm1d", "bn1d"),
    ),
    OpSpec(
        "layernorm",
        "norm",
        "LayerNorm over features",
        {"affine": _BOOL, "eps": Option(float, 1e-5)},
        param_free=False,
        builds="torch.nn:LayerNorm",
        renamed={"affine": "elementwise_affine"},
        params=_affine,
        flops=_per_feature(5),  # statistics, scale, shift
        known_as=("ln", "layer_norm"),
    ),
    OpSpec(
        NO_NORM,
        "norm",
        "no normalisation (only inside a norm choice)",
        builds="torch.nn:Identity",
        per_feature=True,
    ),
    OpSpec("relu", "act", "ReLU", builds="torch.nn:ReLU", per_feature=True),
    OpSpec(
        "gelu",
        "act",
        "GELU",
        {"approximate": Option(str, "none", ("none", "tanh"))},
        builds="torch.nn:GELU",
        per_feature=True,
    ),
    OpSpec(
        "silu", "act", "SiLU (swish)", builds="torch.nn:SiLU", per_feature=True, known_as=("swish",)
    ),
    OpSpec(
        "elu",
        "act",
        "ELU",
        {"alpha": Option(float, 1.0)},
        builds="nasiam_dsl.compile.ops:ELU",
        exports="torch.nn:ELU",
        per_feature=True,
    ),
    OpSpec(
        "hardswish",
        "act",
        "Hardswish",
        builds="torch.nn:Hardswish",
        per_feature=True,
        known_as=("hard_swish",),
    ),
    OpSpec(
        "leaky_relu",
        "act",
        "LeakyReLU",
        {"negative_slope": Option(float, 0.01)},
        builds="torch.nn:LeakyReLU",
        per_feature=True,
        known_as=("leakyrelu", "lrelu"),
    ),
    OpSpec("mish", "act", "Mish", builds="torch.nn:Mish", per_feature=True),
    OpSpec("tanh", "act", "Tanh", builds="torch.nn:Tanh", per_feature=True),
    OpSpec("sigmoid", "act", "Sigmoid", builds="torch.nn:Sigmoid", per_feature=True),
):
    register_op(_spec)


def param_free_layers() -> tuple[str, ...]:
    """Layer ops without parameters, as their entries declare (user ops included)."""
    return tuple(s.name for s in all_ops() if s.kind == "layer" and s.param_free)


PARAM_FREE_LAYERS = param_free_layers()
"""The built-in parameter-free layers; `param_free_layers()` also sees user ops."""
