"""The image size and the augmentation are config options: typed or written in TOML, shown
by `--print-config` (the recipe's values where unset) and used by the run's views."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomllib
from click.testing import CliRunner

from nasiam_dsl.cli import main
from nasiam_dsl.data import dataset_info, with_image_size
from nasiam_dsl.run.build import build


def _printed(*words: str, tmp_path: Path) -> dict:
    words = (*words, "--data-dir", str(tmp_path))  # cifar10 reads a folder
    result = CliRunner().invoke(main, ["search", str(tmp_path / "s.nas"), *words, "--print-config"])
    assert result.exit_code == 0, result.output
    return tomllib.loads(result.output)


def test_print_config_writes_out_the_recipe_and_what_is_set(tmp_path: Path) -> None:
    recipe = _printed("--framework", "byol", "--dataset", "cifar10", tmp_path=tmp_path)
    assert recipe["data"]["image_size"] == 32
    assert recipe["augmentation"]["crop_scale"] == [0.08, 1.0]
    assert recipe["augmentation"]["jitter"] == [0.4, 0.4, 0.2, 0.1]
    given = _printed(
        "--framework", "byol", "--dataset", "cifar10", "--crop-scale", "0.5", "0.6",
        "--image-size", "48", "--blur-p", "0.25", tmp_path=tmp_path,
    )  # fmt: skip
    assert given["augmentation"]["crop_scale"] == [0.5, 0.6]
    assert given["augmentation"]["blur_p"] == 0.25
    assert given["data"]["image_size"] == 48
    assert given["augmentation"]["jitter"] == recipe["augmentation"]["jitter"]


def test_a_changed_crop_scale_and_image_size_reach_the_views(tiny_config, tmp_path) -> None:
    config = tiny_config(
        augmentation={"crop_scale": (0.5, 0.6), "flip_p": 0.0}, data={"image_size": 20}
    )
    run = build(config, tmp_path / "run")
    augment = run.streams.augment.cfg
    assert augment.crop_scale == (0.5, 0.6) and augment.flip_p == 0.0
    assert augment.image_size == 20 and run.streams.info.image_size == 20
    v1, v2 = run.problem.views(next(run.streams.train))
    assert v1.shape[-2:] == (20, 20) == v2.shape[-2:]
    per_sample = tiny_config(
        augmentation={"crop_scale": (0.5, 0.6)}, data={"augment": "per-sample", "image_size": 20}
    )
    run = build(per_sample, tmp_path / "run2")
    dataset = run.streams.train.loader.dataset
    while not hasattr(dataset, "transform"):
        dataset = dataset.dataset  # the limit's and the split's subsets
    crop = dataset.transform.view.transforms[1]
    assert tuple(crop.scale) == (0.5, 0.6) and tuple(crop.size) == (20, 20)
    v1, _ = run.problem.views(next(run.streams.train))
    assert v1.shape[-2:] == (20, 20)


@pytest.mark.parametrize(
    ("words", "named"),
    [
        (["--crop-scale", "0.9", "0.5"], "--crop-scale (augmentation.crop_scale)"),
        (["--jitter", "0.4", "0.4", "0.4", "0.9"], "--jitter (augmentation.jitter)"),
        (["--flip-p", "2"], "--flip-p (augmentation.flip_p)"),
        (["--image-size", "0"], "--image-size (data.image_size)"),
    ],
)
def test_bad_augmentation_values_name_their_flag(words, named, tmp_path) -> None:
    words = (*words, "--data-dir", str(tmp_path))  # cifar10 reads a folder
    result = CliRunner().invoke(main, ["search", str(tmp_path / "s.nas"), *words, "--print-config"])
    assert result.exit_code == 2
    assert named in " ".join(result.output.split()) and "Traceback" not in result.output


def test_imagefolder_views_are_224_and_evaluation_resizes_in_proportion(tmp_path) -> None:
    (tmp_path / "cat").mkdir()
    info = dataset_info("imagefolder", tmp_path)
    assert (info.image_size, info.resize) == (224, 256)
    assert with_image_size(info, 112).resize == 128
    cifar = with_image_size(dataset_info("cifar10"), 64)
    assert (cifar.image_size, cifar.resize) == (64, 64)
    assert with_image_size(info, None) is info
