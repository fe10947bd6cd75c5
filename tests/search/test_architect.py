"""Architecture gradients: first order and the DARTS unrolled (second order) gradient."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

from nasiam_dsl.search.architect import first_order_arch_grads, second_order_arch_grads

DTYPE = torch.float64


class Quadratic:
    """L_train = ½ wᵀAw − wᵀBα + ½ αᵀα,  L_val = ½ ‖w − c‖² + wᵀCα + dᵀα.

    Quadratic in w with a bilinear coupling, so ∇α L_train is linear in w and the central
    finite difference of DARTS is exact; the unrolled gradient has a closed form.
    """

    def __init__(self, n: int = 4, m: int = 3) -> None:
        g = torch.Generator().manual_seed(0)
        q = torch.randn(n, n, generator=g, dtype=DTYPE)
        self.A = q @ q.T + n * torch.eye(n, dtype=DTYPE)
        self.B = torch.randn(n, m, generator=g, dtype=DTYPE)
        self.C = torch.randn(n, m, generator=g, dtype=DTYPE)
        self.c = torch.randn(n, generator=g, dtype=DTYPE)
        self.d = torch.randn(m, generator=g, dtype=DTYPE)
        self.w = torch.nn.Parameter(torch.randn(n, generator=g, dtype=DTYPE))
        self.alpha = torch.nn.Parameter(torch.randn(m, generator=g, dtype=DTYPE))

    def train_loss(self) -> Tensor:
        w, a = self.w, self.alpha
        return 0.5 * w @ self.A @ w - w @ self.B @ a + 0.5 * a @ a

    def val_loss(self) -> Tensor:
        w, a = self.w, self.alpha
        return 0.5 * (w - self.c) @ (w - self.c) + w @ self.C @ a + self.d @ a

    def closed_form(self, xi: float) -> Tensor:
        w, a = self.w.detach(), self.alpha.detach()
        w1 = w - xi * (self.A @ w - self.B @ a)  # w' = w − ξ ∇w L_train
        grad_w_val = (w1 - self.c) + self.C @ a  # ∇w L_val(w', α)
        grad_a_val = self.C.T @ w1 + self.d  # ∂α L_val(w', α)
        return grad_a_val + xi * self.B.T @ grad_w_val  # dw'/dα = ξB


# -- first order ------------------------------------------------------------------------
def test_first_order_equals_plain_gradient_and_leaves_weights_alone() -> None:
    problem = Quadratic()
    problem.w.grad = torch.full_like(problem.w, 7.0)  # stale weight grad must survive
    loss = first_order_arch_grads(problem.val_loss, [problem.alpha])

    w, a = problem.w.detach(), problem.alpha.detach()
    expected = problem.C.T @ w + problem.d
    torch.testing.assert_close(problem.alpha.grad, expected)
    assert torch.equal(problem.w.grad, torch.full_like(problem.w, 7.0))
    assert loss.item() == pytest.approx(problem.val_loss().item())
    assert loss.grad_fn is None
    assert a.equal(problem.alpha.detach())  # grads only, no update


def test_first_order_accumulates_and_skips_unused_params() -> None:
    problem = Quadratic()
    unused = torch.nn.Parameter(torch.zeros(2, dtype=DTYPE))
    problem.alpha.grad = torch.ones_like(problem.alpha)
    first_order_arch_grads(problem.val_loss, [problem.alpha, unused])
    expected = problem.C.T @ problem.w.detach() + problem.d + 1
    torch.testing.assert_close(problem.alpha.grad, expected)
    assert unused.grad is None


def test_loss_closure_must_be_scalar() -> None:
    problem = Quadratic()
    with pytest.raises(ValueError, match="scalar"):
        first_order_arch_grads(lambda: problem.w * 2, [problem.alpha])


# -- second order -----------------------------------------------------------------------
@pytest.mark.parametrize("xi", [0.01, 0.1])
def test_second_order_matches_closed_form_on_quadratic(xi: float) -> None:
    problem = Quadratic()
    expected = problem.closed_form(xi)
    second_order_arch_grads(
        problem.train_loss, problem.val_loss, [problem.w], [problem.alpha], xi=xi
    )
    torch.testing.assert_close(problem.alpha.grad, expected, rtol=1e-7, atol=1e-9)
    # and it really differs from first order here
    first = Quadratic()
    first_order_arch_grads(first.val_loss, [first.alpha])
    assert not torch.allclose(first.alpha.grad, expected)


def test_second_order_matches_exact_unrolled_gradient_on_nonlinear_problem() -> None:
    g = torch.Generator().manual_seed(1)
    w1 = torch.nn.Parameter(torch.randn(5, 3, generator=g, dtype=DTYPE))
    w2 = torch.nn.Parameter(torch.randn(3, generator=g, dtype=DTYPE))
    alpha = torch.nn.Parameter(torch.randn(3, generator=g, dtype=DTYPE))
    x_train, x_val = (torch.randn(8, 5, generator=g, dtype=DTYPE) for _ in range(2))

    def loss(x: Tensor, a: Tensor, v1: Tensor, v2: Tensor) -> Tensor:
        hidden = torch.tanh(x @ v1) * torch.softmax(a, -1)
        return ((hidden @ v2 - 0.5) ** 2).mean() + 0.1 * (a.sin() * v2).sum()

    xi = 0.05
    # exact d/dα L_val(w − ξ ∇w L_train(w, α), α) by differentiating through the step
    a = alpha.detach().clone().requires_grad_(True)
    v1, v2 = w1.detach().clone().requires_grad_(True), w2.detach().clone().requires_grad_(True)
    g1, g2 = torch.autograd.grad(loss(x_train, a, v1, v2), [v1, v2], create_graph=True)
    (exact,) = torch.autograd.grad(loss(x_val, a, v1 - xi * g1, v2 - xi * g2), [a])

    second_order_arch_grads(
        lambda: loss(x_train, alpha, w1, w2),
        lambda: loss(x_val, alpha, w1, w2),
        [w1, w2],
        [alpha],
        xi=xi,
    )
    torch.testing.assert_close(alpha.grad, exact, rtol=1e-5, atol=1e-7)


def test_second_order_restores_weights_exactly_and_never_touches_weight_grads() -> None:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.Linear(6, 2))
    alpha = torch.nn.Parameter(torch.randn(6))
    x_train, x_val = torch.randn(16, 4), torch.randn(16, 4)

    def loss(x: Tensor) -> Tensor:
        hidden = net[1](net[0](x)) * torch.sigmoid(alpha)
        return net[2](hidden).pow(2).mean()

    weights = list(net.parameters())
    weights[0].grad = torch.full_like(weights[0], 3.0)
    before = [w.detach().clone() for w in weights]
    buffers = [net[1].running_mean, net[1].running_var]
    buffers_before = [b.clone() for b in buffers]

    val = second_order_arch_grads(
        lambda: loss(x_train), lambda: loss(x_val), weights, [alpha], xi=0.5, buffers=buffers
    )
    assert all(torch.equal(w, b) for w, b in zip(weights, before, strict=True))
    assert all(torch.equal(b, s) for b, s in zip(buffers, buffers_before, strict=True))
    assert torch.equal(weights[0].grad, torch.full_like(weights[0], 3.0))
    assert all(w.grad is None for w in weights[1:])
    assert alpha.grad is not None and torch.isfinite(alpha.grad).all()
    assert val.grad_fn is None


def test_second_order_restores_weights_when_a_closure_fails() -> None:
    problem = Quadratic()
    before = problem.w.detach().clone()
    calls = {"n": 0}

    def failing_train_loss() -> Tensor:
        calls["n"] += 1
        if calls["n"] == 2:  # fails while the weights are perturbed to w+
            raise RuntimeError("boom")
        return problem.train_loss()

    with pytest.raises(RuntimeError, match="boom"):
        second_order_arch_grads(
            failing_train_loss, problem.val_loss, [problem.w], [problem.alpha], xi=0.1
        )
    assert torch.equal(problem.w.detach(), before)
    assert problem.alpha.grad is None


def test_second_order_with_zero_xi_is_first_order() -> None:
    a, b = Quadratic(), Quadratic()
    second_order_arch_grads(a.train_loss, a.val_loss, [a.w], [a.alpha], xi=0.0)
    first_order_arch_grads(b.val_loss, [b.alpha])
    torch.testing.assert_close(a.alpha.grad, b.alpha.grad)


def test_second_order_argument_checks() -> None:
    problem = Quadratic()
    with pytest.raises(ValueError, match="xi"):
        second_order_arch_grads(
            problem.train_loss, problem.val_loss, [problem.w], [problem.alpha], xi=-1.0
        )
    with pytest.raises(ValueError, match="eps_scale"):
        second_order_arch_grads(
            problem.train_loss,
            problem.val_loss,
            [problem.w],
            [problem.alpha],
            xi=0.1,
            eps_scale=0.0,
        )
