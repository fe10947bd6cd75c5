"""A published optimisation recipe as data (`Recipe`); each framework declares its own
(`Framework.recipes`; `frameworks.recipes` finds them by framework and scale).

`cifar` is solo-learn's published CIFAR recipe (ResNet-18, batch 256, 1000 epochs, warm-up
cosine over 10 epochs); `imagenet` is the recipe of the framework's official ImageNet code
(ResNet-50). Learning rates are per 256 images: `recipe.lr_for(batch)` scales them linearly, as
every source here does. `framework_options` are the options of our framework class that the
recipe fixes (temperature, EMA schedule, queue, loss weights); `notes` says where ours differs;
`unconfirmed` names the values not checked against the source's frozen code.

"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Recipe", "solo_cifar"]


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


def solo_cifar(framework: str, optimizer: str, lr: float, wd: float, **kw: Any) -> Recipe:
    """solo-learn's CIFAR recipe shape (batch 256, 1000 epochs, 10 warm-up epochs; LARS with
    eta 0.02, clipped lr and no decay on biases and norms), at `lr` and weight decay `wd`."""
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
