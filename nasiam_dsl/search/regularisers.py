"""Architecture regularisers: scalar penalties on the logits, added to the architecture loss.

Each regulariser is called as ``reg(alphas, progress)`` with ``alphas`` mapping a choice key to
its logits (last dim over candidates) and ``progress`` the fraction of the search done; it
returns ``weight_at(progress) * penalty(alphas)``, a scalar tensor on the alphas' device that
is differentiable w.r.t. the alphas. Regularisers know nothing of heads or frameworks.

Registry names (``get_regulariser(name, **options)``):

* ``beta_decay`` — β-DARTS (Ye et al., CVPR'22): mean over choices of ``logsumexp(alpha)``,
  weight ramped linearly from 0 to ``weight`` = 50 over the search.
* ``param_free_l1`` — the NASiam seed's disabled ``alpha_regularization``, made real: L1 (or
  L2) on the raw logits of parameter-free candidates, ``weight`` = 0.5 decayed linearly to 0
  over the first ``ratio`` = 0.25 of the search.
* ``zero_one`` — FairDARTS (Chu et al., ECCV'20) zero-one loss ``-mean((sigmoid(alpha) -
  0.5)^2)`` with constant ``weight`` = 10, pushing each sigmoid weight towards 0 or 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import torch
from torch import Tensor

from nasiam_dsl.search.parts import PartRegistry

__all__ = [
    "BetaDecay",
    "ParamFreeNorm",
    "Regulariser",
    "ZeroOneLoss",
    "available_regularisers",
    "get_regulariser",
    "register_regulariser",
]


def _check_progress(progress: float) -> float:
    progress = float(progress)
    if not 0.0 <= progress <= 1.0:  # also refuses NaN
        raise ValueError(f"progress must lie in [0, 1], got {progress}")
    return progress


def _values(alphas: Mapping[str, Tensor]) -> list[Tensor]:
    if not alphas:
        raise ValueError("no architecture parameters to regularise")
    return list(alphas.values())


class Regulariser:
    """Base: ``__call__ = weight_at(progress) * penalty(alphas)``."""

    def __init__(self, weight: float) -> None:
        if weight < 0:
            raise ValueError(f"weight must be non-negative, got {weight}")
        self.weight = float(weight)

    def weight_at(self, progress: float) -> float:
        """The coefficient at ``progress``; constant unless a subclass schedules it."""
        _check_progress(progress)
        return self.weight

    def penalty(self, alphas: Mapping[str, Tensor]) -> Tensor:
        """The unweighted penalty, a scalar tensor."""
        raise NotImplementedError

    def __call__(self, alphas: Mapping[str, Tensor], progress: float) -> Tensor:
        return self.weight_at(progress) * self.penalty(alphas)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(weight={self.weight})"


class BetaDecay(Regulariser):
    """β-DARTS Beta-Decay: ``mean_c logsumexp(alpha_c)``, weight ramped 0 → ``weight``.

    Penalising the log-partition function keeps the logits small and their softmax from
    saturating early (a smoothness argument in the paper). The reference code uses the
    coefficient ``50 * epoch / 100`` (``Sunshine-Ye/Beta-DARTS``, ``architect.py``), i.e. 0 → 50
    over a 100-epoch search — NASiam's search length — hence ``weight = 50`` reached at
    progress 1. (With 50-epoch searches the same formula ends near 25.) Rows of a 2-D logit
    tensor count as separate choices.
    """

    def __init__(self, weight: float = 50.0) -> None:
        super().__init__(weight)

    def weight_at(self, progress: float) -> float:
        return self.weight * _check_progress(progress)

    def penalty(self, alphas: Mapping[str, Tensor]) -> Tensor:
        per_choice = [torch.logsumexp(a, dim=-1).reshape(-1) for a in _values(alphas)]
        return torch.cat(per_choice).mean()


class ParamFreeNorm(Regulariser):
    """L1/L2 penalty on the raw logits of parameter-free candidates (NASiam seed, §2.4).

    ``masks[key]`` is a boolean tensor over the candidates of choice ``key`` (last dim),
    True for parameter-free candidates (identity, pooling, zero); choices without a mask are
    not penalised. Penalty: ``sum |alpha[mask]|`` (``norm="l1"``) or ``sum alpha[mask]^2``
    (``norm="l2"``), summed over choices as in the seed. Coefficient ``weight`` (seed
    ``--alphas_wd 0.5``) decayed linearly to 0 at ``ratio`` of the search (seed
    ``--reg_ratio 0.25``), zero afterwards: it holds parameter-free logits near 0 while the
    parametric candidates' weights are still untrained, then lets the search run free.
    """

    def __init__(
        self,
        masks: Mapping[str, Tensor],
        weight: float = 0.5,
        ratio: float = 0.25,
        norm: Literal["l1", "l2"] = "l1",
    ) -> None:
        super().__init__(weight)
        if not 0.0 < ratio <= 1.0:
            raise ValueError(f"ratio must lie in (0, 1], got {ratio}")
        if norm not in ("l1", "l2"):
            raise ValueError(f"unknown norm {norm!r}; available: l1, l2")
        self.masks = {key: torch.as_tensor(mask, dtype=torch.bool) for key, mask in masks.items()}
        self.ratio = float(ratio)
        self.norm = norm

    def weight_at(self, progress: float) -> float:
        return self.weight * max(0.0, 1.0 - _check_progress(progress) / self.ratio)

    def penalty(self, alphas: Mapping[str, Tensor]) -> Tensor:
        values = _values(alphas)
        unknown = sorted(set(self.masks) - set(alphas))
        if unknown:
            raise KeyError(f"masks name choices absent from the alphas: {', '.join(unknown)}")
        total = values[0].sum() * 0.0  # a zero on the right device, in the graph
        for key, mask in self.masks.items():
            alpha = alphas[key]
            if mask.shape[-1] != alpha.shape[-1]:
                raise ValueError(
                    f"mask for {key!r} covers {mask.shape[-1]} candidates, "
                    f"alpha has {alpha.shape[-1]}"
                )
            mask = mask.to(alpha.device)
            magnitude = alpha.abs() if self.norm == "l1" else alpha * alpha
            total = total + torch.where(mask, magnitude, torch.zeros_like(magnitude)).sum()
        return total

    def __repr__(self) -> str:
        return (
            f"ParamFreeNorm(weight={self.weight}, ratio={self.ratio}, norm={self.norm!r}, "
            f"choices={sorted(self.masks)})"
        )


class ZeroOneLoss(Regulariser):
    """FairDARTS zero-one loss ``-mean((sigmoid(alpha) - 0.5)^2)``, constant ``weight`` = 10.

    With sigmoid (non-exclusive) weights, pushing every weight away from 0.5 makes the supernet
    close to the thresholded discrete network. Reference: ``--aux_loss_weight 10.0`` and
    ``ConvSeparateLoss`` (``-mse_loss(sigmoid(alpha), 0.5)``) in ``xiaomi-automl/FairDARTS``;
    ``norm="l1"`` is its ``TriSeparateLoss`` variant ``-mean|sigmoid(alpha) - 0.5|``. The mean
    runs over every candidate of every choice.
    """

    def __init__(self, weight: float = 10.0, norm: Literal["l1", "l2"] = "l2") -> None:
        super().__init__(weight)
        if norm not in ("l1", "l2"):
            raise ValueError(f"unknown norm {norm!r}; available: l1, l2")
        self.norm = norm

    def penalty(self, alphas: Mapping[str, Tensor]) -> Tensor:
        gap = torch.cat([torch.sigmoid(a).reshape(-1) for a in _values(alphas)]) - 0.5
        return -(gap.abs() if self.norm == "l1" else gap * gap).mean()


_PARTS: PartRegistry[Regulariser] = PartRegistry(
    "regulariser",
    {
        "beta_decay": BetaDecay,
        "param_free_l1": ParamFreeNorm,
        "zero_one": ZeroOneLoss,
    },
)


def register_regulariser(name: str, factory: Callable[..., Regulariser]) -> None:
    """Add a regulariser under ``name``; refuses to overwrite an existing name."""
    _PARTS.register(name, factory)


def available_regularisers() -> list[str]:
    """Registered regulariser names, sorted."""
    return _PARTS.names()


def get_regulariser(name: str, **options: Any) -> Regulariser:
    """Build the regulariser registered as ``name`` (``param_free_l1`` needs ``masks=``)."""
    return _PARTS.build(name, **options)
