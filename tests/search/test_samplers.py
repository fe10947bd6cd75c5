"""Samplers: relaxations of architecture logits (DARTS, GDAS, DrNAS, FairDARTS)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from nasiam_dsl.search.samplers import (
    DirichletSampler,
    GumbelSampler,
    Sampler,
    SigmoidSampler,
    SoftmaxSampler,
    available_samplers,
    get_sampler,
    register_sampler,
)

ALPHA = torch.tensor([0.3, -1.2, 2.0, 0.0, 0.7])


def _alpha() -> torch.Tensor:
    return ALPHA.clone().requires_grad_(True)


# -- registry ---------------------------------------------------------------------------
def test_registry_names_and_types() -> None:
    assert available_samplers() == ["dirichlet", "gumbel", "sigmoid", "softmax"]
    assert isinstance(get_sampler("softmax"), SoftmaxSampler)
    assert isinstance(get_sampler("gumbel", tau_max=5.0), GumbelSampler)
    assert isinstance(get_sampler("dirichlet"), DirichletSampler)
    assert isinstance(get_sampler("sigmoid"), SigmoidSampler)


def test_unknown_name_lists_available() -> None:
    with pytest.raises(ValueError, match="dirichlet, gumbel, sigmoid, softmax"):
        get_sampler("snas")


def test_register_refuses_duplicates() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_sampler("softmax", SoftmaxSampler)


@pytest.mark.parametrize("name", ["softmax", "gumbel", "dirichlet", "sigmoid"])
def test_shape_and_gradient_for_every_sampler(name: str) -> None:
    torch.manual_seed(0)
    sampler = get_sampler(name)
    alpha = torch.randn(3, 4, requires_grad=True)  # works over the last dim of any shape
    weights = sampler.weights(alpha)
    assert weights.shape == alpha.shape
    (weights * torch.arange(4.0)).sum().backward()
    assert alpha.grad is not None and alpha.grad.abs().sum() > 0
    if sampler.normalised:
        torch.testing.assert_close(weights.sum(-1), torch.ones(3))


@pytest.mark.parametrize("name", ["softmax", "gumbel", "dirichlet", "sigmoid"])
def test_progress_must_be_a_fraction(name: str) -> None:
    sampler = get_sampler(name)
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="progress"):
            sampler.set_progress(bad)


# -- softmax (DARTS) --------------------------------------------------------------------
def test_softmax_with_temperature() -> None:
    sampler = get_sampler("softmax", temperature=2.0)
    torch.testing.assert_close(sampler.weights(ALPHA), F.softmax(ALPHA / 2.0, dim=-1))
    torch.testing.assert_close(sampler.probabilities(ALPHA), F.softmax(ALPHA / 2.0, dim=-1))
    assert sampler.normalised and not sampler.stochastic
    with pytest.raises(ValueError):
        SoftmaxSampler(temperature=0.0)


def test_softmax_state_round_trip() -> None:
    sampler = SoftmaxSampler(temperature=0.5)
    sampler.set_progress(0.3)
    other = SoftmaxSampler()
    other.load_state_dict(sampler.state_dict())
    assert other.temperature == 0.5 and other.progress == 0.3


# -- gumbel (GDAS) ----------------------------------------------------------------------
def test_gumbel_temperature_is_linear_from_10_to_0_1() -> None:
    sampler = GumbelSampler()
    expected = {0.0: 10.0, 0.25: 7.525, 0.5: 5.05, 1.0: 0.1}
    for progress, tau in expected.items():
        sampler.set_progress(progress)
        assert sampler.tau == pytest.approx(tau)


def test_gumbel_forward_is_exactly_one_hot_with_soft_gradient() -> None:
    torch.manual_seed(1)
    sampler = GumbelSampler()
    sampler.set_progress(0.5)
    alpha = torch.randn(6, 5, requires_grad=True)
    weights = sampler.weights(alpha)
    # forward: exact one-hot rows
    assert set(weights.detach().unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(weights.detach().sum(-1), torch.ones(6))
    # backward: gradient of the soft sample, which reaches every candidate
    weights[:, 0].sum().backward()
    assert alpha.grad is not None
    assert (alpha.grad != 0).all()


def test_gumbel_straight_through_gradient_equals_soft_sample_gradient() -> None:
    sampler = GumbelSampler(tau_max=2.0, tau_min=2.0)
    upstream = torch.arange(5.0)
    alpha = _alpha()
    torch.manual_seed(7)
    (sampler.weights(alpha) * upstream).sum().backward()
    hard_grad = alpha.grad.clone()

    soft = GumbelSampler(tau_max=2.0, tau_min=2.0, hard=False)
    alpha2 = _alpha()
    torch.manual_seed(7)  # same Gumbel noise
    (soft.weights(alpha2) * upstream).sum().backward()
    torch.testing.assert_close(hard_grad, alpha2.grad)


def test_gumbel_samples_follow_softmax_frequencies() -> None:
    torch.manual_seed(0)
    sampler = GumbelSampler()
    alpha = torch.tensor([1.0, 0.0, -1.0]).expand(20000, 3)
    counts = sampler.weights(alpha).detach().sum(0) / 20000
    torch.testing.assert_close(counts, F.softmax(alpha[0], -1), atol=0.015, rtol=0)


def test_gumbel_reproducible_under_manual_seed_and_generator() -> None:
    sampler = GumbelSampler(hard=False)
    torch.manual_seed(3)
    first = sampler.weights(ALPHA)
    torch.manual_seed(3)
    assert torch.equal(first, sampler.weights(ALPHA))

    a = GumbelSampler(hard=False, generator=torch.Generator().manual_seed(11))
    b = GumbelSampler(hard=False, generator=torch.Generator().manual_seed(11))
    torch.manual_seed(0)
    wa = a.weights(ALPHA)
    torch.manual_seed(99)  # the global RNG does not matter with an explicit generator
    assert torch.equal(wa, b.weights(ALPHA))


def test_gumbel_deterministic_softmax_in_eval_and_no_grad() -> None:
    sampler = GumbelSampler()
    expected = F.softmax(ALPHA, dim=-1)
    torch.testing.assert_close(sampler.probabilities(ALPHA), expected)
    with torch.no_grad():
        torch.testing.assert_close(sampler.weights(ALPHA), expected)
    sampler.eval()
    assert not sampler.is_sampling()
    torch.testing.assert_close(sampler.weights(ALPHA), expected)
    assert sampler.train().is_sampling()


def test_gumbel_state_round_trip_restores_temperature() -> None:
    sampler = GumbelSampler(tau_max=5.0, tau_min=0.5)
    sampler.set_progress(0.4)
    sampler.eval()
    state = sampler.state_dict()
    assert state["tau"] == pytest.approx(3.2)
    restored = GumbelSampler()
    restored.load_state_dict(state)
    assert restored.tau == pytest.approx(3.2)
    assert restored.tau_min == 0.5 and restored.training is False


def test_gumbel_draw_names_the_hot_candidate_of_the_same_draw() -> None:
    a = GumbelSampler(generator=torch.Generator().manual_seed(4))
    b = GumbelSampler(generator=torch.Generator().manual_seed(4))
    alpha = torch.randn(3, 5, requires_grad=True)
    weights, index = a.draw(alpha)
    assert index is not None and index.shape == (3, 1)
    assert torch.equal(weights, b.weights(alpha))  # the same draw as `weights`
    assert torch.equal(index, weights.detach().argmax(-1, keepdim=True))
    assert torch.equal(weights.detach().gather(-1, index), torch.ones(3, 1))


@pytest.mark.parametrize("name", ["softmax", "dirichlet", "sigmoid"])
def test_soft_samplers_draw_their_weights_with_no_index(name: str) -> None:
    a = get_sampler(name, generator=torch.Generator().manual_seed(1))
    b = get_sampler(name, generator=torch.Generator().manual_seed(1))
    weights, index = a.draw(_alpha())
    assert index is None
    assert torch.equal(weights, b.weights(_alpha()))


def test_gumbel_draw_has_no_index_when_soft_or_not_sampling() -> None:
    soft = GumbelSampler(hard=False)
    assert soft.draw(_alpha())[1] is None
    hard = GumbelSampler()
    with torch.no_grad():
        weights, index = hard.draw(ALPHA)
    assert index is None
    torch.testing.assert_close(weights, F.softmax(ALPHA, dim=-1))
    assert hard.eval().draw(_alpha())[1] is None


# -- dirichlet (DrNAS) ------------------------------------------------------------------
def test_dirichlet_mean_when_not_sampling() -> None:
    sampler = DirichletSampler()
    concentration = F.elu(ALPHA) + 1
    mean = concentration / concentration.sum()
    torch.testing.assert_close(sampler.probabilities(ALPHA), mean)
    sampler.eval()
    torch.testing.assert_close(sampler.weights(ALPHA), mean)


def test_dirichlet_pathwise_gradients_flow() -> None:
    torch.manual_seed(0)
    sampler = DirichletSampler()
    alpha = _alpha()
    weights = sampler.weights(alpha)
    assert weights.grad_fn is not None
    assert (weights > 0).all()
    torch.testing.assert_close(weights.sum(), torch.tensor(1.0))
    weights[2].backward()
    assert alpha.grad is not None and torch.isfinite(alpha.grad).all()
    assert (alpha.grad != 0).all()


@pytest.mark.parametrize("use_generator", [False, True])
def test_dirichlet_sample_mean_and_gradient_of_expectation(use_generator: bool) -> None:
    # E[w_0] = c_0 / sum(c); its pathwise gradient estimate must match the exact gradient.
    generator = torch.Generator().manual_seed(5) if use_generator else None
    torch.manual_seed(5)
    sampler = DirichletSampler(generator=generator)
    alpha = torch.tensor([0.5, -0.3, 1.0], requires_grad=True)
    batch = alpha.expand(20000, 3)
    samples = sampler.weights(batch)
    samples[:, 0].mean().backward()

    exact_alpha = alpha.detach().clone().requires_grad_(True)
    exact_mean = DirichletSampler().probabilities(exact_alpha)
    exact_mean[0].backward()
    torch.testing.assert_close(samples.detach().mean(0), exact_mean.detach(), atol=0.01, rtol=0)
    torch.testing.assert_close(alpha.grad, exact_alpha.grad, atol=0.01, rtol=0)


def test_dirichlet_reproducible() -> None:
    sampler = DirichletSampler()
    torch.manual_seed(4)
    first = sampler.weights(ALPHA)
    torch.manual_seed(4)
    assert torch.equal(first, sampler.weights(ALPHA))
    a = DirichletSampler(generator=torch.Generator().manual_seed(2))
    b = DirichletSampler(generator=torch.Generator().manual_seed(2))
    assert torch.equal(a.weights(ALPHA), b.weights(ALPHA))


# -- sigmoid (FairDARTS) ----------------------------------------------------------------
def test_sigmoid_is_not_normalised() -> None:
    sampler = SigmoidSampler()
    assert sampler.normalised is False
    weights = sampler.weights(ALPHA)
    torch.testing.assert_close(weights, torch.sigmoid(ALPHA))
    assert weights.sum() != pytest.approx(1.0)


def test_base_sampler_is_abstract() -> None:
    with pytest.raises(NotImplementedError):
        Sampler().weights(ALPHA)
