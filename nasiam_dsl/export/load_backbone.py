"""Rebuild the exported backbone with torch and torchvision alone (no nasiam).

    from load_backbone import load_backbone
    backbone = load_backbone()  # normalised (N, C, H, W) images -> (N, feature_dim)

`backbone.json` says how: a torchvision ResNet with `conv1` replaced when given, `maxpool`
replaced by Identity when it says so and `fc` by Identity, loading `backbone_state_dict.pt`
strictly; the class in `backbone_model.py` built with the recipe's arguments, loading the
same file; or a `torch.export` program (`backbone.pt2`, eval-mode semantics, any batch
size). The first two return an ordinary module in eval mode: call `.train()` to fine-tune.
Run this file to print the backbone's output shape on a batch of zeros.
"""

import json
from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent


def rebuild_torchvision(recipe: dict) -> nn.Module:
    """A fresh torchvision ResNet modified as `recipe` says (its weights not loaded)."""
    from torchvision import models

    model = getattr(models, recipe["arch"])(weights=None)
    if recipe["conv1"] is not None:
        model.conv1 = nn.Conv2d(**recipe["conv1"])
    if recipe["maxpool"] == "Identity":
        model.maxpool = nn.Identity()
    model.fc = nn.Identity()
    return model


def _torchvision(recipe: dict, folder: Path) -> nn.Module:
    model = rebuild_torchvision(recipe)
    state = torch.load(folder / recipe["state_dict"], map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()


def _source(recipe: dict, folder: Path) -> nn.Module:
    import importlib.util

    spec = importlib.util.spec_from_file_location("backbone_model", folder / recipe["module"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = getattr(module, recipe["class"])(**recipe["kwargs"])
    state = torch.load(folder / recipe["state_dict"], map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()


def _program(recipe: dict, folder: Path) -> nn.Module:
    # an exported program has eval-mode semantics baked in; its module refuses .eval()
    return torch.export.load(folder / recipe["program"]).module()


LOADERS = {"torchvision": _torchvision, "source": _source, "torch.export": _program}


def load_backbone(folder: Path = HERE) -> nn.Module:
    """The exported backbone of `folder`, ready for inference."""
    recipe = json.loads((Path(folder) / "backbone.json").read_text("utf-8"))
    return LOADERS[recipe["format"]](recipe, Path(folder))


if __name__ == "__main__":
    recipe = json.loads((HERE / "backbone.json").read_text("utf-8"))
    x = torch.zeros(2, *recipe["input_shape"])
    with torch.no_grad():
        features = load_backbone()(x)
    print(f"{recipe['format']} backbone: {tuple(x.shape)} -> {tuple(features.shape)}")
