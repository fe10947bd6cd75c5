"""Batched augmentation: each step equals its torchvision counterpart; seeding and shapes."""

from __future__ import annotations

import pytest
import torch
from torchvision.transforms.v2 import functional as TF

from nasiam_dsl.data import AugmentConfig, BatchedTwoViewAugment, normalize_batch
from nasiam_dsl.data import batched_augment as ba

NO_COLOUR = {"jitter_p": 0.0, "grayscale_p": 0.0}


def _images(n: int = 6, c: int = 3, size: int = 16, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, c, size, size), dtype=torch.uint8, generator=g)


def test_full_crop_without_flip_is_the_identity() -> None:
    cfg = AugmentConfig(image_size=16, crop_scale=(1, 1), crop_ratio=(1, 1), flip_p=0, **NO_COLOUR)
    x = _images()
    v1, v2 = BatchedTwoViewAugment(cfg)(x)
    torch.testing.assert_close(v1, x.float() / 255, atol=1e-5, rtol=0)
    torch.testing.assert_close(v2, v1)


def test_certain_flip_mirrors_the_image() -> None:
    cfg = AugmentConfig(image_size=16, crop_scale=(1, 1), crop_ratio=(1, 1), flip_p=1, **NO_COLOUR)
    x = _images()
    view = BatchedTwoViewAugment(cfg).view(x)
    torch.testing.assert_close(view, x.float().flip(-1) / 255, atol=1e-5, rtol=0)


def test_crop_resize_matches_torchvision_resized_crop() -> None:
    x = _images(n=3, size=32).float() / 255
    boxes = torch.tensor([[4.0, 6.0, 16.0, 20.0, 0.0], [0.0, 0.0, 32.0, 10.0, 1.0],
                          [10.0, 3.0, 8.0, 8.0, 0.0]])  # fmt: skip
    out = ba.crop_resize_flip(x, boxes, 32)
    for i, (top, left, h, w, flip) in enumerate(boxes.int().tolist()):
        ref = TF.resized_crop(x[i], top, left, h, w, [32, 32], antialias=True)
        if flip:
            ref = ref.flip(-1)
        torch.testing.assert_close(out[i], ref, atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (ba._brightness, TF.adjust_brightness),
        (ba._contrast, TF.adjust_contrast),
        (ba._saturation, TF.adjust_saturation),
        (ba._adjust_hue, TF.adjust_hue),
    ],
)
def test_colour_ops_match_torchvision_per_sample(ours, theirs) -> None:
    x = _images(n=4).float() / 255
    factors = (
        torch.tensor([0.6, 1.0, 1.3, 0.9])
        if ours is not ba._adjust_hue
        else torch.tensor([-0.1, 0.0, 0.05, 0.5])
    )
    ref = torch.stack([theirs(x[i], float(factors[i])) for i in range(4)])
    torch.testing.assert_close(ours(x, factors), ref, atol=2e-6, rtol=0)


def test_contrast_on_single_channel_matches_torchvision() -> None:
    x = _images(n=3, c=1).float() / 255
    f = torch.tensor([0.6, 1.2, 1.4])
    ref = torch.stack([TF.adjust_contrast(x[i], float(f[i])) for i in range(3)])
    torch.testing.assert_close(ba._contrast(x, f), ref, atol=2e-6, rtol=0)


def test_blur_matches_torchvision_and_delta_where_skipped() -> None:
    x = _images(n=3, size=24).float() / 255
    sigma = torch.tensor([0.5, 1.5, 1.0])
    apply = torch.tensor([True, True, False])
    out = ba._gaussian_blur(x, sigma, apply, 7)
    for i in range(2):
        ref = TF.gaussian_blur(x[i], [7, 7], [float(sigma[i])] * 2)
        torch.testing.assert_close(out[i], ref, atol=1e-5, rtol=0)
    torch.testing.assert_close(out[2], x[2])


def test_grayscale_and_solarize_when_certain() -> None:
    cfg = AugmentConfig(
        image_size=16, crop_scale=(1, 1), crop_ratio=(1, 1), flip_p=0, jitter_p=0,
        grayscale_p=1.0, solarize_p=1.0,
    )  # fmt: skip
    x = _images().float() / 255
    ref = TF.solarize(TF.rgb_to_grayscale(x, num_output_channels=3), 0.5)
    torch.testing.assert_close(BatchedTwoViewAugment(cfg).view(x), ref, atol=1e-5, rtol=0)


def test_same_seed_same_views_other_seed_other_views() -> None:
    cfg = AugmentConfig(image_size=12, blur_p=0.5, solarize_p=0.2)
    x = _images()
    a1, a2 = BatchedTwoViewAugment(cfg, seed=1)(x)
    b1, b2 = BatchedTwoViewAugment(cfg, seed=1)(x)
    c1, _ = BatchedTwoViewAugment(cfg, seed=2)(x)
    assert torch.equal(a1, b1) and torch.equal(a2, b2)
    assert not torch.equal(a1, a2) and not torch.equal(a1, c1)


def test_rng_state_round_trip_resumes_the_sequence() -> None:
    aug = BatchedTwoViewAugment(AugmentConfig(image_size=12))
    x = _images()
    state = aug.get_rng_state()
    first = aug.view(x)
    aug.set_rng_state(state)
    assert torch.equal(aug.view(x), first)


def test_uint8_and_unit_float_inputs_agree_and_normalise() -> None:
    cfg = AugmentConfig(image_size=8, mean=(0.5, 0.4, 0.3), std=(0.2, 0.3, 0.4))
    x = _images(size=20)
    v_uint8 = BatchedTwoViewAugment(cfg, seed=3).view(x)
    v_float = BatchedTwoViewAugment(cfg, seed=3).view(x.float() / 255)
    assert v_uint8.shape == (6, 3, 8, 8) and v_uint8.dtype == torch.float32
    torch.testing.assert_close(v_uint8, v_float)
    plain = normalize_batch(x, cfg.mean, cfg.std)
    torch.testing.assert_close(plain[:, 1], (x[:, 1].float() / 255 - 0.4) / 0.3)


def test_single_channel_batch() -> None:
    cfg = AugmentConfig(
        image_size=28, channels=1, jitter=(0.4, 0.4, 0, 0), grayscale_p=0, mean=(0.1,), std=(0.3,)
    )
    v1, _ = BatchedTwoViewAugment(cfg)(_images(c=1, size=28))
    assert v1.shape == (6, 1, 28, 28)
    with pytest.raises(ValueError, match=r"N×1×H×W"):
        BatchedTwoViewAugment(cfg)(_images(c=3, size=28))


def test_fallback_centre_crop_when_no_draw_fits() -> None:
    """Ratio range far from a square image's: torchvision falls back to a centre crop."""
    cfg = AugmentConfig(image_size=8, crop_scale=(1, 1), crop_ratio=(4, 5), **NO_COLOUR)
    boxes = BatchedTwoViewAugment(cfg).crop_boxes(5, 16, 16)
    expected = torch.tensor([6.0, 0.0, 4.0, 16.0])  # h = round(16 / 4), centred vertically
    assert torch.equal(boxes[:, :4], expected.expand(5, 4))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_views_on_gpu_equal_views_on_cpu() -> None:
    """Parameters come from a CPU generator, so the device does not change the views."""
    cfg = AugmentConfig(image_size=24, blur_p=0.5, solarize_p=0.2)
    x = _images(n=8, size=32)
    cpu = BatchedTwoViewAugment(cfg, seed=4)(x)
    gpu = BatchedTwoViewAugment(cfg, seed=4).to("cuda")(x.to("cuda"))
    assert gpu[0].device.type == "cuda"
    for a, b in zip(cpu, gpu, strict=True):
        torch.testing.assert_close(b.cpu(), a, atol=1e-4, rtol=0)
