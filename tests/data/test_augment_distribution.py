"""Per-sample (torchvision) and batched augmentation draw views from the same distribution.

Each test augments a synthetic image many times with both back ends, reduces every view
to scalar statistics, and runs a two-sample Kolmogorov–Smirnov test at α = 0.001 per
statistic. Negative controls check that the same test does reject a changed recipe.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nasiam_dsl.data import AugmentConfig, BatchedTwoViewAugment, get_dataset, view_transform

N = 1500
KS_C_ALPHA = 1.949  # c(α) for α = 0.001: reject when D > c·sqrt((n+m)/(n·m))


def ks_statistic(a: np.ndarray, b: np.ndarray, tol: float = 1e-5) -> float:
    """Two-sample KS statistic: the largest gap between the empirical CDFs.

    Values closer than ``tol`` count as equal: un-augmented views and integer crop sizes
    form atoms, and float noise (~1e-7) between the back ends must not split an atom.
    """
    pooled = np.sort(np.concatenate([a, b]).astype(np.float64))
    starts = pooled[np.concatenate([[True], np.diff(pooled) > tol])]
    # Each value → index of its cluster (the last cluster start at or below it).
    ia = np.searchsorted(starts, a.astype(np.float64) + tol / 2, side="right")
    ib = np.searchsorted(starts, b.astype(np.float64) + tol / 2, side="right")
    grid = np.arange(1, len(starts) + 1)
    cdf_a = np.searchsorted(np.sort(ia), grid, side="right") / len(a)
    cdf_b = np.searchsorted(np.sort(ib), grid, side="right") / len(b)
    return float(np.abs(cdf_a - cdf_b).max())


def ks_same(a: np.ndarray, b: np.ndarray) -> bool:
    return ks_statistic(a, b) <= KS_C_ALPHA * math.sqrt((len(a) + len(b)) / (len(a) * len(b)))


def per_sample_views(cfg: AugmentConfig, image: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    transform = view_transform(cfg)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return torch.stack([transform(image) for _ in range(n)])


def batched_views(cfg: AugmentConfig, image: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    return BatchedTwoViewAugment(cfg, seed=seed).view(image.unsqueeze(0).expand(n, -1, -1, -1))


def coordinate_image(size: int = 32) -> torch.Tensor:
    """R encodes x, G encodes y: a view's R/G ramps reveal its crop box and flip.

    Float, not uint8: torchvision resizes uint8 crops in uint8 (rounding to 1/255), which
    nudges these finely discrete statistics; the batched path never rounds.
    """
    ramp = (torch.arange(size) + 0.5) / size
    r = ramp.view(1, -1).expand(size, size)
    g = ramp.view(-1, 1).expand(size, size)
    return torch.stack([r, g, torch.full_like(r, 0.5)])


def geometry_stats(views: torch.Tensor) -> dict[str, np.ndarray]:
    r, g = views[:, 0], views[:, 1]
    dx = r[:, :, -1].mean(1) - r[:, :, 0].mean(1)  # signed width: negative when flipped
    dy = g[:, -1, :].mean(1) - g[:, 0, :].mean(1)
    return {
        "area": (dx.abs() * dy).numpy(),
        "log_aspect": torch.log(dx.abs() / dy).numpy(),
        "centre_x": r.mean((1, 2)).numpy(),
        "centre_y": g.mean((1, 2)).numpy(),
        "flipped": (dx < 0).float().numpy(),
    }


def colour_image(size: int = 32) -> torch.Tensor:
    """Smooth random colours, so jitter changes brightness, contrast, saturation and hue."""
    g = torch.Generator().manual_seed(0)
    low = torch.rand(1, 3, 4, 4, generator=g)
    up = torch.nn.functional.interpolate(low, size=size, mode="bilinear", align_corners=False)
    return (up[0] * 255).round().to(torch.uint8)


def colour_stats(views: torch.Tensor) -> dict[str, np.ndarray]:
    maxc, minc = views.max(1).values, views.min(1).values
    stats = {f"mean_{c}": views[:, i].mean((1, 2)).numpy() for i, c in enumerate("rgb")}
    stats["luma_std"] = views.mean(1).std((1, 2)).numpy()
    stats["saturation"] = (maxc - minc).mean((1, 2)).numpy()
    stats["hue_proxy"] = (views[:, 0] - views[:, 2]).mean((1, 2)).numpy()
    return stats


def _assert_same_distributions(a: dict, b: dict) -> None:
    for key in a:
        d = ks_statistic(a[key], b[key])
        assert ks_same(a[key], b[key]), f"{key}: KS D = {d:.3f} rejects equal distributions"


@pytest.mark.parametrize("scale", [(0.2, 1.0), (0.08, 1.0)])
def test_crop_and_flip_distributions_match(scale: tuple[float, float]) -> None:
    cfg = AugmentConfig(image_size=32, crop_scale=scale, jitter_p=0, grayscale_p=0)
    image = coordinate_image()
    a = geometry_stats(per_sample_views(cfg, image, N, seed=0))
    b = geometry_stats(batched_views(cfg, image, N, seed=1))
    _assert_same_distributions(a, b)
    # The flip rate is a Bernoulli(0.5) mean in both: within 4 standard errors of 0.5.
    for stats in (a, b):
        assert abs(stats["flipped"].mean() - 0.5) < 4 * math.sqrt(0.25 / N)


def test_colour_jitter_and_grayscale_distributions_match() -> None:
    cfg = AugmentConfig(image_size=32, crop_scale=(1, 1), crop_ratio=(1, 1), flip_p=0)
    image = colour_image()
    a = colour_stats(per_sample_views(cfg, image, N, seed=0))
    b = colour_stats(batched_views(cfg, image, N, seed=1))
    _assert_same_distributions(a, b)
    # About 1 - 0.8·… of views stay coloured; grayscale (p 0.2) views have zero saturation.
    for stats in (a, b):
        gray_rate = (stats["saturation"] < 1e-6).mean()
        assert abs(gray_rate - 0.2) < 4 * math.sqrt(0.16 / N)


def test_grayscale_dataset_recipe_distributions_match() -> None:
    """The 1-channel recipe (crop, flip, brightness/contrast) on a real embedded digit."""
    cfg = AugmentConfig(
        image_size=28, channels=1, jitter=(0.4, 0.4, 0, 0), grayscale_p=0, mean=(0,), std=(1,)
    )
    image = get_dataset("embedded").data[0]
    a, b = per_sample_views(cfg, image, N, seed=0), batched_views(cfg, image, N, seed=1)
    stats = {
        "mean": lambda v: v.mean((1, 2, 3)).numpy(),
        "std": lambda v: v.std((1, 2, 3)).numpy(),
        "ink": lambda v: (v > 0.5).float().mean((1, 2, 3)).numpy(),
    }
    _assert_same_distributions(
        {k: f(a) for k, f in stats.items()}, {k: f(b) for k, f in stats.items()}
    )


def test_blur_and_solarize_distributions_match() -> None:
    cfg = AugmentConfig(
        image_size=48, crop_scale=(1, 1), crop_ratio=(1, 1), flip_p=0, jitter_p=0,
        grayscale_p=0, blur_p=0.5, solarize_p=0.3,
    )  # fmt: skip
    g = torch.Generator().manual_seed(0)
    image = torch.randint(0, 256, (3, 48, 48), dtype=torch.uint8, generator=g)
    n = 600
    a, b = per_sample_views(cfg, image, n, seed=0), batched_views(cfg, image, n, seed=1)

    def stats(v: torch.Tensor) -> dict[str, np.ndarray]:
        sharpness = (v[..., 1:] - v[..., :-1]).abs().mean((1, 2, 3))
        return {"sharpness": sharpness.numpy(), "mean": v.mean((1, 2, 3)).numpy()}

    _assert_same_distributions(stats(a), stats(b))


def test_ks_check_rejects_a_different_recipe() -> None:
    """Negative controls: the same statistics tell crop scale 0.2 from 0.08 and
    brightness jitter 0.4 from 0.2, so the tests above have power."""
    image = coordinate_image()
    narrow = AugmentConfig(image_size=32, crop_scale=(0.2, 1), jitter_p=0, grayscale_p=0)
    wide = AugmentConfig(image_size=32, crop_scale=(0.08, 1), jitter_p=0, grayscale_p=0)
    a = geometry_stats(per_sample_views(narrow, image, N, seed=0))["area"]
    b = geometry_stats(batched_views(wide, image, N, seed=1))["area"]
    assert not ks_same(a, b)

    base = {"image_size": 32, "crop_scale": (1, 1), "crop_ratio": (1, 1), "flip_p": 0}
    strong = AugmentConfig(**base, jitter=(0.4, 0, 0, 0), jitter_p=1, grayscale_p=0)
    weak = AugmentConfig(**base, jitter=(0.2, 0, 0, 0), jitter_p=1, grayscale_p=0)
    image = colour_image()
    a = colour_stats(per_sample_views(strong, image, N, seed=0))["mean_g"]
    b = colour_stats(batched_views(weak, image, N, seed=1))["mean_g"]
    assert not ks_same(a, b)
