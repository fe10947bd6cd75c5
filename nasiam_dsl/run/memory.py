"""A run's memory, estimated before anything large is allocated, and refused when it cannot fit.

A supernet with a 10^6-wide layer would otherwise end in an allocation failure deep inside
torch. The estimate reads the torch-free plan of the spec (`lang/plan.py`) and its counts
(`lang/tally.py`, the supernet policy) and adds, per device:

- parameters, their gradients and the optimiser's state (Adam/AdamW: 2 tensors per
  parameter, SGD and LARS momentum: 1), in fp32, and the framework's momentum (EMA) copies;
- the heads' activations: every stage output of every node (each candidate of a choice runs
  in a supernet) x the per-device batch x 2 views x 2 (autograd keeps the forward's outputs
  and makes gradients of the same size);
- the backbone's activations: the outputs of its leaf modules for one image, measured on
  torch's `meta` device (no memory), x the batch x 2 views.

It is a floor rather than a bound (allocator slack, workspace buffers and the kNN bank are
not counted), so a refusal is certain to be right and a pass is no promise.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Any

from nasiam_dsl.lang.plan import Choose, Inputs, Linear, Pipeline, Plan, SetChoice
from nasiam_dsl.lang.tally import evaluate
from nasiam_dsl.usage import UsageProblem

#: fp32 tensors per parameter beside the parameter itself: its gradient and optimiser state
STATE_PER_PARAM = {"sgd": 2, "lars": 2, "adamw": 3}
FP32 = 4
VIEWS = 2
AUTOGRAD = 2


@dataclass(frozen=True)
class Part:
    """One contributor to the estimate."""

    name: str  # `projector.h1`, `backbone`, ...
    weights: int  # bytes of parameters, gradients and optimiser state
    activations: int  # bytes of activations at the batch size

    @property
    def total(self) -> int:
        return self.weights + self.activations


@dataclass
class MemoryEstimate:
    """Bytes a run needs on one device, by contributor."""

    parts: list[Part] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(p.total for p in self.parts)

    def biggest(self, n: int = 3) -> list[Part]:
        return sorted(self.parts, key=lambda p: p.total, reverse=True)[:n]


def gib(n: int) -> str:
    """Bytes as a short human figure."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n / 2**10:.1f} KiB"


def stage_outputs(p: Pipeline, width: int) -> int:
    """Activation elements per image of a pipeline in a supernet: every stage's output, every
    candidate of a choice (each runs), the inputs it combines."""
    count = 0
    source = p.source
    if isinstance(source, Choose):
        count += sum(stage_outputs(c, width) for c in source.candidates)
    elif isinstance(source, Inputs):
        count += width
    for stage in p.stages:
        if isinstance(stage, Linear):
            width = max(stage.widths)
            count += width
        elif isinstance(stage, SetChoice):
            count += len(stage.items) * width
        else:
            count += width
    return count


def estimate_memory(
    plan: Plan,
    *,
    batch: int,
    optimizer: str,
    activation_bytes: int,
    backbone_params: int,
    backbone_activations: int,
    momentum_params: int = 0,
) -> MemoryEstimate:
    """The estimate of module docs: `batch` images per device, `backbone_activations`
    elements per image; `momentum_params` are EMA copies (no gradient, no optimiser state)."""
    per_param = FP32 * (1 + STATE_PER_PARAM[optimizer])
    per_element = batch * activation_bytes * VIEWS
    tallies = evaluate(plan, "super")
    estimate = MemoryEstimate()
    estimate.parts.append(
        Part(
            "backbone",
            backbone_params * per_param,
            backbone_activations * per_element,
        )
    )
    if momentum_params:
        estimate.parts.append(Part("momentum copies", momentum_params * FP32, 0))
    for head in plan.heads:
        for node in head.nodes:
            params = tallies[head.name][node.name].params
            elements = stage_outputs(node.pipeline, node.width)
            estimate.parts.append(
                Part(
                    f"{head.name}.{node.name}",
                    params * per_param,
                    elements * per_element * AUTOGRAD,
                )
            )
    return estimate


def available_memory(device: Any) -> int | None:
    """Free bytes on `device` (a CUDA device's free memory, the machine's available memory for
    the CPU); None when the system does not say."""
    if getattr(device, "type", str(device)) == "cuda":
        import torch

        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def backbone_activations(backbone: Any, channels: int, image_size: int) -> int:
    """Elements of the backbone's leaf-module outputs for one image, measured on a `meta`
    copy (shapes only: nothing is allocated)."""
    import torch

    try:
        meta = copy.deepcopy(backbone).to("meta")
    except (RuntimeError, NotImplementedError, TypeError):
        return 0  # a user backbone that cannot move to meta: counted by its parameters only
    seen = [0]

    def count(_module: Any, _inputs: Any, output: Any) -> None:
        if isinstance(output, torch.Tensor):
            seen[0] += output.numel()

    hooks = [m.register_forward_hook(count) for m in meta.modules() if not list(m.children())]
    try:
        with torch.no_grad():
            meta(torch.empty(1, channels, image_size, image_size, device="meta"))
    except (RuntimeError, NotImplementedError, TypeError, ValueError):
        return 0
    finally:
        for hook in hooks:
            hook.remove()
    return seen[0]


def refusal(estimate: MemoryEstimate, available: int, where: str, batch: int) -> UsageProblem:
    """The message of a run that does not fit: the figure, the biggest contributors, what to
    reduce."""
    top = estimate.biggest()
    listed = "; ".join(
        f"{p.name} {gib(p.total)} ({gib(p.weights)} weights, gradients and optimiser "
        f"state, {gib(p.activations)} activations)"
        for p in top
    )
    head = next((p for p in top if p.name not in ("backbone", "momentum copies")), None)
    if head is not None and head.weights >= head.activations:
        fix = f"make {head.name} narrower (its linear widths)"
    else:
        fix = f"lower --batch-size (now {batch} per device) or narrow the widest nodes"
    return UsageProblem(
        f"this run needs about {gib(estimate.total)} of memory and {where} has "
        f"{gib(available)} free; the biggest parts: {listed}",
        f"{fix}; the estimate counts the supernet's parameters, gradients, optimiser state "
        "and activations at the batch size",
    )


def check_memory(
    config: Any, doc: Any, backbone: Any, info: Any, device: Any, world_size: int = 1
) -> MemoryEstimate:
    """Refuse a run whose estimate exceeds the device's free memory (a `UsageProblem`, before
    the supernet is built); return the estimate otherwise."""
    from nasiam_dsl.data import with_image_size
    from nasiam_dsl.frameworks.registry import get_framework
    from nasiam_dsl.lang.infer import plan_document
    from nasiam_dsl.names import UnknownNameError
    from nasiam_dsl.optim import resolve_precision

    info = with_image_size(info, config.data.image_size)

    feature_dim = int(backbone.feature_dim)
    plan = plan_document(doc, feature_dim)
    batch = max(config.batch_size // max(world_size, 1), 1)
    precision = resolve_precision(config.precision, device)
    backbone_params = sum(p.numel() for p in backbone.parameters())
    momentum = 0
    try:
        slots = getattr(get_framework(config.framework), "momentum_slots", ())
    except UnknownNameError:
        slots = ()
    tallies = evaluate(plan, "super")
    for slot in slots:
        if slot == "backbone":
            momentum += backbone_params
        elif slot in tallies:
            momentum += sum(t.params for t in tallies[slot].values())
    estimate = estimate_memory(
        plan,
        batch=batch,
        optimizer=config.optim.optimizer,
        activation_bytes=FP32 if precision == "fp32" else 2,
        backbone_params=backbone_params,
        backbone_activations=backbone_activations(backbone, info.channels, info.image_size),
        momentum_params=momentum,
    )
    free = available_memory(device)
    if free is not None and estimate.total > free:
        where = f"the GPU {device}" if device.type == "cuda" else "this machine"
        raise refusal(estimate, free, where, batch)
    return estimate
