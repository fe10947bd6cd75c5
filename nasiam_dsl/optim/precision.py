"""Numeric precision of a run: which one, an autocast context for it, and its GradScaler.

`resolve_precision("auto", device)`: bf16 on a CUDA device that supports it, else fp16 on
CUDA (with a GradScaler: fp16 gradients underflow without loss scaling), fp32 elsewhere. An
explicit request is honoured where the device can run it and refused with a `UsageProblem`
(cause and fix) where it cannot, never silently changed.
"""

from __future__ import annotations

import contextlib
from typing import Literal

import torch

from nasiam_dsl.usage import UsageProblem

__all__ = ["DTYPES", "Precision", "autocast", "grad_scaler", "resolve_precision"]

Precision = Literal["bf16", "fp16", "fp32"]
DTYPES: dict[str, torch.dtype] = {
    "bf16": torch.bfloat16,
    "fp16": torch.float16,
    "fp32": torch.float32,
}
_CHOICES = ("auto", *DTYPES)


def resolve_precision(requested: str, device: torch.device | str) -> Precision:
    """The precision to run: `requested` ("auto", "bf16", "fp16", "fp32") on `device`."""
    device = torch.device(device)
    if requested not in _CHOICES:
        raise UsageProblem(
            f"--precision {requested}: unknown precision",
            f"use one of {', '.join(_CHOICES)}",
        )
    on_cuda = device.type == "cuda"
    if requested == "auto":
        if not on_cuda:
            return "fp32"
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if requested == "fp16" and not on_cuda:
        raise UsageProblem(
            f"--precision fp16 needs a CUDA device, and this run is on {device}",
            "use --precision fp32 (or auto) on this device",
        )
    if requested == "bf16" and on_cuda and not torch.cuda.is_bf16_supported():
        raise UsageProblem(
            f"--precision bf16: the GPU {torch.cuda.get_device_name(device)} has no bf16",
            "use --precision fp16 (with loss scaling) or auto",
        )
    return requested  # type: ignore[return-value]


def autocast(precision: Precision, device: torch.device | str) -> contextlib.AbstractContextManager:
    """A context running the forward in `precision` on `device` (a no-op for fp32)."""
    device = torch.device(device)
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=DTYPES[precision])


def grad_scaler(precision: Precision, device: torch.device | str) -> torch.amp.GradScaler:
    """A GradScaler, enabled only for fp16 (bf16 and fp32 need no loss scaling): call
    `scaler.scale(loss).backward()`, `scaler.step(opt)`, `scaler.update()` in every case."""
    device = torch.device(device)
    return torch.amp.GradScaler(device.type, enabled=precision == "fp16")
