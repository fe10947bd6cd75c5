"""Backbone builders: output shapes, feature_dim, stems, plugins and errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nasiam_dsl.backbones import (
    FlattenFeatures,
    SplitBatchNorm2d,
    available_backbones,
    build_backbone,
)
from nasiam_dsl.names import UnknownNameError

EXPECTED = {
    "cifar_resnet18": 512,
    "cifar_resnet34": 512,
    "cifar_resnet50": 2048,
    "resnet18": 512,
    "resnet34": 512,
    "resnet50": 2048,
    "small_cnn": 128,
}

PLUGIN = """
import torch
from torch import nn


class WithDim(nn.Module):
    def __init__(self, in_channels=3):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 6, 3)
        self.feature_dim = 6

    def forward(self, x):
        return self.conv(x).mean(dim=(2, 3))


class FlatNoDim(nn.Module):
    def __init__(self, in_channels=3, width=5):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, width, 3)

    def forward(self, x):
        return self.conv(x).amax(dim=(2, 3))


class MapNoDim(nn.Module):
    def __init__(self, in_channels=3):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 4, 3, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(2)

    def forward(self, x):
        return self.pool(self.conv(x))


def not_a_module(**kwargs):
    return 42
"""


def test_registry_names() -> None:
    assert set(EXPECTED) <= set(available_backbones())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_output_shape_and_feature_dim(name: str) -> None:
    torch.manual_seed(0)
    net = build_backbone(name, in_channels=1).eval()
    assert net.feature_dim == EXPECTED[name]
    with torch.no_grad():
        out = net(torch.randn(1, 1, 16, 16))
    assert out.shape == (1, EXPECTED[name])
    assert not any(isinstance(m, nn.Linear) for m in net.modules()), "fc must be removed"


def test_stems() -> None:
    cifar = build_backbone("cifar_resnet18")
    assert cifar.conv1.kernel_size == (3, 3) and cifar.conv1.stride == (1, 1)
    assert isinstance(cifar.maxpool, nn.Identity)
    imagenet = build_backbone("resnet18")
    assert imagenet.conv1.kernel_size == (7, 7) and imagenet.conv1.stride == (2, 2)
    assert isinstance(imagenet.maxpool, nn.MaxPool2d) and imagenet.conv1.in_channels == 3
    assert build_backbone("resnet18", in_channels=1).conv1.in_channels == 1
    zero = build_backbone("cifar_resnet18", zero_init_residual=True)
    assert torch.count_nonzero(zero.layer1[0].bn2.weight) == 0


def test_small_cnn_is_small_and_takes_28x28() -> None:
    net = build_backbone("small_cnn", in_channels=1).eval()
    assert sum(p.numel() for p in net.parameters()) < 300_000
    assert net(torch.randn(3, 1, 28, 28)).shape == (3, 128)
    assert build_backbone("small_cnn", width=8).feature_dim == 32


def test_small_cnn_learns_quickly() -> None:
    """Supervised sanity check on MNIST-like synthetic digits: bars in four orientations."""
    g = torch.Generator().manual_seed(0)
    n = 128
    labels = torch.arange(n) % 4
    x = 0.3 * torch.randn(n, 1, 28, 28, generator=g)
    for i, y in enumerate(labels.tolist()):
        offset = int(torch.randint(4, 24, (1,), generator=g))
        if y == 0:
            x[i, 0, offset, :] += 2
        elif y == 1:
            x[i, 0, :, offset] += 2
        elif y == 2:
            x[i, 0].diagonal().add_(2)
        else:
            x[i, 0].flip(1).diagonal().add_(2)
            x[i, 0] = x[i, 0].flip(1)
    torch.manual_seed(0)
    net = build_backbone("small_cnn", in_channels=1, width=8)
    model = nn.Sequential(net, nn.Linear(net.feature_dim, 4))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(25):
        loss = nn.functional.cross_entropy(model(x), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    accuracy = (model(x).argmax(1) == labels).float().mean().item()
    assert accuracy > 0.9, accuracy


def test_channels_last_matches_contiguous() -> None:
    torch.manual_seed(0)
    net = build_backbone("small_cnn", width=4, bn_splits=2)
    x = torch.randn(4, 3, 16, 16)
    net.train()
    reference = net(x)
    net_cl = net.to(memory_format=torch.channels_last)
    out = net_cl(x.contiguous(memory_format=torch.channels_last))
    torch.testing.assert_close(out, reference, atol=1e-5, rtol=1e-4)


def test_unknown_name_suggests() -> None:
    with pytest.raises(UnknownNameError) as info:
        build_backbone("cifar_resnet81")
    assert info.value.kind == "backbone"
    assert info.value.suggestions[0] == "cifar_resnet18"
    assert "did you mean 'cifar_resnet18'" in str(info.value)


def test_dotted_path_plugins(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_backbones.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    x = torch.randn(2, 1, 20, 20)

    with_dim = build_backbone("my_backbones:WithDim", in_channels=1)
    assert with_dim.feature_dim == 6 and with_dim(x).shape == (2, 6)

    flat = build_backbone("my_backbones:FlatNoDim", in_channels=1, width=7)
    assert type(flat).__name__ == "FlatNoDim"  # already (N, D): not wrapped
    assert flat.feature_dim == 7 and flat(x).shape == (2, 7)

    mapped = build_backbone("my_backbones:MapNoDim", in_channels=1, probe_size=16)
    assert isinstance(mapped, FlattenFeatures)
    assert mapped.feature_dim == 16 and mapped(x).shape == (2, 16)
    assert mapped.training  # the probe forward restores the mode

    with pytest.raises(TypeError, match="not a Module"):
        build_backbone("my_backbones:not_a_module")
    with pytest.raises(UnknownNameError) as info:
        build_backbone("my_backbones:WithDin")
    assert info.value.suggestions == ["my_backbones:WithDim"]


def test_bn_splits_uses_split_batchnorm() -> None:
    net = build_backbone("cifar_resnet18", bn_splits=4)
    assert isinstance(net.bn1, SplitBatchNorm2d) and net.bn1.num_splits == 4
    assert isinstance(build_backbone("small_cnn").features[1], nn.BatchNorm2d)
