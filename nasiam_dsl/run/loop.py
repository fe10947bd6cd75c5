"""The epoch loop: steps, the learning-rate schedule, the end-of-epoch record, checkpoints,
and stopping on a signal, a step budget, an early stop or a non-finite loss.

The loop does not know which command it runs: what a search adds (alphas, genotypes, the
op-count stopper) sits behind `Run.side` (`arch_side.py`).
"""

from __future__ import annotations

import contextlib
import math
import signal
import time
from pathlib import Path
from typing import Any

import torch

from nasiam_dsl.run.build import Run
from nasiam_dsl.run.checkpoint import load_checkpoint
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.run.record import EpochRecord
from nasiam_dsl.run.sinks import Sinks
from nasiam_dsl.run.state import restore, save


class Interrupted(Exception):
    """Raised after an interrupted run saved its checkpoint and genotype."""

    def __init__(self, run_dir: Path, reason: str):
        super().__init__(reason)
        self.run_dir = run_dir


class NonFinite(Exception):
    """A step log (a loss) or the backbone's features became NaN or infinite; the message
    says which."""


class Signals:
    """SIGINT/SIGTERM set a flag; the loop finishes its step, saves, and exits non-zero."""

    def __init__(self) -> None:
        self.received: str | None = None
        self._old: dict[int, Any] = {}

    def __enter__(self) -> Signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError):  # not the main thread
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.received = signal.Signals(signum).name

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def lr_factor(config: RunConfig, progress: float, epoch_float: float) -> float:
    """The schedule: cosine over the run's `progress` (0 to 1) with linear warm-up over the
    first `warmup_epochs`, as a factor of each group's base lr."""
    warm = config.optim.warmup_epochs
    factor = 0.5 * (1 + math.cos(math.pi * progress))
    if warm and epoch_float < warm:
        factor = min(factor, (epoch_float + 1e-8) / warm)
    return factor


def set_lr(
    optimizer: torch.optim.Optimizer, config: RunConfig, progress: float, epoch_float: float
) -> float:
    """Cosine schedule with linear warm-up; groups flagged `fix_lr` keep their lr."""
    factor = lr_factor(config, progress, epoch_float)
    for group in optimizer.param_groups:
        base = group.setdefault("initial_lr", group["lr"])
        group["lr"] = base if group.get("fix_lr") else base * factor
    return optimizer.param_groups[0]["lr"]


def epoch_record(
    r: Run, logs: dict[str, list[float]], started: float, ui: Any = None
) -> EpochRecord:
    """The finished epoch's record: averaged step logs, collapse metrics, lr, the monitor
    (a phase `ui` names while it runs); `seconds` count the monitor too."""
    record = EpochRecord(
        epoch=r.epoch,
        step=r.step,
        extra={k: sum(v) / len(v) for k, v in logs.items() if v},
    )
    z = getattr(r.problem.last_out, "z1", None)  # a framework's output may have no projection
    if z is not None and z.ndim == 2:
        from nasiam_dsl.evaluate import std_of_l2_normalized

        record.z_std = std_of_l2_normalized(z.float())
        record.z_std_normalised = record.z_std * math.sqrt(z.shape[1])
    record.lr = r.engine.weight_optimizer.param_groups[0]["lr"]
    c = r.config
    final = r.epoch >= c.epochs
    every = c.monitor_every()
    due = (every and r.epoch % every == 0) or final
    if r.dist.is_main and c.knn and due:
        reading = read_monitor(r, ui)
        if reading is not None:
            record = record.model_copy(update=reading)
    if r.progress.knn_random_init is not None:
        record.extra["knn_random_init"] = r.progress.knn_random_init
        r.progress.knn_random_init = None  # recorded once, in the first epoch's line
    record.seconds = round(time.time() - started, 3)
    return record


def read_monitor(r: Run, ui: Any = None) -> dict[str, float] | None:
    """The kNN monitor on the backbone as it is now (a phase `ui` names while it runs);
    features that are not finite stop the run as a non-finite loss does."""
    from nasiam_dsl.evaluate import KnnMonitor
    from nasiam_dsl.evaluate.monitor import NonFiniteFeatures

    c = r.config
    phase = getattr(ui, "phase", None)  # a user's UI may not name phases
    if phase is not None:
        phase(r, f"kNN monitor (k={c.knn_k}) …")
    monitor = KnnMonitor(c.data.dataset, c.data.data_dir, r.streams.info, k=c.knn_k, seed=c.seed)
    try:
        return monitor.read(r.framework, r.framework.embed, r.device)
    except NonFiniteFeatures as e:
        raise NonFinite(f"{e} (the kNN monitor read them after epoch {r.epoch})") from None


def read_random_init(r: Run, ui: Any = None) -> None:
    """Before a fresh run's first step: the monitor's kNN at random init (the floor)."""
    if r.step == 0 and r.config.knn and r.config.knn_random_init and r.dist.is_main:
        reading = read_monitor(r, ui)
        if reading is not None and "knn" in reading:
            r.progress.knn_random_init = reading["knn"]


def end_epoch(r: Run, logs: dict[str, list[float]], started: float, sinks: Sinks) -> None:
    """Record the epoch, let the side derive and the stoppers decide, save, write genotypes."""
    record = epoch_record(r, logs, started, sinks.ui)
    genotype = r.side.epoch_end(record, r.epoch, r.step)
    observed = {**record.observations(), **r.side.observations()}
    for stopper in r.side.stoppers:
        decision = stopper.update(r.epoch, **observed)
        if decision is not None and r.progress.stop_reason is None:
            r.progress.stop_reason = str(decision)
    sinks.epoch_done(r, record, r.side.probabilities())
    save(r)
    r.side.write_genotypes(r.epoch, r.step, genotype)


def train_loop(r: Run, sinks: Sinks, max_steps: int | None = None) -> None:
    """Run epochs until the end, an early stop, a signal or `max_steps` (then interrupted)."""
    c, ui, train, val = r.config, sinks.ui, r.streams.train, r.streams.val
    total = r.steps_per_epoch * c.epochs
    read_random_init(r, ui)
    with Signals() as signals:
        while r.epoch < c.epochs and r.stop_reason is None:
            started = time.time()
            if train.position == 0:  # a new epoch; a resumed one keeps the logs of its start
                r.progress.epoch_logs = {}
            logs = r.progress.epoch_logs
            ui.epoch_start(r)
            while train.position < r.steps_per_epoch and train.epoch == r.epoch:
                progress = r.step / total
                set_lr(r.engine.weight_optimizer, c, progress, r.step / r.steps_per_epoch)
                train_batch = next(train)
                val_batch = next(val) if val is not None else None
                step_logs = r.engine.step(r.problem, train_batch, val_batch, progress)
                r.progress.step += 1
                for k, v in step_logs.items():
                    if not math.isfinite(v):
                        raise NonFinite(f"the loss is not finite ({k} became {v})")
                    logs.setdefault(k, []).append(v)
                ui.step_done(r, step_logs)
                budget_spent = max_steps is not None and r.step >= max_steps
                reason = signals.received or ("--stop-after" if budget_spent else None)
                if reason:
                    save(r, interrupted=True)
                    r.side.write_genotypes(r.epoch, r.step)
                    raise Interrupted(r.run_dir, f"stopped by {reason} at step {r.step}")
            # the epoch is over (or capped by steps_per_epoch): the stream moves on with it
            train.load_state_dict({"epoch": r.epoch + 1, "position": 0})
            r.progress.epoch += 1
            end_epoch(r, logs, started, sinks)


def after_non_finite(r: Run, error: Exception) -> str:
    """Go back to the last good checkpoint (if any) and write its genotype; say what is kept."""
    stopped = f"{error} at step {r.step}; stopped."
    path = RunFiles(r.run_dir).checkpoint
    if not path.exists():
        return f"{stopped} No checkpoint was written before it (none after epoch 1 yet)."
    restore(r, load_checkpoint(path))
    r.side.write_genotypes(r.epoch, r.step)
    return (
        f"{stopped} The last good checkpoint (epoch {r.epoch}, step {r.step}) and its "
        f"genotype are in {r.run_dir}"
    )
