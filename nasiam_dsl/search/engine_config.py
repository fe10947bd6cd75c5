"""How the architecture is optimised: the engine's settings, without torch.

Each field's `description` is its help text and `json_schema_extra` says how the command
line spells it (`flag`, `sets`, `commands`): `run/options.py` turns these fields into the
options of `nasiam search`, so the field is the one declaration of the option.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SEARCH_ONLY = {"commands": ["search"]}


class EngineConfig(BaseModel):
    """How the architecture is optimised. Defaults: DARTS first order, Adam (0.5, 0.999)."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["bilevel", "one_level"] = Field(
        "bilevel",
        description="bilevel: architecture steps on held-out batches; one-level: the same "
        "batch and backward as the weights.",
        json_schema_extra=SEARCH_ONLY,
    )
    order: Literal["first", "second"] = Field(
        "first",
        description="DARTS unrolled architecture gradient.",
        json_schema_extra={"flag": "second-order", "sets": "second", **SEARCH_ONLY},
    )
    hessian: Literal["exact", "finite_difference"] = Field(
        "exact",
        description="2nd order Hessian-vector product: exact (double backward), or DARTS's "
        "central finite difference (approximate: steps across ReLU kinks).",
        json_schema_extra=SEARCH_ONLY,
    )
    arch_lr: float = Field(
        1e-3, gt=0, description="Adam lr of the architecture.", json_schema_extra=SEARCH_ONLY
    )
    arch_betas: tuple[float, float] = Field(
        (0.5, 0.999), description="Adam betas of the architecture.", json_schema_extra=SEARCH_ONLY
    )
    arch_weight_decay: float = Field(
        1e-3,
        ge=0,
        description="Adam weight decay of the architecture.",
        json_schema_extra=SEARCH_ONLY,
    )
    warmup_fraction: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="Fraction of the search with the architecture frozen.",
        json_schema_extra={"flag": "warmup", **SEARCH_ONLY},
    )
    grad_clip: float | None = Field(
        5.0,
        gt=0,
        description="Clip the weights' gradient norm ('none': no clipping).",
        json_schema_extra=SEARCH_ONLY,
    )
    unrolled_xi: float | None = Field(
        None,
        gt=0,
        description="2nd order virtual step size; default: each group's lr.",
        json_schema_extra=SEARCH_ONLY,
    )
