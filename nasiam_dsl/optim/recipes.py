"""Published optimisation recipes as data: one per framework and scale.

`cifar` is solo-learn's published CIFAR recipe (ResNet-18, batch 256, 1000 epochs, warm-up
cosine over 10 epochs); `imagenet` is the recipe of the framework's official ImageNet code
(ResNet-50). Learning rates are per 256 images: `recipe.lr_for(batch)` scales them linearly, as
every source here does. `framework_options` are the options of our framework class that the
recipe fixes (temperature, EMA schedule, queue, loss weights); `notes` says where ours differs;
`unconfirmed` names the values not checked against the source's frozen code.

`apply_recipe` is the recipe layer of a run's config (defaults < recipe < TOML < flags): it
fills what a config mapping leaves unset.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from nasiam_dsl.names import UnknownNameError, suggest

__all__ = ["RECIPES", "Recipe", "apply_recipe", "available_recipes", "get_recipe"]


class Recipe(BaseModel):
    """One published recipe."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    framework: str
    scale: Literal["cifar", "imagenet"]
    optimizer: Literal["sgd", "lars", "adamw"]
    lr: float = Field(gt=0, description="base lr per 256 images")
    weight_decay: float = Field(ge=0)
    momentum: float = Field(0.9, ge=0, lt=1)
    eta: float | None = Field(None, gt=0, description="LARS trust coefficient")
    clip_lr: bool = False
    exclude_bias_norm: bool = False
    no_decay_lr: float | None = Field(None, gt=0, description="lr of biases/norms, per 256")
    batch_size: int = Field(gt=0)
    epochs: int = Field(gt=0)
    warmup_epochs: int = Field(0, ge=0)
    framework_options: dict[str, Any] = Field(default_factory=dict)
    source: str
    notes: str = ""
    unconfirmed: tuple[str, ...] = Field(
        (), description="fields written from the paper or memory, not checked in the code"
    )

    def lr_for(self, batch_size: int) -> float:
        """The lr at a global batch of `batch_size` (linear scaling from 256)."""
        return self.lr * batch_size / 256

    def optimizer_options(self) -> dict[str, Any]:
        """Keyword options for `build_optimizer` beyond lr (LARS's where it applies)."""
        options: dict[str, Any] = {"momentum": self.momentum, "weight_decay": self.weight_decay}
        if self.optimizer == "lars":
            options.update(eta=self.eta, clip_lr=self.clip_lr)
            options["exclude_bias_norm"] = self.exclude_bias_norm
        return options

    def config_values(self) -> dict[str, Any]:
        """The recipe as run-config values (`RunConfig`'s layout; lr per 256 images)."""
        optim: dict[str, Any] = {
            "optimizer": self.optimizer,
            "lr": self.lr,
            "momentum": self.momentum,
            "weight_decay": self.weight_decay,
            "warmup_epochs": self.warmup_epochs,
            "clip_lr": self.clip_lr,
            "exclude_bias_norm": self.exclude_bias_norm,
        }
        if self.eta is not None:
            optim["eta"] = self.eta
        if self.no_decay_lr is not None:
            optim["no_decay_lr"] = self.no_decay_lr
        return {
            "optim": optim,
            "batch_size": self.batch_size,
            "epochs": self.epochs,
            "framework_options": dict(self.framework_options),
        }


def _solo(framework: str, optimizer: str, lr: float, wd: float, **kw: Any) -> Recipe:
    lars = optimizer == "lars"
    return Recipe(
        framework=framework,
        scale="cifar",
        optimizer=optimizer,  # type: ignore[arg-type]
        lr=lr,
        weight_decay=wd,
        eta=0.02 if lars else None,
        clip_lr=lars,
        exclude_bias_norm=lars,
        batch_size=256,
        epochs=1000,
        warmup_epochs=10,
        source=f"solo-learn scripts/pretrain/cifar ({framework})",
        **kw,
    )


_CIFAR = [
    _solo("simsiam", "sgd", 0.5, 1e-5, framework_options={"fix_pred_lr": True}),
    _solo(
        "mocov2",
        "sgd",
        0.3,
        1e-4,
        framework_options={"temperature": 0.2, "queue_size": 32768, "momentum": 0.99},
        notes="solo-learn raises the EMA from 0.99 to 0.999 (cosine); ours keeps it constant",
    ),
    _solo(
        "byol", "lars", 1.0, 1e-5, framework_options={"momentum_base": 0.99, "momentum_final": 1.0}
    ),
    _solo("simclr", "lars", 0.4, 1e-4, framework_options={"temperature": 0.2}),
    _solo(
        "barlowtwins",
        "lars",
        0.3,
        1e-4,
        framework_options={"lambd": 0.0051, "scale_loss": 0.1},
    ),
    _solo(
        "vicreg",
        "lars",
        0.3,
        1e-4,
        framework_options={"sim_weight": 25.0, "var_weight": 25.0, "cov_weight": 1.0},
    ),
    _solo(
        "mocov3",
        "lars",
        0.3,
        1e-6,
        framework_options={"temperature": 0.2, "momentum_base": 0.99, "momentum_final": 1.0},
    ),
]

_IMAGENET = [
    Recipe(
        framework="simsiam",
        scale="imagenet",
        optimizer="sgd",
        lr=0.05,
        weight_decay=1e-4,
        batch_size=512,
        epochs=100,
        framework_options={"fix_pred_lr": True},
        source="facebookresearch/simsiam README (main_simsiam.py --fix-pred-lr)",
    ),
    Recipe(
        framework="mocov2",
        scale="imagenet",
        optimizer="sgd",
        lr=0.03,
        weight_decay=1e-4,
        batch_size=256,
        epochs=200,
        framework_options={
            "temperature": 0.2,
            "queue_size": 65536,
            "momentum": 0.999,
            "symmetric": False,
            "shuffle_bn": True,
        },
        source="facebookresearch/moco README (--mlp --moco-t 0.2 --aug-plus --cos)",
        notes="asymmetric loss; per-GPU BatchNorm with shuffle-BN, no SyncBN",
    ),
    Recipe(
        framework="mocov3",
        scale="imagenet",
        optimizer="lars",
        lr=0.6,
        weight_decay=1e-6,
        eta=0.001,
        exclude_bias_norm=True,
        batch_size=4096,
        epochs=100,
        warmup_epochs=10,
        framework_options={"temperature": 1.0, "momentum_base": 0.99, "momentum_final": 1.0},
        source="facebookresearch/moco-v3 CONFIG.md (ResNet-50, 100 epochs)",
    ),
    Recipe(
        framework="byol",
        scale="imagenet",
        optimizer="lars",
        lr=0.2,
        weight_decay=1.5e-6,
        eta=0.001,
        exclude_bias_norm=True,
        batch_size=4096,
        epochs=1000,
        warmup_epochs=10,
        framework_options={"momentum_base": 0.996, "momentum_final": 1.0},
        source="deepmind-research byol (BYOL paper, appendix C)",
        unconfirmed=("lr", "weight_decay", "batch_size", "epochs", "warmup_epochs"),
    ),
    Recipe(
        framework="simclr",
        scale="imagenet",
        optimizer="lars",
        lr=0.3,
        weight_decay=1e-6,
        eta=0.001,
        exclude_bias_norm=True,
        batch_size=4096,
        epochs=100,
        warmup_epochs=10,
        framework_options={"temperature": 0.1},
        source="google-research/simclr (SimCLR paper, section B.1)",
        unconfirmed=("lr", "weight_decay", "batch_size", "epochs", "warmup_epochs"),
    ),
    Recipe(
        framework="barlowtwins",
        scale="imagenet",
        optimizer="lars",
        lr=0.2,
        no_decay_lr=0.0048,
        weight_decay=1.5e-6,
        eta=0.001,
        exclude_bias_norm=True,
        batch_size=2048,
        epochs=1000,
        warmup_epochs=10,
        framework_options={"lambd": 0.0051, "scale_loss": 1.0},
        source="facebookresearch/barlowtwins main.py",
        notes="weight decay 1.5e-6 is the paper's; main.py's default may be 1e-6",
        unconfirmed=(
            "lr",
            "no_decay_lr",
            "weight_decay",
            "batch_size",
            "epochs",
            "warmup_epochs",
        ),
    ),
    Recipe(
        framework="vicreg",
        scale="imagenet",
        optimizer="lars",
        lr=0.2,
        weight_decay=1e-6,
        eta=0.001,
        exclude_bias_norm=True,
        batch_size=2048,
        epochs=1000,
        warmup_epochs=10,
        framework_options={"sim_weight": 25.0, "var_weight": 25.0, "cov_weight": 1.0},
        source="facebookresearch/vicreg main_vicreg.py",
        unconfirmed=("lr", "weight_decay", "batch_size", "epochs", "warmup_epochs"),
    ),
]

RECIPES: dict[tuple[str, str], Recipe] = {(r.framework, r.scale): r for r in _CIFAR + _IMAGENET}


def available_recipes() -> list[tuple[str, str]]:
    """`(framework, scale)` pairs with a recipe, sorted."""
    return sorted(RECIPES)


def get_recipe(framework: str, scale: str = "cifar") -> Recipe:
    """The recipe of `framework` at `scale` ("cifar" or "imagenet").

    Raises:
        UnknownNameError: an unknown framework or scale, with did-you-mean suggestions.
    """
    frameworks = sorted({f for f, _ in RECIPES})
    if framework not in frameworks:
        raise UnknownNameError("recipe framework", framework, suggest(framework, frameworks))
    scales = sorted({s for f, s in RECIPES if f == framework})
    if scale not in scales:
        raise UnknownNameError(f"scale for {framework}", scale, suggest(scale, scales))
    return RECIPES[(framework, scale)]


def _fill(data: Mapping[str, Any], filler: Mapping[str, Any]) -> dict[str, Any]:
    """`data` with every key of `filler` it lacks; mappings on both sides are filled key by key."""
    out = dict(data)
    for key, value in filler.items():
        if key not in out:
            out[key] = value
        elif isinstance(value, Mapping) and isinstance(out[key], Mapping):
            out[key] = _fill(out[key], value)
    return out


def apply_recipe(data: Mapping[str, Any], framework: str) -> dict[str, Any]:
    """A run-config mapping with the recipe `data["recipe"]` of `framework` filled in wherever
    `data` sets nothing: the keys `data` holds (from a TOML file, flags or the API) win, and a
    section (`optim`, `framework_options`) is filled key by key.

    Raises:
        ValueError: no recipe for that framework or scale (a did-you-mean message).
    """
    try:
        recipe = get_recipe(framework, data["recipe"])
    except UnknownNameError as e:
        raise ValueError(f"--recipe {data['recipe']}: {e}") from None
    return _fill(data, recipe.config_values())
