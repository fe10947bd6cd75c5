"""Parameter groups that keep biases and norm parameters out of weight decay.

The official BYOL, Barlow Twins, VICReg, MoCo v3 and SimCLR code decays only weight matrices
(and convolution kernels); biases and BatchNorm/LayerNorm scales and shifts, the 1-D
parameters, are neither decayed nor LARS-adapted. `exclude_bias_norm` applies that split to
any optimiser while keeping the groups a framework already defines (SimSiam's predictor with
its fixed lr stays a group of its own, split in two).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from torch import Tensor

from nasiam_dsl.optim.lars import is_bias_or_norm

__all__ = ["NO_DECAY_SUFFIX", "exclude_bias_norm"]

NO_DECAY_SUFFIX = "/no_decay"


def exclude_bias_norm(
    groups: Iterable[dict[str, Any]],
    weight_decay: float,
    no_decay_lr: float | None = None,
) -> list[dict[str, Any]]:
    """Split each group into its decayed part and its bias/norm part.

    The decayed part keeps every key of the group and gets `weight_decay`; the bias/norm part
    (named `<name>/no_decay`) keeps the keys too but gets `weight_decay = 0` and
    `lars_exclude = True`, and `lr = no_decay_lr` when given (Barlow Twins' bias lr). Order:
    each group's decayed part, then its bias/norm part, so the first group stays the main
    weights. Empty parts are dropped.
    """
    out: list[dict[str, Any]] = []
    for group in groups:
        params: list[Tensor] = list(group["params"])
        decayed = [p for p in params if not is_bias_or_norm(p)]
        excluded = [p for p in params if is_bias_or_norm(p)]
        name = group.get("name", f"group{len(out)}")
        if decayed:
            out.append({**group, "params": decayed, "weight_decay": weight_decay})
        if excluded:
            rest = {**group, "name": name + NO_DECAY_SUFFIX, "params": excluded}
            rest.update(weight_decay=0.0, lars_exclude=True)
            if no_decay_lr is not None:
                rest["lr"] = no_decay_lr
            out.append(rest)
    return out
