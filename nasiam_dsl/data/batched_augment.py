"""Batched two-view augmentation on whatever device the batch lives on.

Per-sample PIL/torchvision transforms compete with training for the CPU; here one uint8
batch goes to the device once and both views are made there. Crop + flip is a single
``affine_grid``/``grid_sample`` per view, and colour jitter, grayscale, blur and solarize are
vectorised with random parameters per sample. Parameters are drawn on a CPU ``Generator``,
so a seed gives the same views on CPU and GPU. Distributions follow ``view_transform``
(torchvision) — the test suite compares the two statistically.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nasiam_dsl.data.augment_config import AugmentConfig

_GRAY = (0.2989, 0.587, 0.114)  # torchvision's rgb_to_grayscale weights
_ATTEMPTS = 10  # RandomResizedCrop tries this many (scale, ratio) draws before falling back


def to_unit_float(images: Tensor) -> Tensor:
    """uint8 [0, 255] → float32 [0, 1]; float input is taken to be on [0, 1] already."""
    if images.dtype == torch.uint8:
        return images.float().div_(255.0)
    return images.float()


def normalize_batch(images: Tensor, mean: tuple[float, ...], std: tuple[float, ...]) -> Tensor:
    """Un-augmented evaluation view of a uint8 or [0, 1] batch: ``(x - mean) / std``."""
    x = to_unit_float(images)
    m = torch.tensor(mean, device=x.device).view(1, -1, 1, 1)
    s = torch.tensor(std, device=x.device).view(1, -1, 1, 1)
    return (x - m) / s


def _grayscale(x: Tensor) -> Tensor:
    """N×1×H×W luma of an N×C×H×W batch (identity for one channel)."""
    if x.shape[1] == 1:
        return x
    r, g, b = x.unbind(1)
    return (_GRAY[0] * r + _GRAY[1] * g + _GRAY[2] * b).unsqueeze(1)


def _per_sample(v: Tensor) -> Tensor:
    return v.view(-1, 1, 1, 1)


def _brightness(x: Tensor, f: Tensor) -> Tensor:
    """Blend with black by per-sample factor ``f``."""
    return (x * _per_sample(f)).clamp(0.0, 1.0)


def _contrast(x: Tensor, f: Tensor) -> Tensor:
    """Blend with the image's mean luma by per-sample factor ``f``."""
    mean = _grayscale(x).mean((1, 2, 3), keepdim=True)
    return (_per_sample(f) * x + (1 - _per_sample(f)) * mean).clamp(0.0, 1.0)


def _saturation(x: Tensor, f: Tensor) -> Tensor:
    """Blend with the grayscale image by per-sample factor ``f``."""
    return (_per_sample(f) * x + (1 - _per_sample(f)) * _grayscale(x)).clamp(0.0, 1.0)


def _adjust_hue(x: Tensor, shift: Tensor) -> Tensor:
    """Rotate hue by ``shift`` (fraction of a turn, per sample) through HSV, as torchvision."""
    r, g, b = x.unbind(1)
    maxc, _ = x.max(1)
    minc, _ = x.min(1)
    delta = maxc - minc
    flat = delta == 0
    safe = torch.where(flat, torch.ones_like(delta), delta)
    sat = torch.where(maxc > 0, delta / torch.where(maxc > 0, maxc, torch.ones_like(maxc)), 0.0)
    rc, gc, bc = (maxc - r) / safe, (maxc - g) / safe, (maxc - b) / safe
    hue = torch.where(maxc == r, bc - gc, torch.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    hue = torch.where(flat, torch.zeros_like(hue), hue)
    hue = torch.remainder(hue / 6.0 + shift.view(-1, 1, 1), 1.0)
    out = []
    for n in (5.0, 3.0, 1.0):  # closed form of HSV→RGB per channel
        k = torch.remainder(n + hue * 6.0, 6.0)
        ramp = torch.clamp(torch.minimum(k, 4.0 - k), 0.0, 1.0)
        out.append(maxc - maxc * sat * ramp)
    return torch.stack(out, 1).clamp_(0.0, 1.0)


def crop_resize_flip(x: Tensor, boxes: Tensor, size: int) -> Tensor:
    """Crop each sample to its ``(top, left, h, w, flip)`` box, resize to size×size
    (bilinear) and mirror where ``flip`` is 1 — one ``grid_sample`` for the whole batch.

    Pixel k covers [k, k+1]; with ``align_corners=False`` output pixel centres land where
    crop-then-resize puts them, and sampling positions are clamped to the box's outer pixel
    centres, so no value from outside the box leaks in: the result equals torchvision's
    ``resized_crop`` when upsampling (torchvision antialiases when shrinking; this does not).
    """
    n, c, height, width = x.shape
    top, left, h, w, flip = boxes.to(x.dtype).unbind(1)
    theta = torch.zeros(n, 2, 3, device=x.device, dtype=x.dtype)
    theta[:, 0, 0] = torch.where(flip > 0, -w / width, w / width)
    theta[:, 0, 2] = (2 * left + w) / width - 1
    theta[:, 1, 1] = h / height
    theta[:, 1, 2] = (2 * top + h) / height - 1
    grid = F.affine_grid(theta, [n, c, size, size], align_corners=False)
    lo = torch.stack([(2 * left + 1) / width, (2 * top + 1) / height], 1) - 1
    hi = torch.stack([(2 * (left + w) - 1) / width, (2 * (top + h) - 1) / height], 1) - 1
    grid = torch.maximum(torch.minimum(grid, hi.view(n, 1, 1, 2)), lo.view(n, 1, 1, 2))
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def _gaussian_blur(x: Tensor, sigma: Tensor, apply: Tensor, size: int) -> Tensor:
    """Separable Gaussian blur, one σ per sample (delta kernel where ``apply`` is false)."""
    n, c, h, w = x.shape
    t = torch.arange(size, device=x.device, dtype=x.dtype) - (size - 1) / 2
    kernel = torch.exp(-0.5 * (t.view(1, -1) / sigma.view(-1, 1)) ** 2)
    kernel = kernel / kernel.sum(1, keepdim=True)
    delta = (t == 0).to(x.dtype).expand_as(kernel)
    kernel = torch.where(apply.view(-1, 1), kernel, delta).repeat_interleave(c, 0)  # (N·C, K)
    pad = size // 2
    y = x.reshape(1, n * c, h, w)
    y = F.conv2d(
        F.pad(y, (pad, pad, 0, 0), mode="reflect"), kernel.view(n * c, 1, 1, size), groups=n * c
    )
    y = F.conv2d(
        F.pad(y, (0, 0, pad, pad), mode="reflect"), kernel.view(n * c, 1, size, 1), groups=n * c
    )
    return y.view(n, c, h, w)


_JITTER_OPS = (_brightness, _contrast, _saturation, _adjust_hue)


class BatchedTwoViewAugment(nn.Module):
    """``forward(images) -> (view1, view2)`` for an N×C×H×W uint8 or [0, 1] float batch.

    Views are N×C×S×S float32 (S = ``cfg.image_size``), normalised with ``cfg.mean/std``,
    on the input's device. ``seed`` fixes the sequence of random parameters.
    """

    def __init__(self, cfg: AugmentConfig, seed: int = 0) -> None:
        super().__init__()
        self.cfg = cfg
        self.generator = torch.Generator().manual_seed(seed)
        self.register_buffer("mean", torch.tensor(cfg.mean).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(cfg.std).view(1, -1, 1, 1), persistent=False)

    def get_rng_state(self) -> Tensor:
        """State of the parameter generator, for exact resume."""
        return self.generator.get_state()

    def set_rng_state(self, state: Tensor) -> None:
        """Restore a state from ``get_rng_state``."""
        self.generator.set_state(state)

    def _rand(self, *shape: int) -> Tensor:
        return torch.rand(*shape, generator=self.generator)

    def _uniform(self, n: int, lo: float, hi: float) -> Tensor:
        return lo + (hi - lo) * self._rand(n)

    def crop_boxes(self, n: int, height: int, width: int) -> Tensor:
        """Per-sample ``(top, left, h, w, flip)`` rows (N×5) of RandomResizedCrop + flip.

        Same sampling as torchvision: up to 10 draws of area fraction ~ U(scale) and
        log aspect ratio ~ U(log ratio); the first crop that fits is kept, else a centre crop
        with the ratio clamped. Then the top-left corner is uniform over valid positions
        and ``flip`` is 1 with probability ``flip_p``.
        """
        cfg = self.cfg
        area = height * width
        lo, hi = cfg.crop_scale
        scale = lo + (hi - lo) * self._rand(n, _ATTEMPTS)
        log_lo, log_hi = math.log(cfg.crop_ratio[0]), math.log(cfg.crop_ratio[1])
        ratio = torch.exp(log_lo + (log_hi - log_lo) * self._rand(n, _ATTEMPTS))
        w = torch.round(torch.sqrt(area * scale * ratio))
        h = torch.round(torch.sqrt(area * scale / ratio))
        fits = (w > 0) & (w <= width) & (h > 0) & (h <= height)
        first = fits.to(torch.int8).argmax(1, keepdim=True)
        w, h = w.gather(1, first).squeeze(1), h.gather(1, first).squeeze(1)

        in_ratio = width / height
        if in_ratio < cfg.crop_ratio[0]:
            fw, fh = width, round(width / cfg.crop_ratio[0])
        elif in_ratio > cfg.crop_ratio[1]:
            fw, fh = round(height * cfg.crop_ratio[1]), height
        else:
            fw, fh = width, height
        any_fit = fits.any(1)
        w = torch.where(any_fit, w, float(fw))
        h = torch.where(any_fit, h, float(fh))
        top = torch.where(any_fit, torch.floor(self._rand(n) * (height - h + 1)), (height - h) // 2)
        left = torch.where(any_fit, torch.floor(self._rand(n) * (width - w + 1)), (width - w) // 2)
        flip = (self._rand(n) < cfg.flip_p).float()
        return torch.stack([top, left, h, w, flip], 1)

    def view(self, images: Tensor) -> Tensor:
        """One augmented, normalised view of the batch."""
        if images.ndim != 4 or images.shape[1] != self.cfg.channels:
            raise ValueError(
                f"expected N×{self.cfg.channels}×H×W images, got {tuple(images.shape)}"
            )
        cfg, device = self.cfg, images.device
        n, _, height, width = images.shape
        x = to_unit_float(images)

        boxes = self.crop_boxes(n, height, width).to(device, non_blocking=True)
        x = crop_resize_flip(x, boxes, cfg.image_size)

        x = self._jitter(x)
        if cfg.grayscale_p > 0:
            gray = (self._rand(n) < cfg.grayscale_p).to(device)
            x = torch.where(_per_sample(gray), _grayscale(x).expand_as(x), x)
        if cfg.blur_p > 0:
            apply = (self._rand(n) < cfg.blur_p).to(device)
            sigma = self._uniform(n, *cfg.blur_sigma).to(device)
            x = _gaussian_blur(x, sigma, apply, cfg.blur_kernel_size)
        if cfg.solarize_p > 0:
            sol = _per_sample((self._rand(n) < cfg.solarize_p).to(device))
            x = torch.where(sol & (x >= cfg.solarize_threshold), 1.0 - x, x)
        return (x - self.mean) / self.std

    def _jitter(self, x: Tensor) -> Tensor:
        """ColorJitter with probability ``jitter_p``: the four adjustments in a random order
        per sample, each with its own factor; unselected samples get identity factors."""
        cfg, n, device = self.cfg, x.shape[0], x.device
        b, c, s, h = cfg.jitter
        if cfg.jitter_p == 0 or max(cfg.jitter) == 0:
            return x
        apply = self._rand(n) < cfg.jitter_p
        factors = torch.stack(
            [
                self._uniform(n, max(0.0, 1 - b), 1 + b),
                self._uniform(n, max(0.0, 1 - c), 1 + c),
                self._uniform(n, max(0.0, 1 - s), 1 + s),
                self._uniform(n, -h, h),
            ],
            1,
        )
        order = self._rand(n, 4).argsort(1)  # order[:, k] = adjustment applied at step k
        identity = torch.tensor([1.0, 1.0, 1.0, 0.0])
        active = [strength > 0 for strength in (b, c, s, h)]
        factors, order, apply = factors.to(device), order.to(device), apply.to(device)
        identity = identity.to(device)
        for step in range(4):
            for op in range(4):
                if not active[op]:
                    continue
                chosen = apply & (order[:, step] == op)
                f = torch.where(chosen, factors[:, op], identity[op])
                x = _JITTER_OPS[op](x, f)
        return x

    def forward(self, images: Tensor) -> tuple[Tensor, Tensor]:
        return self.view(images), self.view(images)

    def extra_repr(self) -> str:
        return repr(self.cfg)
