"""Wires a framework, its views and the architecture into the engine's `SearchProblem`.

BatchNorm during the architecture step: the whole model runs in training mode (batch
statistics, as the weight step sees them), and no BatchNorm running statistic moves,
so the held-out half never moves the statistics that evaluation
and the derived network use. Momentum encoders and queues are untouched because
`Framework.head_loss` is pure and `on_step_end` runs after weight steps only.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm


@contextlib.contextmanager
def frozen_bn_stats(module: nn.Module) -> Iterator[None]:
    """Run `module` in its current mode without moving any BatchNorm running statistic.

    Momentum 0 makes the in-kernel update `running = 1·running + 0·batch` a no-op, so the
    statistics autograd saved stay valid for a backward after the context; the
    `num_batches_tracked` counters are put back on exit.
    """
    saved = []
    for m in module.modules():
        if isinstance(m, _BatchNorm) and m.track_running_stats and m.running_mean is not None:
            saved.append((m, m.momentum, m.num_batches_tracked.clone()))
            m.momentum = 0.0
    try:
        yield
    finally:
        with torch.no_grad():
            for m, momentum, count in saved:
                m.momentum = momentum
                m.num_batches_tracked.copy_(count)


def at_least_fp32(t: Tensor) -> Tensor:
    """`t` in fp32 when it is in a half precision (bf16, fp16); fp32 and fp64 as they are."""
    return t.float() if t.is_floating_point() and t.element_size() < 4 else t


def _in_fp32(enc: Any) -> Any:
    """The encoded views with every half-precision tensor in fp32 (fp64 stays fp64)."""
    changes = {
        f.name: at_least_fp32(getattr(enc, f.name))
        for f in dataclasses.fields(enc)
        if isinstance(getattr(enc, f.name), Tensor) and getattr(enc, f.name).is_floating_point()
    }
    return dataclasses.replace(enc, **changes)


@dataclasses.dataclass
class RandomState:
    """The random state a relaxation draws from: the global CPU generator, the device's
    generator when it is not the CPU, and the sampler's own generator when it has one."""

    cpu: Tensor
    device: torch.device
    device_state: Tensor | None
    generator: torch.Generator | None
    generator_state: Tensor | None

    @classmethod
    def capture(cls, device: torch.device, generator: torch.Generator | None) -> RandomState:
        device_state = None
        if device.type == "cuda":
            device_state = torch.cuda.get_rng_state(device)
        own = generator.get_state() if generator is not None else None
        return cls(torch.get_rng_state(), device, device_state, generator, own)

    def restore(self) -> None:
        torch.set_rng_state(self.cpu)
        if self.device_state is not None:
            torch.cuda.set_rng_state(self.device_state, self.device)
        if self.generator is not None and self.generator_state is not None:
            self.generator.set_state(self.generator_state)


class FrameworkProblem:
    """Loss closures over a framework whose heads may hold architecture choices."""

    def __init__(
        self,
        framework: nn.Module,
        views: Callable[[Any], tuple[Tensor, Tensor]],
        arch: Any | None,
        autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
        ddp: nn.Module | None = None,
    ) -> None:
        self.framework = framework
        self.views = views
        self.arch = arch
        self.autocast = autocast
        self.ddp = ddp
        self.last_out: Any = None
        self._replay: RandomState | None = None
        # a label-free term of the architecture loss (e.g. search.objectives.RankObjective)
        self.objective: Callable[[Tensor], Tensor] | None = None

    def _arch_step(self) -> contextlib.AbstractContextManager:
        return self.arch.step() if self.arch is not None else contextlib.nullcontext()

    def weight_loss(self, batch: Any):
        x1, x2 = self.views(batch)
        with self._arch_step(), self.autocast():
            model = self.ddp if self.ddp is not None else self.framework
            out = model(x1, x2)
        out.loss = out.loss.float()
        self.last_out = out
        return out

    def arch_loss(self, batch: Any):
        """The held-out loss for the architecture step, plus the `objective` term (if any) on
        the first head's embeddings of the first view; `out.logs` keep the SSL loss alone."""
        x1, x2 = self.views(batch)
        with frozen_bn_stats(self.framework), self._arch_step(), self.autocast():
            with torch.no_grad():
                enc = self.framework.encode(x1, x2)
            out = self.framework.head_loss(enc)
            z = None
            if self.objective is not None:
                z = self.framework.heads[self.framework.head_slots[0]](enc.f1)
        out.loss = out.loss.float()
        if z is not None:
            term = self.objective(z.float())
            out.loss = out.loss + term
            out.logs["objective"] = float(term.detach())
        return out

    def head_loss_closure(self, batch: Any) -> Callable[[], Tensor]:
        """The heads' loss on this batch's fixed backbone features, re-evaluated at the heads'
        current weights (second order). It runs in fp32 whatever the autocast: the finite
        difference of the unrolled gradient divides by a tiny step, which bf16 would swamp."""
        x1, x2 = self.views(batch)
        with torch.no_grad(), frozen_bn_stats(self.framework), self.autocast():
            enc = self.framework.encode(x1, x2)
        enc = _in_fp32(enc)

        def closure() -> Tensor:
            if self._replay is not None:
                self._replay.restore()
            with frozen_bn_stats(self.framework), self._arch_step():
                return at_least_fp32(self.framework.head_loss(enc).loss)

        return closure

    @contextlib.contextmanager
    def one_architecture(self) -> Iterator[None]:
        """Every closure called inside sees the same architecture draw: the random state of a
        stochastic relaxation is replayed before each call (second order subtracts gradients
        that must belong to one architecture). Deterministic relaxations are untouched."""
        if self.arch is None or not getattr(self.arch.sampler, "stochastic", False):
            yield
            return
        device = next(iter(self.arch.parameters())).device
        self._replay = RandomState.capture(device, getattr(self.arch.sampler, "generator", None))
        try:
            yield
        finally:
            self._replay = None

    def after_weight_step(self, out: Any, progress: float) -> None:
        self.framework.on_step_end(out, progress)
