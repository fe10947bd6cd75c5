"""Published optimisation recipes as data: one per framework and scale.

`cifar` is solo-learn's published CIFAR recipe (ResNet-18, batch 256, 1000 epochs, warm-up
cosine over 10 epochs); `imagenet` is the recipe of the framework's official ImageNet code
(ResNet-50). Learning rates are per 256 images: `recipe.lr_for(batch)` scales them linearly, as
every source here does. `framework_options` are the options of our framework class that the
recipe fixes (temperature, EMA schedule, queue, loss weights); `notes` says where ours differs.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from nasiam_dsl.names import UnknownNameError, suggest

__all__ = ["RECIPES", "Recipe", "available_recipes", "get_recipe"]


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
