"""The virtual weight step of second-order DARTS, following the weight optimiser's own rule.

DARTS unrolls one step of the *weight optimiser*, not of plain SGD: its `_compute_unrolled_model`
uses the momentum buffer and the weight decay, `w' = w - lr * (mu * buf + g + wd * w)`. Here
every weight's virtual step is written as

    w' = w - xi * (scale * g + offset)

with `g = grad_w L_train(w, alpha)` and `xi`, `scale`, `offset` read from the optimiser's
current state and hyper-parameters and held constant (detached), so that
`d w' / d alpha = -xi * scale * d g / d alpha` and the unrolled gradient's Hessian term is the
Hessian-vector product with `xi * scale * grad_w' L_val`.

* SGD (momentum, dampening, weight decay, Nesterov): exactly PyTorch's next step.
* AdamW / Adam: the next step with the second-moment estimate taken from the current state
  (the current gradient's own contribution to it is left out, as that would make the
  preconditioner depend on alpha); bias corrections at the next step count. Without state yet
  (the first step), the preconditioner is 1: an SGD step at the optimiser's lr.
* Any other optimiser: plain SGD at each group's lr (documented, not guessed).

`xi` is each parameter group's current lr, or one value for every group when given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["VirtualStep", "virtual_step"]


@dataclass(frozen=True)
class VirtualStep:
    """Per weight: `w' = w - xi * (scale * g + offset)`; `scale` a float or a tensor."""

    xi: float
    scale: float | Tensor
    offset: Tensor | None

    def apply_(self, weight: Tensor, grad: Tensor) -> None:
        """Move `weight` in place to its virtual value."""
        update = grad * self.scale
        if self.offset is not None:
            update = update + self.offset
        weight.sub_(update, alpha=self.xi)

    def direction(self, grad: Tensor) -> Tensor:
        """`xi * scale * grad`: how w' moves per unit change of the training gradient."""
        return grad * (self.scale * self.xi)


def _sgd(weight: Tensor, group: dict, state: dict, xi: float) -> VirtualStep:
    momentum = group.get("momentum", 0.0)
    dampening = group.get("dampening", 0.0)
    decay = group.get("weight_decay", 0.0)
    nesterov = group.get("nesterov", False)
    buf = state.get("momentum_buffer")
    # d_p = g + decay * w; buf' = momentum * buf + (1 - dampening) * d_p (buf' = d_p at first)
    if not momentum:
        offset = decay * weight if decay else None
        return VirtualStep(xi, 1.0, offset)
    if buf is None:
        scale, offset = 1.0, (decay * weight if decay else None)  # buf' = d_p
        if nesterov:  # step = d_p + momentum * buf' = (1 + momentum) * d_p
            scale = 1.0 + momentum
            offset = None if offset is None else offset * scale
        return VirtualStep(xi, scale, offset)
    a = 1.0 - dampening
    base = momentum * buf + (a * decay * weight if decay else 0.0)  # buf' = a * g + base
    if nesterov:  # step = d_p + momentum * buf' = (1 + momentum * a) * g + ...
        offset = (decay * weight if decay else 0.0) + momentum * base
        return VirtualStep(xi, 1.0 + momentum * a, offset)
    return VirtualStep(xi, a, base)


def _adam(weight: Tensor, group: dict, state: dict, xi: float, decoupled: bool) -> VirtualStep:
    decay = group.get("weight_decay", 0.0)
    if "exp_avg" not in state:
        offset = decay * weight if decay else None
        return VirtualStep(xi, 1.0, offset)
    beta1, beta2 = group["betas"]
    eps = group["eps"]
    step = float(state["step"]) + 1.0
    m, v = state["exp_avg"], state["exp_avg_sq"]
    c1 = 1.0 - beta1**step
    denom = (beta2 * v / (1.0 - beta2**step)).sqrt() + eps
    # m' = beta1 * m + (1 - beta1) * g; step = m' / c1 / denom (+ decoupled decay * w)
    scale = (1.0 - beta1) / (c1 * denom)
    offset = beta1 * m / (c1 * denom)
    if decay:  # AdamW: decoupled; Adam: the decay enters the gradient
        offset = offset + (decay * weight if decoupled else scale * decay * weight)
    return VirtualStep(xi, scale, offset)


@torch.no_grad()
def virtual_step(
    optimizer: torch.optim.Optimizer, weights: Sequence[Tensor], xi: float | None = None
) -> list[VirtualStep]:
    """The virtual step rule of each weight in `weights` under `optimizer` (see module docs)."""
    group_of = {id(p): g for g in optimizer.param_groups for p in g["params"]}
    rules = []
    for w in weights:
        group = group_of.get(id(w))
        if group is None:
            raise ValueError("a searched head weight is not in the weight optimiser")
        lr = float(group["lr"]) if xi is None else float(xi)
        state = optimizer.state.get(w, {})
        if isinstance(optimizer, torch.optim.SGD):
            rules.append(_sgd(w, group, state, lr))
        elif isinstance(optimizer, (torch.optim.AdamW, torch.optim.Adam)):
            decoupled = isinstance(optimizer, torch.optim.AdamW) or group.get(
                "decoupled_weight_decay", False
            )
            rules.append(_adam(w, group, state, lr, bool(decoupled)))
        else:
            rules.append(VirtualStep(lr, 1.0, None))
    return rules
