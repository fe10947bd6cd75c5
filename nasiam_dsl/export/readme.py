"""`README.md` of an export folder: what each file is, and how to use them in a few lines."""

from __future__ import annotations

from typing import Any

from nasiam_dsl.export.loader_source import LOADER_FILE

__all__ = ["readme"]

_BACKBONE_FILES: dict[str, tuple[tuple[str, str], ...]] = {
    "torchvision": (
        (
            "backbone_state_dict.pt",
            "the backbone's weights: a plain `state_dict` of `torchvision.models.{arch}()` after "
            "the changes `backbone.json` lists (`torch.load(..., weights_only=True)`)",
        ),
    ),
    "source": (
        (
            "backbone_model.py",
            "the backbone's class `{cls}`, written with torch alone: an ordinary module, to "
            "fine-tune or change",
        ),
        (
            "backbone_state_dict.pt",
            "its weights: a plain `state_dict` (`torch.load(..., weights_only=True)`)",
        ),
    ),
    "torch.export": (
        (
            "backbone.pt2",
            "the backbone as a `torch.export` program in eval mode (`torch.export.load(...)"
            ".module()`), traced on a batch of shape {example}; the batch size is free; it "
            "cannot be trained",
        ),
    ),
}


def _backbone_rows(recipe: dict[str, Any]) -> list[str]:
    rows = []
    for name, text in _BACKBONE_FILES[recipe["format"]]:
        detail = text.format(
            arch=recipe.get("arch"),
            example=recipe.get("example_input_shape"),
            cls=recipe.get("class"),
        )
        rows.append(f"| `{name}` | {detail} |")
    return rows


_RECIPE_FIELDS = {
    "torchvision": "torchvision architecture, `conv1` replacement (or null), `maxpool`, `fc`, ",
    "source": "the class and its arguments, ",
    "torch.export": "program file, example input shape, ",
}


def readme(
    *,
    title: str,
    recipe: dict[str, Any],
    norm: dict[str, Any],
    head_inputs: dict[str, str | None],
) -> str:
    """The README text. `head_inputs`: head -> the head it reads (None: the backbone)."""
    rows = [
        "| file | what it is |",
        "|---|---|",
        *_backbone_rows(recipe),
        "| `backbone.json` | how to rebuild the backbone: format, "
        + _RECIPE_FIELDS[recipe["format"]]
        + f"feature dimension ({recipe['feature_dim']}), input shape |",
        f"| `{LOADER_FILE}` | `load_backbone()`: the backbone rebuilt with torch and torchvision "
        "alone; run it to print the output shape |",
        f"| `normalization.json` | the {norm['dataset']} mean/std, channels, image size "
        f"({norm['image_size']}) and the evaluation transform in words: feed the backbone "
        "images prepared this way |",
        "| `heads.py` | one plain `nn.Module` class per head, `HEADS` and `build_heads()` |",
        "| `heads_state_dict.pt` | the heads' trained weights, for `build_heads()`'s modules "
        "(`load_state_dict(..., strict=True)`, as below) |",
        "| `genotype.nas` | the genotype the heads were built from (nasiam's language) |",
    ]
    calls = []
    for head, source in head_inputs.items():
        arg = "features" if source is None else source
        calls.append(f'    {head} = heads["{head}"]({arg})')
    usage = [
        "```python",
        "import json",
        "",
        "import torch",
        "from torchvision.transforms import v2",
        "",
        "from heads import build_heads",
        "from load_backbone import load_backbone",
        "",
        'norm = json.load(open("normalization.json"))',
        "preprocess = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True),",
        '                         v2.Normalize(norm["mean"], norm["std"])])',
        "backbone = load_backbone()",
        "heads = build_heads().eval()",
        'heads.load_state_dict(torch.load("heads_state_dict.pt", weights_only=True))',
        "with torch.no_grad():",
        "    features = backbone(preprocess(image).unsqueeze(0))  # image: PIL or uint8 tensor",
        *calls,
        "```",
    ]
    resize = norm["eval_transform"][:-2]
    note = f"\nResize first: {resize[0]}.\n" if resize else ""
    return (
        f"# {title}\n\nWritten by `nasiam export`; nothing here needs nasiam.\n\n"
        + "\n".join(rows)
        + "\n\n## Usage\n\nRun from this folder (or put it on `sys.path`):\n\n"
        + "\n".join(usage)
        + "\n"
        + note
    )
