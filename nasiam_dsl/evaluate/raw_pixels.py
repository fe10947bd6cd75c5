"""The raw-pixel baseline: the flattened, normalised image as its own representation.

A pretrained backbone whose kNN or linear probe does not beat this has learned nothing the
pixels did not already hold. It plugs in wherever a backbone does (kNN, fast probe, the
standard linear protocol).
"""

from __future__ import annotations

from torch import Tensor, nn


class RawPixels(nn.Module):
    """(N, C, H, W) -> (N, C·H·W): no parameters, `feature_dim` like every backbone."""

    def __init__(self, channels: int, image_size: int) -> None:
        super().__init__()
        self.feature_dim = channels * image_size * image_size

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(1)
