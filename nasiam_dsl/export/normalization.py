"""How images reached the backbone during pretraining, so downstream code feeds it the same.

Every dataset is normalised per channel on [0, 1] pixels with its `DatasetInfo` mean and std;
some are resized first, as their loaders do (`data/`). The un-augmented evaluation view (kNN
bank, linear probe) is exactly these steps.
"""

from __future__ import annotations

from typing import Any

from nasiam_dsl.data import DatasetInfo

__all__ = ["normalization"]

_IMAGENET_RESIZE = (
    "resize the short side to {size} px (bilinear, antialiased), centre-crop {size}x{size}"
)

# dataset -> the resize its loader applies before anything else ({size}: the image size)
_RESIZE: dict[str, str] = {
    "fashion-mnist": "resize the 28x28 grey images to {size}x{size} (bilinear)",
    "fashion-mnist-rgb": (
        "resize the 28x28 grey images to {size}x{size} (bilinear), repeat the grey channel 3 times"
    ),
    "stl10-64": "resize the 96x96 images to {size}x{size} (bilinear, antialiased)",
    "imagenet": _IMAGENET_RESIZE,
    "imagefolder": _IMAGENET_RESIZE,
}


def normalization(info: DatasetInfo) -> dict[str, Any]:
    """The content of `normalization.json` for a run on dataset `info`."""
    steps = []
    resize = _RESIZE.get(info.name)
    if resize is not None:
        steps.append(resize.format(size=info.image_size))
    steps += [
        "convert to float32 on [0, 1] (uint8 pixels divided by 255)",
        "normalise each channel: (x - mean[c]) / std[c]",
    ]
    return {
        "dataset": info.name,
        "channels": info.channels,
        "image_size": info.image_size,
        "mean": list(info.mean),
        "std": list(info.std),
        "pixel_range": [0.0, 1.0],
        "layout": "N, C, H, W",
        "eval_transform": steps,
        "torchvision": (
            "v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True), "
            "v2.Normalize(mean, std)])" + (" after the resize above" if resize is not None else "")
        ),
    }
