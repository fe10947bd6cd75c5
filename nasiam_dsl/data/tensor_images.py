"""An in-memory labelled image set held as one uint8 tensor, plus its one-off resize.

Small datasets (Fashion-MNIST) are decoded once into ``data`` (N×C×H×W uint8), resized to
the training size there, so the augmentations and the evaluation view see the same size.
Grey images are kept as one channel and replicated only when three are asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor
from torch.utils.data import Dataset

_RESIZE_CHUNK = 8192  # images per interpolate call (bounds the float copy's memory)


def resize_uint8(images: Tensor, size: int) -> Tensor:
    """Bilinear resize of an N×C×H×W uint8 batch to N×C×size×size, rounded back to uint8.

    Upsampling needs no antialias; shrinking uses it (as PIL and torchvision do).
    """
    if images.shape[-2:] == (size, size):
        return images
    shrink = size < max(images.shape[-2:])
    out = torch.empty(*images.shape[:2], size, size, dtype=torch.uint8)
    for start in range(0, len(images), _RESIZE_CHUNK):
        chunk = images[start : start + _RESIZE_CHUNK].float()
        resized = F.interpolate(
            chunk, size=(size, size), mode="bilinear", align_corners=False, antialias=shrink
        )
        out[start : start + len(chunk)] = resized.round_().clamp_(0, 255).to(torch.uint8)
    return out


class TensorImageDataset(Dataset):
    """Items ``(PIL image or transform(image), label)`` from a uint8 N×C×H×W tensor.

    ``channels`` 3 on one-channel ``images`` replicates the grey plane (RGB PIL images, and
    ``data`` an expanded view that costs no memory). ``targets`` are int64 labels.
    """

    def __init__(
        self,
        images: Tensor,
        targets: Tensor,
        classes: Sequence[str],
        transform: Callable[[Any], Any] | None = None,
        channels: int | None = None,
    ) -> None:
        if images.dtype != torch.uint8 or images.dim() != 4:
            raise ValueError(f"images must be uint8 N×C×H×W, got {images.dtype} {images.shape}")
        if len(targets) != len(images):
            raise ValueError(f"{len(images)} images but {len(targets)} labels")
        stored = images.shape[1]
        channels = stored if channels is None else channels
        if channels != stored and not (stored == 1 and channels == 3):
            raise ValueError(f"cannot make {channels} channels from {stored}")
        self.data = images.expand(-1, channels, -1, -1)
        self.targets = targets.to(torch.int64)
        self.classes = list(classes)
        self.transform = transform
        self._grey = images[:, 0] if stored == 1 else None

    @property
    def channels(self) -> int:
        """Channels of the images handed out."""
        return int(self.data.shape[1])

    def __len__(self) -> int:
        return len(self.targets)

    def _image(self, index: int) -> Image.Image:
        if self._grey is not None:
            grey = Image.fromarray(self._grey[index].numpy())
            return grey.convert("RGB") if self.channels == 3 else grey
        return Image.fromarray(self.data[index].permute(1, 2, 0).contiguous().numpy())

    def __getitem__(self, index: int) -> tuple[Any, int]:
        image = self._image(index)
        label = int(self.targets[index])
        return (self.transform(image) if self.transform else image), label
