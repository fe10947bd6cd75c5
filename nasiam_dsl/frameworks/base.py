"""The shared base of every siamese SSL framework, and the split of a training step.

A framework owns a backbone, a few named heads (the *head slots*, e.g. projector and
predictor), optional momentum (EMA) target copies, and its loss. Heads are opaque modules
mapping (N, in) -> (N, out): fixed MLPs or search supernets alike; a framework knows nothing
of architecture search, and the search engine knows no framework by name.

A step is split so an engine can run the backbone without autograd (DARTS architecture steps):

    enc = fw.encode(x1, x2)     # backbone features + no-grad momentum targets
    out = fw.head_loss(enc)     # heads + loss; pure: no EMA, no queue writes
    ...optimiser step on out.loss...
    fw.on_step_end(out, progress)   # EMA update, queue enqueue: after WEIGHT steps only

A framework whose architecture step also advanced the MoCo queue and EMA would move them twice
per iteration (the NASiam seed code did); here state changes live only in `on_step_end`, which
the engine calls after weight steps. The one state `head_loss` cannot avoid touching is
BatchNorm running statistics of heads in training mode; an engine that must keep them can
evaluate under `eval()` or restore them.

Momentum branches are deep copies (see `momentum.py`: sharing one projector object between the
online and the target branch, then freezing the target, leaves the projector untrained).
Backbone and momentum heads are copied in ONE `deepcopy`, so objects shared across them stay
shared in the copy.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from torch import Tensor, nn

from nasiam_dsl.data.augment_config import AugmentRecipe
from nasiam_dsl.frameworks.gather import rank_and_world
from nasiam_dsl.frameworks.momentum import cosine_momentum, ema_update_, make_target
from nasiam_dsl.optim.recipes import Recipe

__all__ = [
    "Encoded",
    "Framework",
    "FrameworkConfig",
    "MomentumConfig",
    "StepOutput",
    "head_out_dim",
]

BACKBONE = "backbone"


class FrameworkConfig(BaseModel):
    """Base of every framework's hyper-parameters: strict (unknown keys rejected), frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class MomentumConfig(FrameworkConfig):
    """Cosine EMA schedule from `momentum_base` (start) to `momentum_final` (end)."""

    momentum_base: float = Field(0.99, ge=0.0, le=1.0)
    momentum_final: float = Field(1.0, ge=0.0, le=1.0)


@dataclass
class Encoded:
    """Output of `Framework.encode`.

    Attributes:
        f1, f2: online backbone features of the two views, (N, feature_dim).
        t1, t2: momentum-branch outputs of the two views (target backbone + target heads),
            computed under `torch.no_grad()`; None for frameworks without momentum.
    """

    f1: Tensor
    f2: Tensor
    t1: Tensor | None = None
    t2: Tensor | None = None


@dataclass
class StepOutput:
    """Output of `Framework.head_loss`.

    Attributes:
        loss: the scalar SSL loss (with autograd graph).
        z1, z2: projector outputs of the two views, detached (for collapse metrics).
        logs: scalar metrics (loss, collapse monitor `z_std`, ...).
        commit: state to apply in `on_step_end` (e.g. MoCo keys to enqueue), detached.
    """

    loss: Tensor
    z1: Tensor
    z2: Tensor
    logs: dict[str, float] = field(default_factory=dict)
    commit: dict[str, Tensor] = field(default_factory=dict)


@torch.no_grad()
def head_out_dim(head: nn.Module, in_dim: int) -> int:
    """Output width of a head: its `out_features`/`out_dim` attribute, else a dummy forward.

    The dummy forward runs in eval mode (BatchNorm statistics untouched) on the head's device.
    """
    for attr in ("out_features", "out_dim"):
        value = getattr(head, attr, None)
        if isinstance(value, int):
            return value
    ref = next(iter(head.parameters()), None)
    device = ref.device if ref is not None else torch.device("cpu")
    dtype = ref.dtype if ref is not None and ref.is_floating_point() else torch.float32
    was_training = head.training
    head.eval()
    try:
        out = head(torch.zeros(2, in_dim, device=device, dtype=dtype))
    finally:
        head.train(was_training)
    return int(out.shape[-1])


#: the augmentation of a framework that declares none: SimSiam's CIFAR recipe
DEFAULT_AUGMENTATION = AugmentRecipe(crop_scale=(0.2, 1.0), jitter=(0.4, 0.4, 0.4, 0.1))


def normalized_std(z: Tensor) -> float:
    """Collapse monitor: `mean_j std_i(n(z_i))_j` (SimSiam paper section 4.1).

    About `1/sqrt(d)` for healthy isotropic outputs, 0 for collapsed (constant) outputs.
    """
    with torch.no_grad():
        zn = F.normalize(z.detach().float(), dim=-1)
        return float(zn.std(dim=0).mean())


class Framework(nn.Module, abc.ABC):
    """Shared base: one small subclass per framework.

    Class attributes:
        name: registry name ("simsiam", ...).
        head_slots: the heads the framework needs, in forward order.
        default_genotype: file name of the standard head genotype in `spaces/standard/`.
        momentum_slots: modules with an EMA target copy: "backbone" and/or a prefix of
            `head_slots`. Empty for frameworks without momentum.
        Config: pydantic model of the hyper-parameters, defaults from the CIFAR recipes.
        augmentation: what of the two-view augmentation the method's recipe fixes (crop
            scale, jitter, solarization); the dataset fixes the rest. A framework that
            declares none gets `DEFAULT_AUGMENTATION`, SimSiam's CIFAR recipe.
        recipes: the method's published optimisation recipes (`--recipe cifar|imagenet`).

    A framework is this one class, in one module with its loss (docs/architecture.md, "How to
    add a framework"), plus its standard heads in `spaces/standard/`.
    """

    name: ClassVar[str]
    head_slots: ClassVar[tuple[str, ...]]
    default_genotype: ClassVar[str]
    momentum_slots: ClassVar[tuple[str, ...]] = ()
    Config: ClassVar[type[BaseModel]] = FrameworkConfig
    augmentation: ClassVar[AugmentRecipe] = DEFAULT_AUGMENTATION
    recipes: ClassVar[tuple[Recipe, ...]] = ()

    def __init__(
        self,
        backbone: nn.Module,
        heads: Mapping[str, nn.Module],
        config: BaseModel | Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.config = self.make_config(config)
        missing = [s for s in self.head_slots if s not in heads]
        extra = [s for s in heads if s not in self.head_slots]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing head slot(s) {missing}")
            if extra:
                parts.append(f"unexpected head slot(s) {extra}")
            raise ValueError(
                f"{self.name}: " + "; ".join(parts) + f" (expected {list(self.head_slots)})"
            )
        feature_dim = getattr(backbone, "feature_dim", None)
        if not isinstance(feature_dim, int) or isinstance(feature_dim, bool):
            raise ValueError(f"{self.name}: the backbone needs an int attribute `feature_dim`")
        self._check_momentum_slots()
        self.backbone = backbone
        self.heads = nn.ModuleDict({slot: heads[slot] for slot in self.head_slots})
        self.target = (
            make_target(self._online_momentum()) if self.momentum_slots else nn.ModuleDict()
        )

    # ----------------------------------------------------------------- configuration
    @classmethod
    def make_config(cls, config: BaseModel | Mapping[str, Any] | None = None) -> BaseModel:
        """Validate `config` (None, a mapping, or an instance of `cls.Config`)."""
        if config is None:
            return cls.Config()
        if isinstance(config, cls.Config):
            return config
        if isinstance(config, Mapping):
            return cls.Config.model_validate(dict(config))
        raise TypeError(
            f"{cls.__name__} expects a {cls.Config.__name__} or a mapping, "
            f"got {type(config).__name__}"
        )

    @classmethod
    def _check_momentum_slots(cls) -> None:
        allowed = {BACKBONE, *cls.head_slots}
        unknown = [s for s in cls.momentum_slots if s not in allowed]
        if unknown:
            raise TypeError(f"{cls.__name__}.momentum_slots has unknown slot(s) {unknown}")
        heads = [s for s in cls.momentum_slots if s != BACKBONE]
        if heads != list(cls.head_slots[: len(heads)]):
            raise TypeError(f"{cls.__name__}.momentum_slots heads must be a prefix of head_slots")

    @property
    def feature_dim(self) -> int:
        """Width of the backbone features."""
        return int(self.backbone.feature_dim)

    # ----------------------------------------------------------------- momentum branch
    def _online_momentum(self) -> nn.ModuleDict:
        """The online modules that have an EMA copy, keyed like `self.target`."""
        modules: dict[str, nn.Module] = {}
        for slot in self.momentum_slots:
            modules[slot] = self.backbone if slot == BACKBONE else self.heads[slot]
        return nn.ModuleDict(modules)

    def momentum_at(self, progress: float) -> float:
        """EMA coefficient at `progress` in [0, 1]; cosine from base to final by default."""
        cfg = self.config
        return cosine_momentum(cfg.momentum_base, cfg.momentum_final, progress)

    def target_forward(self, x: Tensor, f: Tensor) -> Tensor:
        """Momentum-branch output for input `x` (online features `f` used if the backbone
        has no EMA copy): target backbone, then the target heads in slot order."""
        h = self.target[BACKBONE](x) if BACKBONE in self.target else f.detach()
        for slot in self.head_slots:
            if slot not in self.target:
                break
            h = self.target[slot](h)
        return h

    def momentum_targets(self, enc: Encoded) -> tuple[Tensor, Tensor]:
        """`(enc.t1, enc.t2)`, or a ValueError if `enc` carries no momentum outputs."""
        if enc.t1 is None or enc.t2 is None:
            raise ValueError(f"{self.name}: Encoded has no momentum outputs t1/t2 (use encode)")
        return enc.t1, enc.t2

    # ----------------------------------------------------------------- the step
    def encode(self, x1: Tensor, x2: Tensor) -> Encoded:
        """Online backbone features of both views, plus no-grad momentum targets."""
        f1 = self.backbone(x1)
        f2 = self.backbone(x2)
        if not self.momentum_slots:
            return Encoded(f1, f2)
        with torch.no_grad():
            t1 = self.target_forward(x1, f1)
            t2 = self.target_forward(x2, f2)
        return Encoded(f1, f2, t1, t2)

    @abc.abstractmethod
    def head_loss(self, enc: Encoded) -> StepOutput:
        """Heads and loss from encoded views. Must not mutate framework state."""

    def training_step(self, x1: Tensor, x2: Tensor) -> StepOutput:
        """`head_loss(encode(x1, x2))`."""
        return self.head_loss(self.encode(x1, x2))

    def forward(self, x1: Tensor, x2: Tensor) -> StepOutput:
        """Alias of `training_step`, so DDP wrappers and hooks see a forward."""
        return self.training_step(x1, x2)

    @torch.no_grad()
    def on_step_end(self, out: StepOutput, progress: float) -> None:
        """State updates after a weight step: the EMA of the momentum branch.

        Call only after a weight (not architecture) optimiser step. `progress` in [0, 1].
        """
        del out
        if self.momentum_slots:
            ema_update_(self._online_momentum(), self.target, self.momentum_at(progress))

    def embed(self, x: Tensor) -> Tensor:
        """Backbone features for evaluation (kNN, linear probe), (N, feature_dim)."""
        return self.backbone(x)

    # ----------------------------------------------------------------- optimisation
    def special_param_groups(self, lr: float) -> list[dict[str, Any]]:
        """Groups that need their own options (override); the rest go in the main group."""
        del lr
        return []

    def param_groups(self, lr: float) -> list[dict[str, Any]]:
        """Weight parameter groups: every trainable parameter exactly once.

        Target (EMA) parameters are frozen and thus excluded. Groups carry a "name" key;
        a group flagged `"fix_lr": True` keeps its lr constant under the schedule.
        """
        groups = []
        claimed: set[int] = set()
        for group in self.special_param_groups(lr):
            params = []
            for p in group["params"]:
                if p.requires_grad and id(p) not in claimed:
                    claimed.add(id(p))
                    params.append(p)
            if params:
                groups.append({**group, "params": params})
        main = [p for p in self.parameters() if p.requires_grad and id(p) not in claimed]
        if main:
            groups.insert(0, {"name": "weights", "params": main, "lr": lr})
        return groups

    # ----------------------------------------------------------------- helpers
    def ranks(self) -> tuple[int, int]:
        """`(rank, world_size)` the loss spans: the process group's in training mode, else
        `(0, 1)`, so an evaluation on one rank never waits for the others."""
        return rank_and_world() if self.training else (0, 1)

    def _logs(self, loss: Tensor, z1: Tensor, **extra: Tensor | float) -> dict[str, float]:
        """Loss, collapse monitor `z_std` (std of l2-normalised z1; `z_std_normalised` is it
        times √d, which reads 1 healthy and 0 collapsed at any width) and extra scalars."""
        z_std = normalized_std(z1)
        logs = {
            "loss": float(loss.detach()),
            "z_std": z_std,
            "z_std_normalised": z_std * math.sqrt(z1.shape[-1]),  # 1 healthy, 0 collapsed
        }
        for key, value in extra.items():
            logs[key] = float(value.detach()) if isinstance(value, Tensor) else float(value)
        return logs


def options_problem(name: str, model: type[BaseModel], error: ValidationError) -> str:
    """A framework's refused options in a user's words: each option, what is wrong with it,
    and the options there are."""
    from nasiam_dsl.names import suggest

    known = list(model.model_fields)
    parts = []
    for problem in error.errors():
        option = ".".join(str(x) for x in problem["loc"]) or "options"
        if problem["type"] == "extra_forbidden":
            close = suggest(option, known, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            parts.append(
                f"'{option}' is not an option of {name} ({hint}its options: {', '.join(known)})"
            )
        else:
            parts.append(f"{option}: {problem['msg'].lower()} (got {problem['input']!r})")
    return "; ".join(parts)
