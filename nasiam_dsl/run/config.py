"""Run configurations: every option of `nasiam search` and `nasiam train`, validated.

Each field is the one declaration of its option: its default, its `description` (the
`--help` text) and, in `json_schema_extra`, how the command line spells it (`flag`: another
name; `sets`: a flag that sets this value; `commands`: the commands that have it; `cli`:
False for fields the command line gives otherwise; `names`: the registry whose names the
help lists). `run/options.py` turns the fields into click options, `run/resolve.py` merges
defaults < TOML < flags, the run directory stores the result as JSON and resume reads it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nasiam_dsl.run.probe import KNN_K
from nasiam_dsl.search.engine_config import SEARCH_ONLY, EngineConfig


class DataConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: str = Field(
        "embedded", description="The dataset.", json_schema_extra={"names": "datasets"}
    )
    data_dir: str | None = Field(None, description="Where the dataset lives.")
    download: bool = Field(
        False,
        description="Download the dataset through torchvision if missing "
        "(CIFAR, Fashion-MNIST, STL-10).",
    )
    augment: Literal["batched", "per-sample"] = Field(
        "batched", description="Make the two views on the device (batched) or per image."
    )
    workers: int = Field(0, ge=0, description="Data loader worker processes.")
    limit: int | None = Field(None, gt=0, description="Use only N training images.")
    image_size: int | None = Field(
        None,
        gt=0,
        description="Side of the training views in pixels (images are resized to it); "
        "default: 224 for imagefolder, the dataset's own size otherwise.",
    )


Pair = tuple[float, float]


class AugmentationOptions(BaseModel):
    """The two views' augmentation; a value left unset comes from the framework's recipe
    for the dataset (`data/augment_config.py`), which `--print-config` writes out."""

    model_config = ConfigDict(extra="forbid")

    crop_scale: Pair | None = Field(
        None, description="Random resized crop: the area range kept, LO HI (0 < LO <= HI <= 1)."
    )
    jitter: tuple[float, float, float, float] | None = Field(
        None,
        description="Colour jitter strengths: brightness, contrast, saturation, hue (<= 0.5).",
    )
    jitter_p: float | None = Field(None, ge=0, le=1, description="Colour jitter probability.")
    grayscale_p: float | None = Field(None, ge=0, le=1, description="Grayscale probability.")
    blur_p: float | None = Field(
        None, ge=0, le=1, description="Gaussian blur probability (recipe: 0.5 from 96 pixels)."
    )
    solarize_p: float | None = Field(None, ge=0, le=1, description="Solarize probability.")
    flip_p: float | None = Field(None, ge=0, le=1, description="Horizontal flip probability.")

    @field_validator("crop_scale")
    @classmethod
    def _scale(cls, value: Pair | None) -> Pair | None:
        if value is not None and not 0 < value[0] <= value[1] <= 1:
            raise ValueError(f"needs 0 < LO <= HI <= 1, got {value[0]} {value[1]}")
        return value

    @field_validator("jitter")
    @classmethod
    def _jitter(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is not None and (min(value) < 0 or value[3] > 0.5):
            raise ValueError(f"strengths must be >= 0 and hue <= 0.5, got {list(value)}")
        return value

    def given(self) -> dict[str, Any]:
        """The values set (over the recipe)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class OptimConfig(BaseModel):
    """Weight optimiser and its schedule; SGD and LARS scale the lr by batch/256."""

    model_config = ConfigDict(extra="forbid")

    optimizer: Literal["sgd", "adamw", "lars"] = Field("sgd", description="The weights' optimiser.")
    lr: float = Field(
        0.06, gt=0, description="Base lr of the weights (SGD and LARS: scaled by batch/256)."
    )
    momentum: float = Field(0.9, ge=0, lt=1, description="SGD and LARS momentum.")
    weight_decay: float = Field(5e-4, ge=0, description="Weight decay of the weights.")
    warmup_epochs: int = Field(0, ge=0, description="Linear lr warm-up epochs.")
    eta: float = Field(0.001, gt=0, description="LARS trust coefficient.")
    clip_lr: bool = Field(False, description="LARS: cap the adapted lr at the lr.")
    exclude_bias_norm: bool | None = Field(
        None,
        description="Keep biases and norm parameters out of weight decay (and LARS "
        "adaptation); default: on with LARS, as every LARS recipe.",
    )
    no_decay_lr: float | None = Field(
        None,
        gt=0,
        description="Base lr of biases and norm parameters when excluded (Barlow Twins' "
        "0.0048); default: the weights' lr.",
    )

    @model_validator(mode="after")
    def _bias_norm_default(self) -> OptimConfig:
        if self.exclude_bias_norm is None:
            self.exclude_bias_norm = self.optimizer == "lars"
        return self


class SearchOptions(BaseModel):
    """Anti-collapse parts; see docs/search.md for why the defaults are what they are."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=SEARCH_ONLY)

    sampler: str = Field(
        "softmax",
        description="The relaxation of the choices.",
        json_schema_extra={"names": "samplers"},
    )
    temperature: float = Field(1.0, gt=0, description="Softmax sampler temperature.")
    beta_decay: float = Field(0.0, ge=0, description="β-DARTS regulariser weight (0: off).")
    param_free_l1: float = Field(0.0, ge=0, description="L1 on parameter-free ops (0: off).")
    zero_one: float = Field(0.0, ge=0, description="FairDARTS zero-one loss weight (0: off).")
    aux_skip: float = Field(0.0, ge=0, description="DARTS- auxiliary skip β0 (0: off).")
    partial_k: int = Field(1, ge=1, description="PC-DARTS: search 1/K of the features.")
    max_param_free: int | None = Field(
        None,
        ge=0,
        description="Stop early when a head's derived genotype has more parameter-free ops.",
    )
    stop_min_epochs: int | None = Field(
        None,
        ge=1,
        description="No early stop before this epoch (default: a fifth of the epochs rounded "
        "up, at most 10: at init every choice ties and the derived genotype is an artefact "
        "of candidate order).",
    )
    stable_epochs: int | None = Field(
        None,
        ge=1,
        description="DARTS+: stop early once no choice's leading candidate has changed for "
        "this many epochs (default: off).",
    )
    collapse_threshold: float = Field(
        0.0, ge=0, description="Stop early when z_std·√d falls below this (0: off)."
    )
    top_k: int = Field(3, ge=0, description="Also write the k best genotypes.")
    rank_weight: float = Field(
        0.0,
        ge=0,
        description="Label-free term in the architecture loss: reward the effective rank of "
        "the projector's held-out embeddings (0: off; first-order bilevel steps only).",
    )

    @field_validator("sampler")
    @classmethod
    def _registered(cls, name: str) -> str:
        from nasiam_dsl.run.known_names import name_problem

        problem = name_problem(("search", "sampler"), name)  # torch-free
        if problem is not None:
            raise ValueError(problem)
        return name


#: how many times the kNN monitor reads a run by default (`RunConfig.knn_every`)
MONITOR_READINGS = 20


class RunConfig(BaseModel):
    """Everything needed to repeat a run."""

    model_config = ConfigDict(extra="forbid")

    command: Literal["search", "train"] = Field("search", json_schema_extra={"cli": False})
    spec: str = Field(
        description="the space (search) or genotype (train) file", json_schema_extra={"cli": False}
    )
    framework: str = Field(
        "simsiam",
        description="Registry name or `module:Class` of a user framework.",
        json_schema_extra={"names": "frameworks"},
    )
    framework_options: dict[str, Any] = Field(
        default_factory=dict, description="The framework's options, as a JSON object."
    )
    backbone: str = Field(
        "small_cnn",
        description="Registry name or `module:Class` of a user backbone.",
        json_schema_extra={"names": "backbones"},
    )
    backbone_options: dict[str, Any] = Field(
        default_factory=dict, description="The backbone's options, as a JSON object."
    )
    data: DataConfig = DataConfig()
    augmentation: AugmentationOptions = AugmentationOptions()
    optim: OptimConfig = OptimConfig()
    engine: EngineConfig = EngineConfig()
    search: SearchOptions = SearchOptions()
    epochs: int = Field(3, gt=0, description="Epochs of the run.")
    batch_size: int = Field(128, gt=0, description="Images per step, over every rank.")
    train_portion: float = Field(
        0.5,
        gt=0,
        lt=1,
        description="Share of the training set for weight steps; the rest moves the architecture.",
        json_schema_extra=SEARCH_ONLY,
    )
    steps_per_epoch: int | None = Field(
        None, gt=0, description="Cap the steps of an epoch (quick runs)."
    )
    seed: int = Field(0, description="Seed of weights, data order and augmentations.")
    deterministic: bool = Field(False, description="Deterministic torch algorithms.")
    device: str = Field("auto", description="cpu, cuda, cuda:1 or auto.")
    precision: Literal["auto", "bf16", "fp16", "fp32"] = Field(
        "auto",
        description="Numeric precision of the forward: auto is bf16 on a GPU that has it, "
        "else fp16 with loss scaling on CUDA, fp32 on the CPU.",
    )
    amp: bool = Field(
        True,
        description="Same as --precision fp32 (kept for existing scripts): turns auto into fp32.",
        json_schema_extra={"flag": "no-amp", "sets": False},
    )
    sync_bn: bool | None = Field(
        None,
        description="Synchronise BatchNorm statistics across processes; default: on under "
        "DDP for every framework but mocov2 (shuffle-BN), off on one process.",
    )
    recipe: Literal["none", "cifar", "imagenet"] = Field(
        "none",
        description="Fill the optimiser, lr, weight decay, batch size, epochs, warm-up and "
        "framework options the --config file and flags leave unset from the framework's "
        "published recipe (docs/scale.md).",
    )
    channels_last: bool = Field(
        True,
        description="Keep images in the default memory format on CUDA (no channels-last).",
        json_schema_extra={"flag": "no-channels-last", "sets": False},
    )
    knn: bool = Field(
        True,
        description="Skip the kNN monitor entirely (no kNN, RankMe or random-init reading): "
        "for smoke runs, where its pass over the data costs more than the steps.",
        json_schema_extra={"flag": "no-knn", "sets": False},
    )
    knn_every: int | None = Field(
        None,
        ge=0,
        description="kNN monitor (and RankMe) every N epochs, and after the last; 0: only "
        "after the last. Default: about 20 readings over the run (every epoch up to 20 "
        "epochs), a curve at a bounded cost.",
    )

    def monitor_every(self) -> int:
        """Epochs between two monitor readings (0: only after the last epoch)."""
        if self.knn_every is not None:
            return self.knn_every
        return max(1, round(self.epochs / MONITOR_READINGS))

    knn_k: int = Field(KNN_K, gt=0, description="Neighbours of the kNN monitor.")
    knn_random_init: bool = Field(
        True,
        description="Skip the kNN monitor's reading of the backbone at random init, before the "
        "first step (the floor `nasiam show` draws under the kNN curve).",
        json_schema_extra={"flag": "no-knn-random-init", "sets": False},
    )
    tensorboard: bool = Field(
        False, description="Also log metrics and architecture probabilities to TensorBoard."
    )
    wandb: bool = Field(
        False,
        description="Also log metrics to Weights & Biases (WANDB_MODE=offline logs without "
        "network; `wandb sync` uploads later).",
    )
    wandb_project: str | None = Field(
        None, description="The W&B project (default: nasiam); the run is named after its folder."
    )
    out: str = Field("runs", description="Parent of run dirs.")
    name: str | None = Field(None, description="Run directory name.")

    @model_validator(mode="before")
    @classmethod
    def _fill_recipe(cls, data: Any) -> Any:
        """The recipe layer of the merge: defaults < recipe < TOML < flags. `data` holds only
        what a TOML file, flags or the API gave, so the recipe fills every key it lacks."""
        if not isinstance(data, dict) or data.get("recipe", "none") == "none":
            return data
        from nasiam_dsl.frameworks.recipes import apply_recipe

        framework = data.get("framework", cls.model_fields["framework"].default)
        return apply_recipe(data, framework)

    @model_validator(mode="after")
    def _no_amp_is_fp32(self) -> RunConfig:
        """`--no-amp` (older scripts) turns the automatic precision into fp32; an explicit
        `--precision` wins."""
        if not self.amp and self.precision == "auto":
            self.precision = "fp32"
        return self

    @model_validator(mode="after")
    def _check(self) -> RunConfig:
        if self.engine.order == "second" and self.engine.mode == "one_level":
            raise ValueError("second-order gradients need the bilevel mode")
        if self.search.rank_weight and (
            self.engine.order == "second" or self.engine.mode == "one_level"
        ):
            raise ValueError(
                "--rank-weight acts on first-order bilevel architecture steps only (one-level "
                "steps would train the weights on it too)"
            )
        return self
