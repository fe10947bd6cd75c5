"""A run's backbone in a form any PyTorch code loads without nasiam.

The ResNets are torchvision's with documented surgery: `conv1` rebuilt for the CIFAR stem
(3x3, stride 1, padding 1) or for a channel count other than 3, `maxpool` -> Identity for the
CIFAR stem, `fc` -> Identity always. Their export is a plain `state_dict` whose keys are those
of `torchvision.models.resnetXX()` after that surgery, plus `backbone.json`, the recipe.
A backbone whose class is written with torch alone (it declares `SOURCE_IMPORTS`, as
`small_cnn` does) is exported as that class's source (`backbone_model.py`) and a plain
`state_dict`: an ordinary module, trainable like the ResNets. Others (`module:Class`
plugins), or any backbone when asked (`program=True`), become a `torch.export` program
(`backbone.pt2`), traced in eval mode on an example batch of the training image shape with
a dynamic batch dimension: fast inference, but not trainable.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from nasiam_dsl.export.load_backbone import rebuild_torchvision
from nasiam_dsl.export.rundir import RunRecord
from nasiam_dsl.usage import UsageProblem

__all__ = ["BackboneExport", "export_backbone", "nasiam_backbone", "rebuild_torchvision"]

STATE_DICT = "backbone_state_dict.pt"
PROGRAM = "backbone.pt2"
SOURCE = "backbone_model.py"

# nasiam backbone name -> torchvision constructor name
TORCHVISION_RESNETS: dict[str, str] = {
    **{f"cifar_resnet{d}": f"resnet{d}" for d in (18, 34, 50)},
    **{f"resnet{d}": f"resnet{d}" for d in (18, 34, 50)},
}
_TORCHVISION_CONV1 = {"in_channels": 3, "kernel_size": 7, "stride": 2, "padding": 3}


@dataclass
class BackboneExport:
    """The files of an exported backbone (name -> bytes) and its `backbone.json` recipe."""

    files: dict[str, bytes]
    recipe: dict[str, Any]
    feature_dim: int


def nasiam_backbone(record: RunRecord, state: dict[str, Tensor], channels: int) -> nn.Module:
    """The run's backbone rebuilt by nasiam with its final weights, in eval mode."""
    from nasiam_dsl.backbones import build_backbone
    from nasiam_dsl.names import UnknownNameError

    try:
        backbone = build_backbone(record.backbone, in_channels=channels, **record.backbone_options)
    except UnknownNameError as e:
        raise UsageProblem(f"backbone of the run: {e}") from None
    try:
        backbone.load_state_dict(state, strict=True)
    except RuntimeError as e:
        first = str(e).splitlines()[0]
        raise UsageProblem(
            f"backbone.pt does not fit backbone {record.backbone!r} ({first})"
        ) from None
    return backbone.eval()


def _conv1(conv: nn.Conv2d) -> dict[str, Any] | None:
    """`conv1`'s constructor arguments, or None when it is torchvision's own."""
    spec = {
        "in_channels": conv.in_channels,
        "kernel_size": conv.kernel_size[0],
        "stride": conv.stride[0],
        "padding": conv.padding[0],  # type: ignore[index]
    }
    if spec == _TORCHVISION_CONV1:
        return None
    return {**spec, "out_channels": conv.out_channels, "bias": conv.bias is not None}


def _saved(state: dict[str, Tensor]) -> bytes:
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu().clone() for k, v in state.items()}, buffer)
    return buffer.getvalue()


def _as_torchvision(
    backbone: nn.Module, arch: str, channels: int, image_size: int
) -> BackboneExport:
    recipe: dict[str, Any] = {
        "format": "torchvision",
        "arch": arch,
        "conv1": _conv1(backbone.conv1),  # type: ignore[arg-type]
        "maxpool": "Identity" if isinstance(backbone.maxpool, nn.Identity) else "torchvision",
        "fc": "Identity",
        "feature_dim": int(backbone.feature_dim),  # type: ignore[arg-type]
        "input_shape": [channels, image_size, image_size],
        "state_dict": STATE_DICT,
    }
    state = backbone.state_dict()
    rebuilt = rebuild_torchvision(recipe)
    rebuilt.load_state_dict(state, strict=True)  # the recipe is checked before it is written
    return BackboneExport({STATE_DICT: _saved(state)}, recipe, recipe["feature_dim"])


def _as_source(
    backbone: nn.Module, options: dict[str, Any], channels: int, image_size: int
) -> BackboneExport:
    """The backbone's own class as a module of its own, with its weights as a state dict."""
    import inspect

    cls = type(backbone)
    head = '"""The exported backbone\'s class, written with torch alone (from nasiam)."""\n\n'
    text = head + "\n".join(cls.SOURCE_IMPORTS) + "\n\n\n" + inspect.getsource(cls)
    kwargs = {"in_channels": channels, **{k: v for k, v in options.items() if k != "bn_splits"}}
    recipe: dict[str, Any] = {
        "format": "source",
        "module": SOURCE,
        "class": cls.__name__,
        "kwargs": kwargs,
        "feature_dim": int(backbone.feature_dim),  # type: ignore[arg-type]
        "input_shape": [channels, image_size, image_size],
        "state_dict": STATE_DICT,
    }
    return BackboneExport(
        {SOURCE: text.encode(), STATE_DICT: _saved(backbone.state_dict())},
        recipe,
        recipe["feature_dim"],
    )


def _as_program(backbone: nn.Module, channels: int, image_size: int) -> BackboneExport:
    example = torch.zeros(2, channels, image_size, image_size)
    try:
        with torch.no_grad():
            program = torch.export.export(
                backbone, (example,), dynamic_shapes=({0: torch.export.Dim.DYNAMIC},)
            )
    except Exception as e:  # torch.export's many failure types: say which, and that it is ours
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise UsageProblem(
            f"backbone {type(backbone).__name__} cannot be exported with torch.export "
            f"({type(e).__name__}: {first[:200]})",
            "its weights stay usable from the run's backbone.pt with the backbone's own code",
        ) from None
    buffer = io.BytesIO()
    torch.export.save(program, buffer)
    recipe = {
        "format": "torch.export",
        "program": PROGRAM,
        "feature_dim": int(backbone.feature_dim),  # type: ignore[arg-type]
        "input_shape": [channels, image_size, image_size],
        "example_input_shape": list(example.shape),
        "dynamic_dims": ["batch"],
        "mode": "eval",
    }
    return BackboneExport({PROGRAM: buffer.getvalue()}, recipe, recipe["feature_dim"])


def export_backbone(
    record: RunRecord,
    state: dict[str, Tensor],
    channels: int,
    image_size: int,
    *,
    program: bool = False,
) -> BackboneExport:
    """The run's backbone as torchvision weights plus recipe, as its own class's source plus
    weights, or (`program`, or a backbone neither fits) as a `torch.export` program."""
    backbone = nasiam_backbone(record, state, channels)
    arch = TORCHVISION_RESNETS.get(record.backbone)
    if program:
        export = _as_program(backbone, channels, image_size)
    elif arch is not None:
        export = _as_torchvision(backbone, arch, channels, image_size)
    elif hasattr(type(backbone), "SOURCE_IMPORTS"):
        export = _as_source(backbone, dict(record.backbone_options), channels, image_size)
    else:
        export = _as_program(backbone, channels, image_size)
    export.recipe["nasiam_backbone"] = record.backbone
    export.recipe["backbone_options"] = record.backbone_options
    return export
