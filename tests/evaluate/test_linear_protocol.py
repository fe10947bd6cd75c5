"""The standard linear protocol and the raw-pixel baseline on synthetic images."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from nasiam_dsl.data.info import DatasetInfo
from nasiam_dsl.evaluate import RawPixels, linear_train_transform, standard_linear_eval


def images(n: int, seed: int) -> TensorDataset:
    """Two classes told apart by which half of an 8x8 image is bright."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 2, (n,), generator=g)
    x = 0.1 * torch.randn(n, 1, 8, 8, generator=g)
    x[labels == 0, :, :, :4] += 1
    x[labels == 1, :, :, 4:] += 1
    return TensorDataset(x, labels)


class Frozen(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.Flatten())
        self.feature_dim = 4 * 8 * 8

    def forward(self, x):
        return self.net(x)


def test_learns_a_separable_task_and_leaves_the_backbone_untouched() -> None:
    torch.manual_seed(0)
    backbone = Frozen()
    before = {k: v.clone() for k, v in backbone.state_dict().items()}
    train = DataLoader(images(256, 0), batch_size=32, shuffle=True)
    test = DataLoader(images(128, 1), batch_size=64)
    accuracy = standard_linear_eval(
        backbone, train, test, feature_dim=backbone.feature_dim, num_classes=2, epochs=3, lr=0.1
    )
    assert accuracy > 0.95
    after = backbone.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # weights and BN statistics
    assert not backbone.training


def test_seeded() -> None:
    def run() -> float:
        torch.manual_seed(1)
        backbone = Frozen()
        loader = DataLoader(images(64, 0), batch_size=16, shuffle=True)
        test = DataLoader(images(64, 1), batch_size=64)
        return standard_linear_eval(
            backbone, loader, test, feature_dim=256, num_classes=2, epochs=1, lr=1e-3, seed=3
        )

    assert run() == run()


def test_training_view_crops_flips_and_normalises() -> None:
    info = DatasetInfo("t", 2, 1, 8, (0.5,), (0.25,))
    view = linear_train_transform(info)(torch.full((1, 12, 12), 128, dtype=torch.uint8))
    assert view.shape == (1, 8, 8) and view.dtype == torch.float32
    assert torch.allclose(view, torch.full_like(view, (128 / 255 - 0.5) / 0.25), atol=1e-3)


def test_raw_pixels_flatten_the_image() -> None:
    pixels = RawPixels(channels=3, image_size=4)
    x = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).reshape(2, 3, 4, 4)
    assert pixels.feature_dim == 48 and torch.equal(pixels(x), x.reshape(2, 48))
    assert not list(pixels.parameters())
