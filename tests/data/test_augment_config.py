"""Framework augmentation recipes and their validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from nasiam_dsl.data import AugmentConfig, dataset_info
from nasiam_dsl.data import augment_recipe as adapt
from nasiam_dsl.frameworks import DEFAULT_AUGMENTATION, available_frameworks, get_framework
from nasiam_dsl.names import UnknownNameError


def augment_recipe(framework: str, info, **overrides):
    """A framework's recipe (declared with its class) adapted to a dataset."""
    return adapt(get_framework(framework).augmentation, info, **overrides)


def test_simsiam_cifar_recipe_matches_the_paper() -> None:
    cfg = augment_recipe("simsiam", dataset_info("cifar10"))
    assert cfg.crop_scale == (0.2, 1.0) and cfg.jitter == (0.4, 0.4, 0.4, 0.1)
    assert (cfg.jitter_p, cfg.grayscale_p, cfg.flip_p, cfg.blur_p) == (0.8, 0.2, 0.5, 0.0)
    assert cfg.image_size == 32 and cfg.mean == (0.4914, 0.4822, 0.4465)


@pytest.mark.parametrize("name", ["mocov2", "simclr", "byol", "mocov3", "barlowtwins"])
def test_contrastive_recipes_crop_down_to_8_percent(name: str) -> None:
    assert augment_recipe(name, dataset_info("cifar10")).crop_scale == (0.08, 1.0)


def test_blur_only_for_imagenet_size_input() -> None:
    assert augment_recipe("simsiam", dataset_info("imagenet")).blur_p == 0.5
    cfg = augment_recipe("simsiam", dataset_info("imagenet"))
    assert cfg.blur_kernel_size % 2 == 1 and 21 <= cfg.blur_kernel_size <= 23


def test_grayscale_data_keeps_brightness_and_contrast_only() -> None:
    cfg = augment_recipe("simsiam", dataset_info("embedded"))
    assert cfg.channels == 1 and cfg.jitter == (0.4, 0.4, 0.0, 0.0) and cfg.grayscale_p == 0.0
    assert cfg.image_size == 28 and len(cfg.mean) == 1


def test_overrides_and_did_you_mean() -> None:
    assert augment_recipe("byol", dataset_info("cifar10"), solarize_p=0.2).solarize_p == 0.2
    with pytest.raises(UnknownNameError, match="did you mean 'simsiam'"):
        augment_recipe("simsam", dataset_info("cifar10"))
    assert "vicreg" in available_frameworks()


def test_a_framework_that_declares_none_gets_simsiams_recipe() -> None:
    assert get_framework("simsiam").augmentation == DEFAULT_AUGMENTATION


@pytest.mark.parametrize(
    "fields",
    [
        {"crop_scale": (0.5, 0.2)},
        {"jitter": (0.4, 0.4, 0.4, 0.7)},
        {"channels": 1, "mean": (0.5,), "std": (0.5,)},  # saturation/hue left on
        {"mean": (0.5,)},
        {"flip_p": 1.5},
        {"unknown": 1},
    ],
)
def test_invalid_configs_are_rejected(fields: dict) -> None:
    with pytest.raises(ValidationError):
        AugmentConfig(**fields)
