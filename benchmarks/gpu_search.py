"""A NASiam-space search epoch on a GPU: throughput, peak memory, the 100-epoch extrapolation.

spaces/nasiam.nas on the CIFAR ResNet-18 with SimSiam, 50,000 synthetic 32x32x3 uint8 images
kept on the device and two views made per batch by the batched on-device augmentation (the
SimSiam CIFAR recipe). "search" is a first-order DARTS iteration (an architecture step on a
held-out batch, then a weight step), so one search epoch visits the 50,000 images as 25,000
weight-step and 25,000 architecture-step images, as the runner's DARTS split does. "plain"
trains the standard SimSiam heads (spaces/standard/simsiam.nas) over all 50,000 images.
Each row: precision (fp32 / bf16 autocast) x channels_last (off / on); "cost" is the epoch
time relative to plain training in the same setting.

    python benchmarks/gpu_search.py                  # CUDA, batch 256
    python benchmarks/gpu_search.py --batch 512 --steps 30
    python benchmarks/gpu_search.py --cpu-smoke      # a tiny version on the CPU, in seconds
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from nasiam_dsl.backbones import build_backbone
from nasiam_dsl.compile import compile_genotype, compile_space
from nasiam_dsl.data import augment_recipe, dataset_info
from nasiam_dsl.data.batched_augment import BatchedTwoViewAugment
from nasiam_dsl.frameworks import get_framework
from nasiam_dsl.lang import parse_file
from nasiam_dsl.optim import autocast, resolve_precision
from nasiam_dsl.run.problem import FrameworkProblem
from nasiam_dsl.search.engine import DartsEngine, EngineConfig

ROOT = Path(__file__).resolve().parents[1]
SEED_EPOCHS = 100


@dataclass(frozen=True)
class Setting:
    device: torch.device
    images: int
    batch: int
    steps: int
    warmup: int
    backbone: str
    backbone_options: dict


@dataclass
class Row:
    kind: str
    precision: str
    channels_last: bool
    seconds_per_step: float
    images_per_step: int
    peak_mib: float

    @property
    def images_per_second(self) -> float:
        return self.images_per_step / self.seconds_per_step


def build(kind: str, s: Setting, precision: str, channels_last: bool):
    """(engine, problem, augment) for `kind` "search" or "plain"."""
    torch.manual_seed(0)
    backbone = build_backbone(s.backbone, **s.backbone_options)
    dim = int(backbone.feature_dim)
    spec = "nasiam.nas" if kind == "search" else "standard/simsiam.nas"
    doc = parse_file(ROOT / "spaces" / spec)
    net = (compile_space if kind == "search" else compile_genotype)(doc, dim, seed=0)
    cls = get_framework("simsiam")
    framework = cls(backbone, {slot: net.heads[slot] for slot in cls.head_slots})
    arch = getattr(net, "arch", None)
    memory = torch.channels_last if channels_last else torch.contiguous_format
    for module in [framework] + ([arch] if arch is not None else []):
        module.to(s.device)
        if channels_last:
            module.to(memory_format=memory)
    recipe = augment_recipe(cls.augmentation, dataset_info("cifar10"))
    augment = BatchedTwoViewAugment(recipe).to(s.device)

    def views(batch):
        v1, v2 = augment.view(batch), augment.view(batch)
        return v1.contiguous(memory_format=memory), v2.contiguous(memory_format=memory)

    problem = FrameworkProblem(
        framework,
        views,
        arch,
        lambda: autocast(precision, s.device),  # type: ignore[arg-type]
    )
    lr = 0.05 * s.batch / 256
    optimiser = torch.optim.SGD(framework.param_groups(lr), lr=lr, momentum=0.9, weight_decay=5e-4)
    alphas = arch.alphas() if arch is not None else {}
    engine = DartsEngine(alphas, optimiser, [], EngineConfig(grad_clip=None))
    return engine, problem


def measure(kind: str, s: Setting, data: torch.Tensor, precision: str, cl: bool) -> Row:
    engine, problem = build(kind, s, precision, cl)
    g = torch.Generator().manual_seed(0)
    on_cuda = s.device.type == "cuda"

    def batch() -> torch.Tensor:
        return data[torch.randint(0, data.shape[0], (s.batch,), generator=g).to(s.device)]

    def step() -> None:
        train = batch()
        val = batch() if kind == "search" else train
        engine.step(problem, train, val, progress=0.5)

    for _ in range(s.warmup):
        step()
    if on_cuda:
        torch.cuda.synchronize(s.device)
        torch.cuda.reset_peak_memory_stats(s.device)
    start = time.perf_counter()
    for _ in range(s.steps):
        step()
    if on_cuda:
        torch.cuda.synchronize(s.device)
    seconds = (time.perf_counter() - start) / s.steps
    peak = torch.cuda.max_memory_allocated(s.device) / 2**20 if on_cuda else float("nan")
    per_step = 2 * s.batch if kind == "search" else s.batch
    return Row(kind, precision, cl, seconds, per_step, peak)


def table(rows: list[Row], images: int) -> str:
    head = (
        f"{'kind':<7}{'precision':<10}{'ch_last':<9}{'s/step':>9}{'img/s':>10}"
        f"{'peak MiB':>10}{'epoch s':>10}{f'{SEED_EPOCHS} ep h':>10}{'cost':>7}"
    )
    plain = {(r.precision, r.channels_last): r for r in rows if r.kind == "plain"}
    lines = [head, "-" * len(head)]
    for r in rows:
        epoch = images / r.images_per_second
        cost = plain[(r.precision, r.channels_last)].images_per_second / r.images_per_second
        lines.append(
            f"{r.kind:<7}{r.precision:<10}{'on' if r.channels_last else 'off':<9}"
            f"{r.seconds_per_step:>9.4f}{r.images_per_second:>10.0f}{r.peak_mib:>10.0f}"
            f"{epoch:>10.1f}{SEED_EPOCHS * epoch / 3600:>10.2f}"
            f"{cost:>6.2f}x"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[Row]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--images", type=int, default=50_000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--steps", type=int, default=20, help="timed iterations per row")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--cpu-smoke", action="store_true", help="tiny CPU run (small CNN, fp32)")
    args = ap.parse_args(argv)
    if args.cpu_smoke:
        s = Setting(torch.device("cpu"), 64, 8, 1, 1, "small_cnn", {"width": 4})
        precisions = ["fp32"]
    else:
        from nasiam_dsl.run.distributed import check_device

        device = check_device(args.device)
        s = Setting(device, args.images, args.batch, args.steps, args.warmup, "cifar_resnet18", {})
        precisions = ["fp32", resolve_precision("bf16", device)]
        torch.backends.cudnn.benchmark = device.type == "cuda"
    g = torch.Generator().manual_seed(0)
    data = torch.randint(0, 256, (s.images, 3, 32, 32), dtype=torch.uint8, generator=g)
    data = data.to(s.device)
    rows = [
        measure(kind, s, data, precision, cl)
        for precision in precisions
        for cl in (False, True)
        for kind in ("plain", "search")
    ]
    name = torch.cuda.get_device_name(s.device) if s.device.type == "cuda" else "CPU"
    print(
        f"{name}, {s.images} images, batch {s.batch}, {s.steps} timed steps per row, "
        f"torch {torch.__version__}"
    )
    print(table(rows, s.images))
    return rows


if __name__ == "__main__":
    main()
