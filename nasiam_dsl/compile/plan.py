"""The plan moved to `nasiam_dsl.lang.plan` (it is torch-free); kept here for its callers."""

from nasiam_dsl.lang.plan import (
    BACKBONE,
    ChoiceInfo,
    Choose,
    HeadPlan,
    Inputs,
    Linear,
    NodePlan,
    Op,
    Pipeline,
    Plan,
    Ref,
    SetChoice,
    Stage,
    plan_document,
)

__all__ = [
    "BACKBONE",
    "ChoiceInfo",
    "Choose",
    "HeadPlan",
    "Inputs",
    "Linear",
    "NodePlan",
    "Op",
    "Pipeline",
    "Plan",
    "Ref",
    "SetChoice",
    "Stage",
    "plan_document",
]
