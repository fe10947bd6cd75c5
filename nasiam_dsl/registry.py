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
    """A keyword option of an op: its type, default and, for enums, the allowed values."""

    type: type | tuple[type, ...]
    default: Any
    choices: tuple[Any, ...] | None = None
    doc: str = ""


@dataclass(frozen=True)
class OpSpec:
    """What the language knows of an op."""

    name: str
    kind: OpKind
    doc: str
    options: Mapping[str, Option] = field(default_factory=dict)
    takes_width: bool = False
    param_free: bool = True  # the one place that says whether the op has parameters
    factory: Callable[..., Any] | None = None  # user ops: factory(**options) -> nn.Module


_OPS: dict[str, OpSpec] = {}


def register_op(spec: OpSpec, *, replace: bool = False) -> OpSpec:
    """Add an op to the language; a name may be registered once unless `replace`."""
    if spec.name in _OPS and not replace:
        raise ValueError(f"op '{spec.name}' is already registered")
    _OPS[spec.name] = spec
    return spec


def register_activation(name: str, factory: Callable[..., Any], doc: str = "") -> OpSpec:
    """Register a user activation: `factory()` returns an `nn.Module` (elementwise)."""
    return register_op(OpSpec(name, "act", doc or f"user activation {name}", factory=factory))


def unregister_op(name: str) -> None:
    """Remove an op (a user op a test or a plugin registered); unknown names are ignored."""
    _OPS.pop(name, None)


def get_op(name: str) -> OpSpec | None:
    return _OPS.get(name)


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

for _spec in (
    OpSpec(
        "linear",
        "layer",
        "fully connected layer to `width` features; bias=true|false|frozen",
        {"bias": Option((bool, str), True, (True, False, "frozen"), "frozen: kept at init")},
        takes_width=True,
        param_free=False,
    ),
    OpSpec("identity", "layer", "passes its input through (a skip connection)"),
    OpSpec("zero", "layer", "outputs zeros: removes an edge; costs nothing in a choice"),
    OpSpec(
        "avgpool",
        "layer",
        "1-D average pool along the feature axis (NASiam): stride 1, same size, count_include_pad",
        {"kernel": Option(int, 3, doc="odd window size")},
    ),
    OpSpec(
        "maxpool",
        "layer",
        "1-D max pool along the feature axis (NASiam): stride 1, same size",
        {"kernel": Option(int, 3, doc="odd window size")},
    ),
    OpSpec(
        "bn",
        "norm",
        "BatchNorm1d over features",
        {"affine": _BOOL, "eps": Option(float, 1e-5), "momentum": Option(float, 0.1)},
        param_free=False,
    ),
    OpSpec(
        "layernorm",
        "norm",
        "LayerNorm over features",
        {"affine": _BOOL, "eps": Option(float, 1e-5)},
        param_free=False,
    ),
    OpSpec(NO_NORM, "norm", "no normalisation (only inside a norm choice)"),
    OpSpec("relu", "act", "ReLU"),
    OpSpec("gelu", "act", "GELU", {"approximate": Option(str, "none", ("none", "tanh"))}),
    OpSpec("silu", "act", "SiLU (swish)"),
    OpSpec("elu", "act", "ELU", {"alpha": Option(float, 1.0)}),
    OpSpec("hardswish", "act", "Hardswish"),
    OpSpec("leaky_relu", "act", "LeakyReLU", {"negative_slope": Option(float, 0.01)}),
    OpSpec("mish", "act", "Mish"),
    OpSpec("tanh", "act", "Tanh"),
    OpSpec("sigmoid", "act", "Sigmoid"),
):
    register_op(_spec)


def param_free_layers() -> tuple[str, ...]:
    """Layer ops without parameters, as their entries declare (user ops included)."""
    return tuple(s.name for s in all_ops() if s.kind == "layer" and s.param_free)


PARAM_FREE_LAYERS = param_free_layers()
"""The built-in parameter-free layers; `param_free_layers()` also sees user ops."""
