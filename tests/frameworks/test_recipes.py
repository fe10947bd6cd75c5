"""Recipes as data: every framework at both scales, valid options, did-you-mean errors."""

from __future__ import annotations

import pytest

from nasiam_dsl.frameworks import available_frameworks, available_recipes, get_framework, get_recipe
from nasiam_dsl.names import UnknownNameError

BUILT_IN = ("simsiam", "byol", "mocov2", "mocov3", "simclr", "barlowtwins", "vicreg")


@pytest.mark.parametrize("scale", ["cifar", "imagenet"])
@pytest.mark.parametrize("framework", BUILT_IN)
def test_every_framework_has_a_recipe_whose_options_validate(framework, scale) -> None:
    assert framework in available_frameworks()
    recipe = get_recipe(framework, scale)
    get_framework(framework).make_config(recipe.framework_options)  # raises if invalid
    if recipe.optimizer == "lars":
        assert recipe.eta is not None and recipe.exclude_bias_norm
    assert len(available_recipes()) == 2 * len(BUILT_IN)


def test_published_values() -> None:
    byol = get_recipe("byol", "cifar")
    assert (byol.optimizer, byol.lr, byol.eta, byol.clip_lr) == ("lars", 1.0, 0.02, True)
    assert byol.lr_for(512) == 2.0 and byol.optimizer_options()["eta"] == 0.02
    simsiam = get_recipe("simsiam", "imagenet")
    assert (simsiam.optimizer, simsiam.lr, simsiam.batch_size) == ("sgd", 0.05, 512)
    assert "eta" not in simsiam.optimizer_options()
    mocov3 = get_recipe("mocov3", "imagenet")
    assert (mocov3.lr, mocov3.weight_decay, mocov3.warmup_epochs) == (0.6, 1e-6, 10)
    assert get_recipe("barlowtwins", "imagenet").no_decay_lr == 0.0048


def test_unknown_names_suggest() -> None:
    with pytest.raises(UnknownNameError, match="did you mean 'simsiam'"):
        get_recipe("simsam")
    with pytest.raises(UnknownNameError, match="did you mean 'imagenet'"):
        get_recipe("byol", "imagenett")
