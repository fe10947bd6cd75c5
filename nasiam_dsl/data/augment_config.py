"""Augmentation recipes of the siamese frameworks as one validated config.

Both augmentation back ends (per-sample torchvision, batched tensor) read this config, so a
recipe is stated once. Each framework declares what its published recipe fixes (an
`AugmentRecipe`, with its class); `augment_recipe` adapts it to a dataset.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nasiam_dsl.data.info import DatasetInfo

Pair = tuple[float, float]

#: Side length from which Gaussian blur is part of a recipe (ImageNet-size input); CIFAR
#: recipes (SimSiam paper App. D, MoCo demo) turn it off.
BLUR_MIN_SIZE = 96


class AugmentConfig(BaseModel):
    """Two-view augmentation: random resized crop → flip → colour jitter → grayscale →
    blur → solarize → normalise, each with its own probability."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    image_size: int = Field(32, gt=0)
    channels: int = Field(3, ge=1)
    crop_scale: Pair = (0.2, 1.0)
    crop_ratio: Pair = (3 / 4, 4 / 3)
    flip_p: float = Field(0.5, ge=0, le=1)
    #: (brightness, contrast, saturation, hue) strengths as in ``ColorJitter``.
    jitter: tuple[float, float, float, float] = (0.4, 0.4, 0.4, 0.1)
    jitter_p: float = Field(0.8, ge=0, le=1)
    grayscale_p: float = Field(0.2, ge=0, le=1)
    blur_p: float = Field(0.0, ge=0, le=1)
    blur_sigma: Pair = (0.1, 2.0)
    solarize_p: float = Field(0.0, ge=0, le=1)
    solarize_threshold: float = Field(0.5, gt=0, le=1)
    mean: tuple[float, ...] = (0.0, 0.0, 0.0)
    std: tuple[float, ...] = (1.0, 1.0, 1.0)

    @model_validator(mode="after")
    def _check(self) -> AugmentConfig:
        lo, hi = self.crop_scale
        if not 0 < lo <= hi <= 1:
            raise ValueError(f"crop_scale must satisfy 0 < lo <= hi <= 1, got {self.crop_scale}")
        if not 0 < self.crop_ratio[0] <= self.crop_ratio[1]:
            raise ValueError(f"crop_ratio must be positive and ordered, got {self.crop_ratio}")
        b, c, s, h = self.jitter
        if min(b, c, s) < 0 or not 0 <= h <= 0.5:
            raise ValueError(f"jitter needs b, c, s >= 0 and 0 <= hue <= 0.5, got {self.jitter}")
        if not 0 < self.blur_sigma[0] <= self.blur_sigma[1]:
            raise ValueError(f"blur_sigma must be positive and ordered, got {self.blur_sigma}")
        if len(self.mean) != self.channels or len(self.std) != self.channels:
            raise ValueError(f"mean/std need {self.channels} entries (one per channel)")
        if self.channels != 3 and (s > 0 or h > 0 or self.grayscale_p > 0):
            raise ValueError("saturation, hue and grayscale need 3-channel images")
        return self

    @property
    def blur_kernel_size(self) -> int:
        """Odd kernel side, about 10% of the image (SimCLR's rule)."""
        return max(3, int(0.1 * self.image_size) // 2 * 2 + 1)


class AugmentRecipe(BaseModel):
    """What a framework's published recipe fixes of the augmentation (its class declares it:
    `Framework.augmentation`); the dataset fixes image size, channels and normalisation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    crop_scale: Pair = (0.08, 1.0)
    #: (brightness, contrast, saturation, hue) strengths as in ``ColorJitter``.
    jitter: tuple[float, float, float, float] = (0.4, 0.4, 0.4, 0.1)
    solarize_p: float = Field(0.0, ge=0, le=1)


def augment_recipe(recipe: AugmentRecipe, info: DatasetInfo, **overrides: object) -> AugmentConfig:
    """A framework's augmentation ``recipe`` adapted to dataset ``info``.

    Image size and normalisation come from the dataset; single-channel data keeps only
    brightness/contrast jitter (no saturation, hue or grayscale); blur (p 0.5) is on only for
    ImageNet-size images. ``overrides`` (a run's augmentation options) replace any field last.
    """
    jitter = recipe.jitter
    colour = info.has_colour
    fields: dict[str, object] = {
        "image_size": info.image_size,
        "channels": info.channels,
        "crop_scale": recipe.crop_scale,
        "jitter": jitter if colour else (jitter[0], jitter[1], 0.0, 0.0),
        "grayscale_p": 0.2 if colour else 0.0,
        "blur_p": 0.5 if info.image_size >= BLUR_MIN_SIZE else 0.0,
        "solarize_p": recipe.solarize_p,
        "mean": tuple(info.mean),
        "std": tuple(info.std),
    }
    fields.update(overrides)
    return AugmentConfig(**fields)
