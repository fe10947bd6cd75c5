"""Run configurations: every option of `nasiam search` and `nasiam train`, validated.

A config is a pydantic model: the CLI builds one from flags (and, later, a TOML file),
the run directory stores it resolved as JSON, and resume reads it back.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nasiam_dsl.search.engine import EngineConfig


class DataConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: str = "embedded"
    data_dir: str | None = None
    download: bool = False
    augment: Literal["batched", "per-sample"] = "batched"
    workers: int = Field(0, ge=0)
    limit: int | None = Field(None, gt=0, description="use only the first N training images")


class OptimConfig(BaseModel):
    """Weight optimiser: SGD + cosine (the CIFAR recipes), lr scaled by batch/256."""

    model_config = ConfigDict(extra="forbid")

    optimizer: Literal["sgd", "adamw"] = "sgd"
    lr: float = Field(0.06, gt=0, description="base lr, scaled by batch_size/256 for SGD")
    momentum: float = Field(0.9, ge=0, lt=1)
    weight_decay: float = Field(5e-4, ge=0)
    warmup_epochs: int = Field(0, ge=0)


class SearchOptions(BaseModel):
    """Anti-collapse parts; see docs/search.md for why the defaults are what they are."""

    model_config = ConfigDict(extra="forbid")

    sampler: Literal["softmax", "gumbel", "dirichlet", "sigmoid"] = "softmax"
    temperature: float = Field(1.0, gt=0)
    beta_decay: float = Field(0.0, ge=0, description="β-DARTS weight (0: off)")
    param_free_l1: float = Field(0.0, ge=0, description="L1 on parameter-free ops (0: off)")
    zero_one: float = Field(0.0, ge=0, description="FairDARTS zero-one loss weight (0: off)")
    aux_skip: float = Field(0.0, ge=0, description="DARTS- auxiliary skip β0 (0: off)")
    partial_k: int = Field(1, ge=1, description="PC-DARTS: 1/K of the features searched")
    max_param_free: int | None = Field(
        None, ge=0, description="early stop: parameter-free ops per head in the derived genotype"
    )
    stop_min_epochs: int | None = Field(
        None,
        ge=1,
        description="no early stop before this epoch; default: epochs/5 rounded up, at most 10 "
        "(at init every choice ties and the derived genotype is an artefact of candidate order)",
    )
    collapse_threshold: float = Field(
        0.0, ge=0, description="early stop when z_std·√d is below this (0: off)"
    )
    top_k: int = Field(3, ge=0)


class RunConfig(BaseModel):
    """Everything needed to repeat a run."""

    model_config = ConfigDict(extra="forbid")

    command: Literal["search", "train"] = "search"
    spec: str = Field(description="the space (search) or genotype (train) file")
    framework: str = "simsiam"
    framework_options: dict[str, Any] = Field(default_factory=dict)
    backbone: str = "small_cnn"
    backbone_options: dict[str, Any] = Field(default_factory=dict)
    data: DataConfig = DataConfig()
    optim: OptimConfig = OptimConfig()
    engine: EngineConfig = EngineConfig()
    search: SearchOptions = SearchOptions()
    epochs: int = Field(3, gt=0)
    batch_size: int = Field(128, gt=0)
    train_portion: float = Field(0.5, gt=0, lt=1)
    steps_per_epoch: int | None = Field(None, gt=0, description="cap steps per epoch")
    seed: int = 0
    deterministic: bool = False
    device: str = "auto"
    amp: bool = True
    channels_last: bool = True
    knn_every: int = Field(0, ge=0, description="kNN monitor every N epochs (0: at the end)")
    knn_k: int = Field(200, gt=0)
    tensorboard: bool = Field(False, description="also log to TensorBoard (run_dir/tensorboard)")
    out: str = "runs"
    name: str | None = None

    @model_validator(mode="after")
    def _check(self) -> RunConfig:
        if self.engine.order == "second" and self.engine.mode == "one_level":
            raise ValueError("second-order gradients need the bilevel mode")
        return self
