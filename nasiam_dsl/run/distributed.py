"""torchrun / DDP set-up: which rank this is, which device, who writes files.

`check_device` turns a device the machine does not have into a `UsageProblem` with the cause
and the fix, before anything is built. Under DDP what the frameworks compute (synchronised
BatchNorm via `nasiam_dsl.backbones.norm.convert_sync_bn`, gathered negatives and keys) is
described in docs/scale.md.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import torch
import torch.distributed as dist

from nasiam_dsl.usage import UsageProblem

_DEVICE = re.compile(r"^(auto|cpu|cuda|mps)(?::(\d+))?$")


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def check_device(text: str) -> torch.device:
    """The device `text` names ("auto", "cpu", "cuda", "cuda:N", "mps"), checked against
    this machine; a `UsageProblem` naming the cause and the fix when it has no such device."""
    m = _DEVICE.match(text.strip().lower())
    if m is None:
        hint = "use --device cuda" if text.strip().lower() in ("gpu", "nvidia") else None
        raise UsageProblem(
            f"--device {text}: not a device name",
            hint or "use auto, cpu, cuda, cuda:N or mps",
        )
    kind, index = m.group(1), m.group(2)
    if kind == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if kind == "cpu":
        if index is not None:
            raise UsageProblem(f"--device {text}: the CPU has no index", "use --device cpu")
        return torch.device("cpu")
    if kind == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise UsageProblem(
                f"--device {text}: this machine has no Apple MPS device",
                "use --device cpu (or auto)",
            )
        return torch.device("mps")
    if not torch.cuda.is_available():
        raise UsageProblem(
            f"--device {text}: no CUDA GPU is visible (torch {torch.__version__}, "
            f"CUDA build {torch.version.cuda or 'none'})",
            "use --device cpu (or auto); check nvidia-smi and CUDA_VISIBLE_DEVICES",
        )
    count = torch.cuda.device_count()
    if index is not None and int(index) >= count:
        raise UsageProblem(
            f"--device {text}: this machine has {count} GPU(s), cuda:0 to cuda:{count - 1}",
            f"use --device cuda:{count - 1} or lower (or set CUDA_VISIBLE_DEVICES)",
        )
    return torch.device(text.strip().lower())


def init_distributed(device: str) -> tuple[DistInfo, torch.device]:
    """Join the process group torchrun describes (gloo on CPU, nccl on CUDA)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    device = str(check_device(device))
    if world <= 1:
        return DistInfo(), torch.device(device)
    rank = int(os.environ["RANK"])
    local = int(os.environ.get("LOCAL_RANK", "0"))
    on_cuda = device.startswith("cuda")
    if on_cuda:
        torch.cuda.set_device(local)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if on_cuda else "gloo")
    dev = torch.device(f"cuda:{local}") if on_cuda else torch.device("cpu")
    return DistInfo(rank, world, local), dev


def broadcast_parameters(params) -> None:
    if dist.is_available() and dist.is_initialized():
        for p in params:
            dist.broadcast(p.data, src=0)


def barrier() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
