"""Per-sample augmentation in the Dataset: torchvision transforms producing two views.

This is the portable path (works in DataLoader workers, on PIL images or tensors). On a GPU,
``BatchedTwoViewAugment`` applies the same recipe to a whole uint8 batch far faster.
"""

from __future__ import annotations

from typing import Any

import torch
from torchvision.transforms import InterpolationMode, v2

from nasiam_dsl.data.augment_config import AugmentConfig
from nasiam_dsl.data.info import DatasetInfo


def view_transform(cfg: AugmentConfig) -> v2.Compose:
    """One augmented view: the recipe of ``cfg`` as a torchvision v2 pipeline."""
    b, c, s, h = cfg.jitter
    steps: list[Any] = [
        v2.ToImage(),
        v2.RandomResizedCrop(
            cfg.image_size,
            scale=cfg.crop_scale,
            ratio=cfg.crop_ratio,
            interpolation=InterpolationMode.BILINEAR,
            antialias=True,
        ),
        v2.RandomHorizontalFlip(cfg.flip_p),
        v2.ToDtype(torch.float32, scale=True),
    ]
    if cfg.jitter_p > 0 and max(cfg.jitter) > 0:
        steps.append(v2.RandomApply([v2.ColorJitter(b, c, s, h)], p=cfg.jitter_p))
    if cfg.grayscale_p > 0:
        steps.append(v2.RandomGrayscale(cfg.grayscale_p))
    if cfg.blur_p > 0:
        blur = v2.GaussianBlur(cfg.blur_kernel_size, sigma=cfg.blur_sigma)
        steps.append(v2.RandomApply([blur], p=cfg.blur_p))
    if cfg.solarize_p > 0:
        steps.append(v2.RandomSolarize(cfg.solarize_threshold, p=cfg.solarize_p))
    steps.append(v2.Normalize(list(cfg.mean), list(cfg.std)))
    return v2.Compose(steps)


class TwoViewTransform:
    """Maps one image to two independently augmented, normalised views ``(v1, v2)``."""

    def __init__(self, cfg: AugmentConfig) -> None:
        self.cfg = cfg
        self.view = view_transform(cfg)

    def __call__(self, image: Any) -> tuple[torch.Tensor, torch.Tensor]:
        return self.view(image), self.view(image)

    def __repr__(self) -> str:
        return f"TwoViewTransform({self.view})"


def eval_transform(info: DatasetInfo, resize: int | None = None) -> v2.Compose:
    """Un-augmented evaluation view (kNN bank, linear probe): tensor + normalise.

    ``resize`` (e.g. 256 for ImageNet; default: ``info.resize``) resizes the short side and
    centre-crops to ``info.image_size``.
    """
    resize = resize if resize is not None else info.resize
    steps: list[Any] = [v2.ToImage()]
    if resize is not None:
        steps += [v2.Resize(resize, antialias=True), v2.CenterCrop(info.image_size)]
    steps += [v2.ToDtype(torch.float32, scale=True), v2.Normalize(list(info.mean), list(info.std))]
    return v2.Compose(steps)


def uint8_transform(size: int | None = None) -> v2.Compose:
    """Raw uint8 C×H×W tensors for ``BatchedTwoViewAugment`` (4× less host→device traffic).

    Images of varying size (ImageFolder) need ``size``: short side resized, centre-cropped.
    """
    steps: list[Any] = [v2.ToImage()]
    if size is not None:
        steps += [v2.Resize(size, antialias=True), v2.CenterCrop(size)]
    steps.append(v2.ToDtype(torch.uint8, scale=True))
    return v2.Compose(steps)
