"""The standard linear evaluation protocol: a linear classifier on a frozen backbone, trained
on augmented images (random resized crop + horizontal flip) with SGD (momentum 0.9) and a
cosine schedule, as the SSL papers report it (SimSiam, MoCo, solo-learn).

Slower than the fast probe (`linear_probe.py`): every epoch runs the backbone over freshly
augmented images. The backbone stays in eval mode (its BatchNorm statistics are frozen) and
no gradient reaches it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.data import DataLoader
from torchvision.transforms import InterpolationMode, v2

from nasiam_dsl.data.info import DatasetInfo


def linear_train_transform(
    info: DatasetInfo, scale: tuple[float, float] = (0.08, 1.0)
) -> v2.Compose:
    """The protocol's training view: random resized crop, horizontal flip, normalise."""
    return v2.Compose(
        [
            v2.ToImage(),
            v2.RandomResizedCrop(
                info.image_size,
                scale=scale,
                interpolation=InterpolationMode.BILINEAR,
                antialias=True,
            ),
            v2.RandomHorizontalFlip(),
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(list(info.mean), list(info.std)),
        ]
    )


def standard_linear_eval(
    backbone: nn.Module,
    train_loader: DataLoader,
    test_loader: DataLoader,
    *,
    feature_dim: int,
    num_classes: int,
    epochs: int = 100,
    lr: float = 0.1,
    weight_decay: float = 0.0,
    seed: int = 0,
    device: str | torch.device = "cpu",
    on_epoch: Callable[[int], Any] | None = None,
) -> float:
    """Top-1 test accuracy in [0, 1] of a linear layer trained on `backbone`'s features.

    `train_loader` yields augmented `(x, y)` batches (see `linear_train_transform`), the test
    loader un-augmented ones. SGD with momentum 0.9 and `lr` (not rescaled), cosine decay to
    0 over every step; `on_epoch(e)` is called before epoch `e` (e.g. to set the data order).
    """
    torch.manual_seed(seed)  # the classifier's init and the augmentations' draws
    backbone.to(device).eval()
    for p in backbone.parameters():
        p.requires_grad_(False)
    head = nn.Linear(feature_dim, num_classes).to(device)
    optimiser = torch.optim.SGD(head.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay)
    total = max(epochs * len(train_loader), 1)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, total) / total))
    )
    with torch.enable_grad():
        for epoch in range(epochs):
            if on_epoch is not None:
                on_epoch(epoch)
            for x, y in train_loader:
                with torch.no_grad():
                    features = backbone(x.to(device)).flatten(1).float()
                loss = F.cross_entropy(head(features), torch.as_tensor(y).to(device).long())
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                schedule.step()
    return _accuracy(backbone, head, test_loader, device)


@torch.no_grad()
def _accuracy(backbone: nn.Module, head: nn.Module, loader: DataLoader, device: Any) -> float:
    correct = seen = 0
    for x, y in loader:
        preds: Tensor = head(backbone(x.to(device)).flatten(1).float()).argmax(1).cpu()
        correct += int((preds == torch.as_tensor(y).long()).sum())
        seen += len(preds)
    if seen == 0:
        raise ValueError("the test loader yielded no images")
    return correct / seen
