"""Architecture gradients for bilevel DARTS, generic over loss closures.

The engine hands in closures that run a fresh forward pass and return a scalar loss with the
parameters' *current* values (``train_loss`` on the weight split, ``val_loss`` on the
architecture split), plus the weight and architecture parameter lists. Gradients are taken
with ``torch.autograd.grad`` w.r.t. the tensors that need them, so weight ``.grad`` fields are
never touched; architecture gradients are *added* to ``.grad`` like ``backward()`` (zero them
first, e.g. with the architecture optimiser's ``zero_grad``). An architecture parameter the
loss does not use keeps its ``.grad`` as it was (``None`` stays ``None``).

* ``first_order_arch_grads`` — DARTS first order (what the NASiam seed runs): ∇α L_val(w, α).
* ``second_order_arch_grads`` — DARTS second order (Liu et al., ICLR'19, eq. 7-8): the
  gradient of L_val(w − ξ ∇w L_train(w, α), α). Its Hessian-vector product ∇α∇w L_train · v
  is exact by default: the gradient of ∇w L_train(w, α) · v with respect to α, a double
  backward through the weight gradient. DARTS approximates it by central finite differences
  of ∇α L_train at w ± εv, ε = 0.01 / ‖v‖ (``hessian="finite_difference"``), which steps
  across the kinks of ReLU (a unit whose input lies within ε of 0 switches between the two
  evaluations) and is then off by tens of percent; on smooth heads both agree to ~1e-4.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor

from nasiam_dsl.search.virtual_step import VirtualStep

__all__ = ["HESSIANS", "first_order_arch_grads", "second_order_arch_grads"]

LossClosure = Callable[[], Tensor]
HESSIANS = ("exact", "finite_difference")


def _grads(loss: Tensor, params: Sequence[Tensor]) -> list[Tensor | None]:
    """Gradients of ``loss`` w.r.t. ``params`` (``None`` where unused); no ``.grad`` touched."""
    return list(torch.autograd.grad(loss, list(params), allow_unused=True))


def _accumulate(params: Sequence[Tensor], grads: Sequence[Tensor | None]) -> None:
    for param, grad in zip(params, grads, strict=True):
        if grad is None:
            continue
        if param.grad is None:
            param.grad = grad.detach().clone()
        else:
            param.grad.add_(grad.detach())


def _check_scalar(loss: Tensor, name: str) -> Tensor:
    if not isinstance(loss, Tensor) or loss.dim() != 0:
        raise ValueError(f"{name} must return a scalar tensor")
    return loss


def first_order_arch_grads(val_loss: LossClosure, arch_params: Sequence[Tensor]) -> Tensor:
    """DARTS first order: add ∇α L_val(w, α) to the architecture parameters' ``.grad``.

    Returns the (detached) validation loss.
    """
    arch_params = list(arch_params)
    loss = _check_scalar(val_loss(), "val_loss")
    _accumulate(arch_params, _grads(loss, arch_params))
    return loss.detach()


@torch.no_grad()
def _assign(params: Sequence[Tensor], values: Sequence[Tensor]) -> None:
    for param, value in zip(params, values, strict=True):
        param.copy_(value)


def second_order_arch_grads(
    train_loss: LossClosure,
    val_loss: LossClosure,
    weight_params: Sequence[Tensor],
    arch_params: Sequence[Tensor],
    xi: float = 0.0,
    eps_scale: float = 0.01,
    buffers: Sequence[Tensor] = (),
    rules: Sequence[VirtualStep] | None = None,
    hessian: str = "exact",
) -> Tensor:
    """DARTS second order (unrolled) architecture gradient, added to ``.grad`` of ``arch_params``.

    With a virtual weight step w' = w − ξ (s ⊙ ∇w L_train(w, α) + o) (``rules``: one
    `VirtualStep` per weight, from the weight optimiser's own rule, see `virtual_step`; without
    ``rules``, plain SGD at ``xi``: s = 1, o = 0) and v = ξ s ⊙ ∇w' L_val(w', α):

        g = ∇α L_val(w', α) − ∇α [∇w L_train(w, α) · v]                      (``"exact"``)
        g ≈ ∇α L_val(w', α) − [∇α L_train(w⁺, α) − ∇α L_train(w⁻, α)] / (2ε)
                                                                    (``"finite_difference"``)

    with w± = w ± ε v and ε = ``eps_scale`` / ‖v‖ (DARTS: ε = 0.01 / ‖∇w' L_val‖ with ξ folded
    in, the same thing for plain SGD). ``xi = 0`` reduces to first order.

    The weights are modified in place during the computation and restored exactly (copied
    back, bit for bit) afterwards, also on error; weight ``.grad`` fields are never touched.
    The closures run three (exact) or four forward passes: tensors in ``buffers`` (e.g.
    BatchNorm running statistics) are snapshotted and restored too. Stochastic relaxations
    must replay one architecture draw in every closure call (the Hessian term is of the same
    architecture). Returns the detached L_val(w', α).
    """
    if hessian not in HESSIANS:
        raise ValueError(f"hessian must be one of {HESSIANS}, got {hessian!r}")
    weight_params, arch_params, buffers = list(weight_params), list(arch_params), list(buffers)
    if xi < 0:
        raise ValueError(f"xi must be non-negative, got {xi}")
    if eps_scale <= 0:
        raise ValueError(f"eps_scale must be positive, got {eps_scale}")
    if rules is None:
        rules = [VirtualStep(float(xi), 1.0, None) for _ in weight_params]
    rules = list(rules)
    if len(rules) != len(weight_params):
        raise ValueError("one virtual step rule per weight is needed")

    originals = [w.detach().clone() for w in weight_params]
    saved_buffers = [b.detach().clone() for b in buffers]
    try:
        # virtual step: w' = w - xi * (scale * grad_w L_train(w, alpha) + offset)
        weight_grads = _grads(_check_scalar(train_loss(), "train_loss"), weight_params)
        with torch.no_grad():
            for weight, grad, rule in zip(weight_params, weight_grads, rules, strict=True):
                rule.apply_(weight, torch.zeros_like(weight) if grad is None else grad)

        # gradients of the validation loss at w'
        loss = _check_scalar(val_loss(), "val_loss")
        grads = _grads(loss, arch_params + weight_params)
        arch_grads, val_grads = grads[: len(arch_params)], grads[len(arch_params) :]
        direction = [
            torch.zeros_like(w) if d is None else rule.direction(d)
            for w, d, rule in zip(weight_params, val_grads, rules, strict=True)
        ]
        norm = torch.sqrt(sum((d.double() ** 2).sum() for d in direction)) if direction else 0.0

        if float(norm) > 0 and hessian == "exact":
            _assign(weight_params, originals)
            hessian_terms = _hessian_vector(train_loss, weight_params, arch_params, direction)
            for i, term in enumerate(hessian_terms):
                if term is not None:
                    base = arch_grads[i]
                    arch_grads[i] = -term if base is None else base - term
        elif float(norm) > 0:
            eps = eps_scale / float(norm)
            # grad_alpha L_train at w+ and w-, perturbed around the *original* weights
            _assign(weight_params, [w + eps * d for w, d in zip(originals, direction, strict=True)])
            plus = _grads(_check_scalar(train_loss(), "train_loss"), arch_params)
            _assign(weight_params, [w - eps * d for w, d in zip(originals, direction, strict=True)])
            minus = _grads(_check_scalar(train_loss(), "train_loss"), arch_params)
            for i, (p, m) in enumerate(zip(plus, minus, strict=True)):
                if p is None and m is None:
                    continue
                p = torch.zeros_like(arch_params[i]) if p is None else p
                m = torch.zeros_like(arch_params[i]) if m is None else m
                hessian_term = (p - m) / (2 * eps)
                base = arch_grads[i]
                arch_grads[i] = -hessian_term if base is None else base - hessian_term
    finally:
        _assign(weight_params, originals)
        _assign(buffers, saved_buffers)

    _accumulate(arch_params, arch_grads)
    return loss.detach()


def _hessian_vector(
    train_loss: LossClosure,
    weight_params: list[Tensor],
    arch_params: list[Tensor],
    direction: list[Tensor],
) -> list[Tensor | None]:
    """∇α [∇w L_train(w, α) · v], exactly: one forward, a backward that keeps its graph, and
    the backward of the dot product through it (weights at w)."""
    loss = _check_scalar(train_loss(), "train_loss")
    grads = torch.autograd.grad(loss, weight_params, create_graph=True, allow_unused=True)
    terms = [(g * d.detach()).sum() for g, d in zip(grads, direction, strict=True) if g is not None]
    dot = sum(terms) if terms else None
    if dot is None or not dot.requires_grad:  # the training gradient does not depend on α
        return [None] * len(arch_params)
    return list(torch.autograd.grad(dot, arch_params, allow_unused=True))
