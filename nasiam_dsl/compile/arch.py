"""Architecture parameters: one logit vector per decision, and the relaxation that mixes them.

`ArchParameters` is the single owner of every architecture logit of a supernet. Logits are
`nn.Parameter`s in nested containers named after the DSL keys, so `state_dict` reads
`arch.projector.h2.op` or `arch.shared.hidden_act`, they move with `.to(device)` and DDP keeps
them in sync. Mixed modules hold the object through an unregistered attribute, and
`__deepcopy__` returns `self`: a momentum (EMA) copy of a head shares the decisions of the
online head while copying only its weights.

The relaxation is pluggable: a `sampler` turns logits into mixing weights (`weights`) and into
deterministic scores for derivation and logs (`probabilities`). This module declares only the
`Sampler` protocol; the default is DARTS' softmax at temperature 1, the one `SoftmaxSampler` of
`nasiam_dsl.search.samplers`, beside the Gumbel, Dirichlet and sigmoid samplers.

Forward tricks: `hooks` (the `OpHooks` protocol) tells each op choice the weight of an
auxiliary skip and the share of features searched; `NO_HOOKS` (none) unless a search installs
its parts (`nasiam_dsl.search.tricks`).

Hard draws: a sampler may also offer `draw(alpha) -> (weights, index)`, where `index` is the
selected candidate of a weight vector that is one-hot in value (hard straight-through Gumbel,
GDAS), else None. Inside `step()` the index is read to the host once per decision and cached
with the weights (`Draw.hot`); pinned decisions know theirs without reading the device. The
mixed modules then compute only the selected candidates; `hot` is None for soft weights.

Init: 1e-3 * N(0, 1) per logit (DARTS), so that equal candidates are not tied at derivation;
`init="zeros"` gives uniform mixing weights.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Literal, NamedTuple, Protocol, runtime_checkable

import torch
from torch import Tensor, nn

from nasiam_dsl.compile.keys import module_key
from nasiam_dsl.search.samplers import SoftmaxSampler

__all__ = [
    "NO_HOOKS",
    "ArchParameters",
    "Draw",
    "HardSampler",
    "NoHooks",
    "OpHooks",
    "Sampler",
    "SoftmaxSampler",
]


@runtime_checkable
class Sampler(Protocol):
    """What a relaxation provides: mixing weights and deterministic probabilities."""

    normalised: bool

    def weights(self, alpha: Tensor) -> Tensor: ...

    def probabilities(self, alpha: Tensor) -> Tensor: ...


@runtime_checkable
class HardSampler(Protocol):
    """A sampler that says when its weights are a hard one-hot draw, and which candidate."""

    def draw(self, alpha: Tensor) -> tuple[Tensor, Tensor | None]: ...


class Draw(NamedTuple):
    """One decision's mixing weights for a forward pass.

    `hot`: the candidates selected when the weights are one-hot (k-hot for a pinned `inputs`
    choice) in value and this is known on the host, else None (soft weights: mix them all).
    """

    weights: Tensor
    hot: tuple[int, ...] | None = None


@runtime_checkable
class OpHooks(Protocol):
    """How a search changes an op choice's forward, read on every forward."""

    @property
    def skip_weight(self) -> float:
        """Weight beta of the auxiliary skip `beta * input` (0: none)."""
        ...

    @property
    def partial_k(self) -> int:
        """1/K of the features go through the choice, the rest bypass it (1: all)."""
        ...


class NoHooks:
    """No forward trick: no auxiliary skip, every feature searched."""

    skip_weight = 0.0
    partial_k = 1

    def __repr__(self) -> str:
        return "NoHooks()"


NO_HOOKS = NoHooks()


class _Scope(nn.Module):
    """A plain container: one level of a dotted key."""


Decision = tuple[int, ...]


class ArchParameters(nn.Module):
    """The architecture logits of a supernet, keyed by DSL choice keys.

    Args:
        choices: decision key -> number of candidates.
        kinds: decision key -> choice kind (`op`, `act`, `norm`, `width`, `inputs`).
        picks: decision key -> how many candidates an `inputs` choice keeps (default 1).
        sampler: the relaxation; DARTS softmax (temperature 1) when None.
        init: `"normal"` (1e-3 * N(0, 1), DARTS) or `"zeros"`.
        generator: RNG of the normal init (the global RNG when None).

    `hooks` (`OpHooks`, read by the mixed modules on every forward) holds the search's
    forward tricks; `NO_HOOKS` by default.
    """

    def __init__(
        self,
        choices: Mapping[str, int],
        *,
        kinds: Mapping[str, str] | None = None,
        picks: Mapping[str, int] | None = None,
        sampler: Sampler | None = None,
        init: Literal["normal", "zeros"] = "normal",
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        if init not in ("normal", "zeros"):
            raise ValueError(f"unknown init {init!r}: use 'normal' or 'zeros'")
        self.sampler: Sampler = sampler if sampler is not None else SoftmaxSampler()
        self.kinds: dict[str, str] = dict(kinds or {})
        self.picks: dict[str, int] = dict(picks or {})
        self.hooks: OpHooks = NO_HOOKS
        self._sizes: dict[str, int] = {}
        self._masks: dict[str, Tensor] = {}
        self._cache: dict[str, Draw] | None = None
        self._pinned: dict[str, Draw] | None = None
        self._paths: dict[str, tuple[str, ...]] = {}  # key -> registered names, scope by scope
        parts = [tuple(key.split(".")) for key in choices]
        scopes = {p[:i] for p in parts for i in range(1, len(p))}
        for key, n in choices.items():
            value = torch.zeros(n)
            if init == "normal":
                value = 1e-3 * torch.randn(n, generator=generator)
            self._register(key, nn.Parameter(value), escape=tuple(key.split(".")) in scopes)
            self._sizes[key] = n

    def _register(self, key: str, param: nn.Parameter, escape: bool) -> None:
        """Register `param` at the dotted `key`, one scope per part, each part escaped by
        `module_key` where it clashes with an attribute (a head called `train`); `escape`:
        the key is also a scope of another key (label `x` beside head `shared`, node `x`)."""
        *path, leaf = key.split(".")
        scope: nn.Module = self
        names = []
        for part in path:
            name = module_key(scope, part)
            names.append(name)
            child = scope._modules.get(name)
            if child is None:
                if name in scope._parameters:
                    raise ValueError(f"choice key {key!r} clashes with another key")
                child = _Scope()
                scope.add_module(name, child)
            scope = child
        name = module_key(scope, leaf, force=escape)
        if name in scope._modules or name in scope._parameters:
            raise ValueError(f"choice key {key!r} clashes with another key")
        scope.register_parameter(name, param)
        self._paths[key] = (*names, name)

    def __deepcopy__(self, memo: dict) -> ArchParameters:
        return self  # copies of heads share the architecture decisions

    # ---- access -----------------------------------------------------------------------
    def keys(self) -> list[str]:
        """Decision keys, in the document's choice order."""
        return list(self._sizes)

    def __contains__(self, key: object) -> bool:
        return key in self._sizes

    def __len__(self) -> int:
        return len(self._sizes)

    def num_candidates(self, key: str) -> int:
        return self._sizes[key]

    def alpha(self, key: str) -> nn.Parameter:
        """The logits of one decision."""
        if key not in self._sizes:
            raise KeyError(f"no open choice {key!r}; choices: {', '.join(self._sizes)}")
        *path, leaf = self._paths[key]
        scope: nn.Module = self
        for name in path:
            scope = scope._modules[name]  # type: ignore[assignment]
        return scope._parameters[leaf]  # type: ignore[return-value]

    def alphas(self) -> dict[str, nn.Parameter]:
        """Every decision's logits by key (what regularisers take)."""
        return {key: self.alpha(key) for key in self._sizes}

    # ---- weights ----------------------------------------------------------------------
    def weights(self, key: str) -> Tensor:
        """Mixing weights of one decision for this forward pass.

        Inside `with arch.step():` each key is sampled once and reused, so both views and
        the momentum branch of a step see the same architecture; outside, every call samples.
        """
        return self.draw(key).weights

    def draw(self, key: str) -> Draw:
        """The weights of one decision for this forward pass, with the selected candidates
        when the weights are a hard one-hot draw (inside `step()`) or pinned."""
        if self._pinned is not None and key in self._pinned:
            alpha = self.alpha(key)
            hot, chosen = self._pinned[key]
            return Draw(hot.to(device=alpha.device, dtype=alpha.dtype), chosen)
        if self._cache is not None:
            cached = self._cache.get(key)
            if cached is None:
                # The first user of a step may run without autograd (a momentum target
                # head under `no_grad`); the cached weights must still carry the graph, and
                # a stochastic sampler must still draw, for the online heads that reuse them.
                with torch.enable_grad():
                    cached = self._cache[key] = self._draw_once(self.alpha(key))
            return cached
        return Draw(self.sampler.weights(self.alpha(key)))

    def _draw_once(self, alpha: Tensor) -> Draw:
        """A step's draw; a hard draw's index is read to the host here, once per decision."""
        if not isinstance(self.sampler, HardSampler):
            return Draw(self.sampler.weights(alpha))
        weights, index = self.sampler.draw(alpha)
        if index is None:
            return Draw(weights)
        return Draw(weights, tuple(int(i) for i in index.reshape(-1).tolist()))

    @contextlib.contextmanager
    def step(self) -> Iterator[ArchParameters]:
        """Compute each decision's weights once for the enclosed forward passes (re-entrant)."""
        if self._cache is not None:
            yield self
            return
        self._cache = {}
        try:
            yield self
        finally:
            self._cache = None

    @contextlib.contextmanager
    def pinned(self, decisions: Mapping[str, int | Decision]) -> Iterator[ArchParameters]:
        """Force one-hot (k-hot for `inputs`) weights on the given decisions, e.g. to run
        one architecture of the supernet."""
        previous = self._pinned
        pins = dict(previous or {})
        for key, chosen in decisions.items():
            idx = (chosen,) if isinstance(chosen, int) else tuple(chosen)
            hot = torch.zeros(self.num_candidates(key))
            hot[list(idx)] = 1.0
            pins[key] = Draw(hot, tuple(sorted(set(idx))))
        self._pinned = pins
        try:
            yield self
        finally:
            self._pinned = previous

    @torch.no_grad()
    def probabilities(self) -> dict[str, Tensor]:
        """Deterministic per-candidate probabilities of every decision (detached)."""
        return {k: self.sampler.probabilities(a).detach() for k, a in self.alphas().items()}

    # ---- regulariser support ------------------------------------------------------------
    def set_param_free_mask(self, key: str, mask: Tensor) -> None:
        """Record which candidates of an op choice are parameter-free (done by the compiler)."""
        if mask.shape != (self.num_candidates(key),):
            raise ValueError(f"mask of {key!r} must have {self.num_candidates(key)} entries")
        self._masks[key] = mask.to(torch.bool)

    def param_free_masks(self) -> dict[str, Tensor]:
        """Op choice key -> bool mask of its parameter-free candidates (no linear layer:
        identity, zero, pools, even when a norm follows them as in the seed's `maxpool | bn`)."""
        return {k: m.clone() for k, m in self._masks.items()}

    def extra_repr(self) -> str:
        return f"decisions={len(self)}, sampler={self.sampler!r}"
