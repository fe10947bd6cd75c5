"""Architecture samplers: how a choice's logits become mixing weights.

A sampler turns the logits ``alpha`` of one choice (a tensor whose last dimension runs over
the candidates) into

* ``weights(alpha)``: the mixing weights the supernet uses in its forward pass, differentiable
  with respect to ``alpha``, same shape;
* ``probabilities(alpha)``: deterministic per-candidate scores used to derive and log the
  architecture (never sampled, never straight-through).

Samplers know nothing of heads, frameworks or the DSL: they operate on tensors. The engine
tells them how far the search is (``set_progress``, a fraction in [0, 1]) and whether they
are training (``train()`` / ``eval()``). Stochastic samplers draw only when training *and*
autograd is enabled; otherwise ``weights`` returns ``probabilities``, so evaluation and
derivation are deterministic. ``draw(alpha)`` returns the weights with, for a hard one-hot
draw, the index of the selected candidate (else None), so that the supernet can compute only
that candidate. Every draw uses the torch RNG — the global one, reproducible
under ``torch.manual_seed``, or an explicit ``torch.Generator`` passed as ``generator=``.

Registry names (``get_sampler(name, **options)``):

* ``softmax`` — DARTS (Liu et al., ICLR'19): ``softmax(alpha / temperature)``, temperature 1
  as in DARTS and the NASiam seed.
* ``gumbel`` — GDAS (Dong & Yang, CVPR'19): hard straight-through Gumbel-softmax, one-hot in
  the forward pass, soft gradients in the backward pass; tau annealed linearly from
  ``tau_max`` = 10 to ``tau_min`` = 0.1 over the search (GDAS / NASLib / confopt defaults).
* ``dirichlet`` — DrNAS (Chen et al., ICLR'21): weights ~ Dirichlet(elu(alpha) + 1) with
  pathwise (reparameterised) gradients; the Dirichlet mean when not sampling.
* ``sigmoid`` — FairDARTS (Chu et al., ECCV'20): independent ``sigmoid(alpha)`` per candidate,
  no exclusive competition; weights do not sum to 1 (``normalised = False``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from nasiam_dsl.search.parts import PartRegistry

__all__ = [
    "DirichletSampler",
    "GumbelSampler",
    "Sampler",
    "SigmoidSampler",
    "SoftmaxSampler",
    "available_samplers",
    "get_sampler",
    "register_sampler",
    "sampler_class",
    "unregister_sampler",
]


def _check_progress(progress: float) -> float:
    progress = float(progress)
    if not (0.0 <= progress <= 1.0) or math.isnan(progress):
        raise ValueError(f"progress must lie in [0, 1], got {progress}")
    return progress


_PARTS: PartRegistry[Sampler] = PartRegistry("sampler", {})
Factory = Callable[..., "Sampler"]


def register_sampler(name: str, factory: Factory | None = None) -> Any:
    """Add a sampler under ``name`` (a class decorator when ``factory`` is left out);
    refuses to overwrite an existing name."""
    if factory is None:

        def decorate(cls: Factory) -> Factory:
            _PARTS.register(name, cls)
            return cls

        return decorate
    _PARTS.register(name, factory)
    return factory


class Sampler:
    """Base class: deterministic by default, with progress, train/eval and state handling.

    Subclasses override ``probabilities`` and, when stochastic, ``sample``.
    """

    #: whether ``weights`` sum to 1 over the candidates
    normalised: bool = True
    #: whether ``weights`` draws a random sample while training
    stochastic: bool = False
    #: the run options (`--temperature`, ...) its constructor takes
    options: tuple[str, ...] = ()

    def __init__(self, generator: torch.Generator | None = None) -> None:
        self.generator = generator
        self.training = True
        self.progress = 0.0

    # -- mode and progress -------------------------------------------------------------
    def train(self, mode: bool = True) -> Sampler:
        """Set training mode (sampling allowed); returns ``self`` like ``nn.Module.train``."""
        self.training = bool(mode)
        return self

    def eval(self) -> Sampler:
        """Set evaluation mode: ``weights`` returns the deterministic ``probabilities``."""
        return self.train(False)

    def set_progress(self, progress: float) -> None:
        """Tell the sampler the fraction of the search done, in [0, 1]."""
        self.progress = _check_progress(progress)

    # -- weights -----------------------------------------------------------------------
    def probabilities(self, alpha: Tensor) -> Tensor:
        """Deterministic per-candidate scores over the last dim (for derivation and logs)."""
        raise NotImplementedError

    def sample(self, alpha: Tensor) -> Tensor:
        """A random, differentiable draw of mixing weights (stochastic samplers only)."""
        raise NotImplementedError

    def is_sampling(self) -> bool:
        """True when ``weights`` draws: a stochastic sampler, training, autograd enabled."""
        return self.stochastic and self.training and torch.is_grad_enabled()

    def weights(self, alpha: Tensor) -> Tensor:
        """Mixing weights over the last dim, differentiable w.r.t. ``alpha``, same shape."""
        if self.is_sampling():
            return self.sample(alpha)
        return self.probabilities(alpha)

    def draw(self, alpha: Tensor) -> tuple[Tensor, Tensor | None]:
        """``weights(alpha)`` and, when they are a hard one-hot draw, the selected index over
        the last dim (keepdim, on ``alpha``'s device); None for soft weights."""
        return self.weights(alpha), None

    def __call__(self, alpha: Tensor) -> Tensor:
        return self.weights(alpha)

    # -- state -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Plain-data state (progress, training flag, subclass values) for checkpoints."""
        return {"progress": self.progress, "training": self.training}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned."""
        self.set_progress(state["progress"])
        self.train(bool(state.get("training", True)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def extra_repr(self) -> str:
        return ""


@register_sampler("softmax")
class SoftmaxSampler(Sampler):
    """DARTS: ``softmax(alpha / temperature)``; deterministic, weights sum to 1.

    Reference setting: temperature 1 (DARTS, NASiam seed ``SearchCell.forward``).
    """

    options = ("temperature",)

    def __init__(self, temperature: float = 1.0, generator: torch.Generator | None = None) -> None:
        super().__init__(generator)
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.temperature = float(temperature)

    def probabilities(self, alpha: Tensor) -> Tensor:
        return F.softmax(alpha / self.temperature, dim=-1)

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "temperature": self.temperature}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.temperature = float(state["temperature"])

    def extra_repr(self) -> str:
        return f"temperature={self.temperature}"


@register_sampler("gumbel")
class GumbelSampler(Sampler):
    """GDAS: hard straight-through Gumbel-softmax with a linearly annealed temperature.

    While sampling, ``y = softmax((log_softmax(alpha) + g) / tau)`` with Gumbel noise ``g``;
    the forward value is the one-hot of ``argmax y`` (exactly), the gradient is that of ``y``.
    ``tau = tau_max - (tau_max - tau_min) * progress``; reference 10 → 0.1 (GDAS, NASLib and
    confopt defaults). ``probabilities`` is ``softmax(alpha)``, the categorical distribution
    the Gumbel-max draw samples from; set ``hard=False`` for the soft relaxation (SNAS-like).
    """

    stochastic = True

    def __init__(
        self,
        tau_max: float = 10.0,
        tau_min: float = 0.1,
        hard: bool = True,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(generator)
        if not 0 < tau_min <= tau_max:
            raise ValueError(f"need 0 < tau_min <= tau_max, got {tau_min}, {tau_max}")
        self.tau_max = float(tau_max)
        self.tau_min = float(tau_min)
        self.hard = bool(hard)

    @property
    def tau(self) -> float:
        """Current temperature, linear in progress from ``tau_max`` to ``tau_min``."""
        return self.tau_max - (self.tau_max - self.tau_min) * self.progress

    def probabilities(self, alpha: Tensor) -> Tensor:
        return F.softmax(alpha, dim=-1)

    def sample(self, alpha: Tensor) -> Tensor:
        return self._sample(alpha)[0]

    def draw(self, alpha: Tensor) -> tuple[Tensor, Tensor | None]:
        if not self.is_sampling():
            return self.probabilities(alpha), None
        return self._sample(alpha)

    def _sample(self, alpha: Tensor) -> tuple[Tensor, Tensor | None]:
        """The weights and, when ``hard``, the argmax index they are one-hot on."""
        exponential = torch.empty_like(alpha).exponential_(generator=self.generator)
        tiny = torch.finfo(alpha.dtype).tiny
        gumbel = -exponential.clamp_min(tiny).log()
        soft = F.softmax((F.log_softmax(alpha, dim=-1) + gumbel) / self.tau, dim=-1)
        if not self.hard:
            return soft, None
        index = soft.argmax(dim=-1, keepdim=True)
        one_hot = torch.zeros_like(soft).scatter_(-1, index, 1.0)
        # (soft - soft.detach()) is exactly 0 forward, so the forward value is exactly one-hot.
        return one_hot + (soft - soft.detach()), index

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "tau": self.tau,
            "tau_max": self.tau_max,
            "tau_min": self.tau_min,
            "hard": self.hard,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.tau_max = float(state["tau_max"])
        self.tau_min = float(state["tau_min"])
        self.hard = bool(state["hard"])
        super().load_state_dict(state)

    def extra_repr(self) -> str:
        return f"tau_max={self.tau_max}, tau_min={self.tau_min}, hard={self.hard}, tau={self.tau}"


@register_sampler("dirichlet")
class DirichletSampler(Sampler):
    """DrNAS: mixing weights drawn from Dirichlet(elu(alpha) + 1) with pathwise gradients.

    ``elu(alpha) + 1`` keeps the concentration positive (DrNAS ``F.elu(alpha) + 1``); the draw
    is ``Dirichlet(concentration).rsample()`` (implicit reparameterisation), or, with an
    explicit generator, the equivalent normalised Gamma draw. When not sampling, ``weights``
    and ``probabilities`` are the Dirichlet mean ``c / sum(c)``. DrNAS's KL/anchor regulariser
    (reg_scale 1e-3) and progressive partial channels are separate parts, not this sampler.
    """

    stochastic = True

    def concentration(self, alpha: Tensor) -> Tensor:
        return F.elu(alpha) + 1.0

    def probabilities(self, alpha: Tensor) -> Tensor:
        concentration = self.concentration(alpha)
        return concentration / concentration.sum(dim=-1, keepdim=True)

    def sample(self, alpha: Tensor) -> Tensor:
        concentration = self.concentration(alpha)
        if self.generator is None:
            return torch.distributions.Dirichlet(concentration).rsample()
        # Same distribution and pathwise gradient: Gamma(c, 1) draws normalised to the simplex.
        gamma = torch._standard_gamma(concentration, generator=self.generator)
        gamma = gamma.clamp_min(torch.finfo(gamma.dtype).tiny)
        return gamma / gamma.sum(dim=-1, keepdim=True)


@register_sampler("sigmoid")
class SigmoidSampler(Sampler):
    """FairDARTS: independent ``sigmoid(alpha)`` per candidate; weights need not sum to 1.

    Pair with the ``zero_one`` regulariser; FairDARTS derives by threshold (0.85 in its
    ``train_search.py``) rather than argmax, a choice left to the derivation step.
    """

    normalised = False

    def probabilities(self, alpha: Tensor) -> Tensor:
        return torch.sigmoid(alpha)


def available_samplers() -> list[str]:
    """Registered sampler names, sorted."""
    return _PARTS.names()


def unregister_sampler(name: str) -> None:
    """Remove a sampler registered from user code (unknown names are ignored)."""
    _PARTS.unregister(name)


def sampler_class(name: str) -> Any:
    """What is registered as ``name`` (a `Sampler` class for the built-in ones)."""
    return _PARTS.factory(name)


def get_sampler(name: str, **options: Any) -> Sampler:
    """Build the sampler registered as ``name`` with ``options`` (e.g. ``temperature=``)."""
    return _PARTS.build(name, **options)
