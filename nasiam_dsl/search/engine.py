"""The generic DARTS engine: one architecture step and one weight step per iteration.

The engine sees only parameters and loss closures (NNI's space / strategy / evaluator
split): a `SearchProblem` supplies the losses, the engine decides when and how the
architecture and the weights move. No framework name appears here.

Modes:
- `bilevel` first order (default, DARTS 1st order as in the seed): the architecture
  gradient is that of the held-out loss at the current weights;
- `bilevel` second order (`order="second"`): DARTS' unrolled gradient with a
  finite-difference Hessian-vector product over the head weights;
- `one_level`: weights and architecture from the same batch and the same backward.

The architecture step never back-propagates through the backbone: the problem's
`arch_loss` computes backbone features without autograd (architecture weights live
only in the heads), which is what makes a search iteration cheap.

Precision: under fp16 a `GradScaler` scales the weight step's loss, unscales the gradients
before clipping, skips a step whose gradients overflowed and updates the scale. One-level
mode shares that backward, so the architecture gradients are unscaled (after their average
over ranks) before their step. The bilevel architecture step and the second-order closures
are never scaled: their gradients are fp32 from an unscaled loss.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

import torch
import torch.distributed as dist
from torch import Tensor, nn

from nasiam_dsl.search.architect import first_order_arch_grads, second_order_arch_grads
from nasiam_dsl.search.engine_config import EngineConfig
from nasiam_dsl.search.regularisers import Regulariser
from nasiam_dsl.search.virtual_step import virtual_step

__all__ = ["DartsEngine", "EngineConfig", "SearchProblem", "StepLoss"]


class StepLoss(Protocol):
    loss: Tensor
    logs: dict[str, float]


class SearchProblem(Protocol):
    """What the engine needs from the thing being searched."""

    def weight_loss(self, batch: Any) -> StepLoss:
        """The training loss with gradients for every weight (and, one-level, the arch)."""

    def arch_loss(self, batch: Any) -> StepLoss:
        """The held-out loss with gradients for the heads only (backbone without autograd)."""

    def head_loss_closure(self, batch: Any) -> Callable[[], Tensor]:
        """A closure re-evaluating the heads' loss on fixed backbone features (2nd order), in
        fp32 whatever the autocast of the other steps."""

    def one_architecture(self) -> AbstractContextManager:
        """Within it, every closure call sees one architecture draw (2nd order)."""

    def after_weight_step(self, out: StepLoss, progress: float) -> None:
        """State updates after a weight step (EMA, queues)."""


class DartsEngine:
    """Steps a search: `step(problem, train_batch, val_batch, progress) -> logs`."""

    def __init__(
        self,
        arch_params: Mapping[str, nn.Parameter],
        weight_optimizer: torch.optim.Optimizer,
        head_weight_params: Sequence[nn.Parameter],
        config: EngineConfig | None = None,
        regularisers: Sequence[Regulariser] = (),
        on_progress: Callable[[float], None] | None = None,
        scaler: torch.amp.GradScaler | None = None,
    ) -> None:
        self.config = config or EngineConfig()
        self.arch_params = dict(arch_params)
        self.weight_optimizer = weight_optimizer
        self.head_weight_params = [p for p in head_weight_params if p.requires_grad]
        self.regularisers = list(regularisers)
        self.on_progress = on_progress
        # fp16 loss scaling of the weights' backward; disabled, every call passes through
        self.scaler = scaler if scaler is not None else torch.amp.GradScaler("cpu", enabled=False)
        # a genotype (training) has no architecture: the engine then only steps weights
        self.arch_optimizer = (
            torch.optim.Adam(
                list(self.arch_params.values()),
                lr=self.config.arch_lr,
                betas=self.config.arch_betas,
                weight_decay=self.config.arch_weight_decay,
            )
            if self.arch_params
            else None
        )

    # ---- pieces ------------------------------------------------------------------
    def arch_frozen(self, progress: float) -> bool:
        return progress < self.config.warmup_fraction or not self.arch_params

    def regularisation(self, progress: float) -> Tensor | None:
        if not self.regularisers:
            return None
        return sum(r(self.arch_params, progress) for r in self.regularisers)

    def _clip_and_step(self) -> None:
        """Unscale (fp16), clip and step the weights; the scaler skips an overflowed step."""
        self.scaler.unscale_(self.weight_optimizer)
        params = [p for g in self.weight_optimizer.param_groups for p in g["params"]]
        if self.config.grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(params, self.config.grad_clip)
        self.scaler.step(self.weight_optimizer)

    def _arch_update(self, scaled: bool = False) -> None:
        """Average the architecture gradients over ranks and step; `scaled`: they came from
        the loss-scaled one-level backward (unscaled after the average, so every rank sees
        the same overflow)."""
        params = list(self.arch_params.values())
        if dist.is_available() and dist.is_initialized():
            world = dist.get_world_size()
            for p in params:
                if p.grad is None:
                    p.grad = torch.zeros_like(p)
                dist.all_reduce(p.grad)
                p.grad.div_(world)
        if scaled:
            self.scaler.unscale_(self.arch_optimizer)
            self.scaler.step(self.arch_optimizer)
        else:
            self.arch_optimizer.step()

    # ---- the step ------------------------------------------------------------------
    def step(self, problem: SearchProblem, train_batch: Any, val_batch: Any, progress: float):
        """One iteration; returns a dict of scalar logs."""
        if self.on_progress is not None:
            self.on_progress(progress)
        logs: dict[str, float] = {}
        frozen = self.arch_frozen(progress)
        if self.config.mode == "one_level":
            return self._one_level(problem, train_batch, progress, frozen)
        if not frozen:
            logs.update(self._arch_step(problem, train_batch, val_batch, progress))
        self.weight_optimizer.zero_grad(set_to_none=True)
        out = problem.weight_loss(train_batch)
        self.scaler.scale(out.loss).backward()
        for p in self.arch_params.values():  # weight steps never move the architecture
            p.grad = None
        self._clip_and_step()
        self.scaler.update()
        problem.after_weight_step(out, progress)
        logs.update({f"train/{k}": v for k, v in out.logs.items()})
        return logs

    def _arch_step(self, problem, train_batch, val_batch, progress) -> dict[str, float]:
        self.arch_optimizer.zero_grad(set_to_none=True)
        params = list(self.arch_params.values())
        reg_value = 0.0
        held: dict[str, float] = {}
        if self.config.order == "second":
            with problem.one_architecture():
                val_closure = problem.head_loss_closure(val_batch)
                train_closure = problem.head_loss_closure(train_batch)

                def val_loss() -> Tensor:
                    nonlocal reg_value
                    loss = val_closure()
                    held["loss"] = float(loss.detach())  # the SSL loss alone, at w'
                    reg = self.regularisation(progress)
                    if reg is None:
                        return loss
                    reg_value = float(reg.detach())
                    return loss + reg

                rules = virtual_step(
                    self.weight_optimizer, self.head_weight_params, self.config.unrolled_xi
                )
                second_order_arch_grads(
                    train_closure,
                    val_loss,
                    self.head_weight_params,
                    params,
                    rules=rules,
                    hessian=self.config.hessian,
                )
        else:

            def val_loss() -> Tensor:
                nonlocal reg_value
                out = problem.arch_loss(val_batch)
                held.update(out.logs)
                reg = self.regularisation(progress)
                if reg is None:
                    return out.loss
                reg_value = float(reg.detach())
                return out.loss + reg

            first_order_arch_grads(val_loss, params)
        self._arch_update()
        logs = {f"heldout/{k}": v for k, v in held.items()}
        if self.regularisers:
            logs["heldout/regulariser"] = reg_value
        return logs

    def _one_level(self, problem, batch, progress, frozen) -> dict[str, float]:
        self.weight_optimizer.zero_grad(set_to_none=True)
        if self.arch_optimizer is not None:
            self.arch_optimizer.zero_grad(set_to_none=True)
        out = problem.weight_loss(batch)
        loss = out.loss
        reg = None if frozen else self.regularisation(progress)
        if reg is not None:
            loss = loss + reg
        self.scaler.scale(loss).backward()
        self._clip_and_step()
        if not frozen and self.arch_optimizer is not None:
            self._arch_update(scaled=True)
        self.scaler.update()
        problem.after_weight_step(out, progress)
        return {f"train/{k}": v for k, v in out.logs.items()}

    # ---- state ----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {}
        if self.arch_optimizer is not None:
            state["arch_optimizer"] = self.arch_optimizer.state_dict()
        scaler = self.scaler.state_dict()
        if scaler:  # fp16: the loss scale and its growth tracker
            state["grad_scaler"] = scaler
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        if self.arch_optimizer is not None:
            self.arch_optimizer.load_state_dict(state["arch_optimizer"])
        if state.get("grad_scaler") and self.scaler.is_enabled():
            self.scaler.load_state_dict(state["grad_scaler"])
