"""Cost of a search iteration relative to a plain SSL training step, as ratios in one run.

CIFAR ResNet-18 stem, 32x32 random views, SimSiam. "plain" trains the standard SimSiam heads
(spaces/standard/simsiam.nas); "bilevel" is a first-order DARTS iteration on the seed space
(spaces/nasiam.nas): an architecture step on a held-out batch (backbone without autograd)
plus a weight step; "gumbel" is the same iteration with GDAS's hard Gumbel draws, which run
one candidate per choice; "one-level" moves weights and architecture from one backward;
"2nd-exact" and "2nd-fd" are second-order (unrolled) iterations whose Hessian-vector product is
exact (a double backward, the default) or DARTS's central finite difference.
The seed code's iteration cost 2.19x a plain step (batch 32, 1 thread; nasiam-seed.md 5).
The floor of a bilevel iteration is a weight step plus a backbone forward without autograd.

    python benchmarks/search_overhead.py [--batch-sizes 32 64] [--rounds 3] [--threads 1]
    python benchmarks/search_overhead.py --device cuda   # bf16 autocast + channels_last
    python benchmarks/search_overhead.py --clock cpu     # CPU time: steadier on a busy machine
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from pathlib import Path

import torch

from nasiam_dsl.backbones import build_backbone
from nasiam_dsl.compile import compile_genotype, compile_space
from nasiam_dsl.frameworks.registry import get_framework
from nasiam_dsl.lang import parse_file
from nasiam_dsl.run.problem import FrameworkProblem
from nasiam_dsl.search.engine import DartsEngine, EngineConfig
from nasiam_dsl.search.samplers import get_sampler

ROOT = Path(__file__).resolve().parents[1]


def make(kind: str, batch: int, device: torch.device, channels_last: bool):
    torch.manual_seed(0)
    backbone = build_backbone("cifar_resnet18")
    spec = "standard/simsiam.nas" if kind == "plain" else "nasiam.nas"
    doc = parse_file(ROOT / "spaces" / spec)
    net = (compile_genotype if kind == "plain" else compile_space)(doc, 512, seed=0)
    fw_cls = get_framework("simsiam")
    fw = fw_cls(backbone, {s: net.heads[s] for s in fw_cls.head_slots})
    arch = getattr(net, "arch", None)
    if kind == "gumbel":
        arch.sampler = get_sampler("gumbel")
        arch.sampler.set_progress(0.5)
    modules = [fw] + ([arch] if arch is not None else [])
    memory = torch.channels_last if channels_last else torch.contiguous_format
    for m in modules:
        m.to(device)
        if channels_last:
            m.to(memory_format=torch.channels_last)
    x = tuple(
        torch.randn(batch, 3, 32, 32, device=device).contiguous(memory_format=memory)
        for _ in range(2)
    )
    on_cuda = device.type == "cuda"

    def autocast():
        return torch.autocast("cuda", dtype=torch.bfloat16) if on_cuda else contextlib.nullcontext()

    problem = FrameworkProblem(fw, lambda b: (b[0], b[1]), arch, autocast)
    opt = torch.optim.SGD(fw.param_groups(0.03), lr=0.03, momentum=0.9, weight_decay=5e-4)
    mode = "one_level" if kind == "one-level" else "bilevel"
    config = EngineConfig(mode=mode, grad_clip=None)
    heads: list[torch.Tensor] = []
    if kind in SECOND_ORDER:
        config = EngineConfig(order="second", hessian=SECOND_ORDER[kind], grad_clip=None)
        heads = [p for p in net.heads.parameters() if p.requires_grad]
    engine = DartsEngine(arch.alphas() if arch is not None else {}, opt, heads, config)
    return engine, problem, x


SECOND_ORDER = {"2nd-exact": "exact", "2nd-fd": "finite_difference"}


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def timed(engine, problem, x, device, clock=time.perf_counter) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = clock()
    engine.step(problem, x, x, progress=0.5)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return clock() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 64])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--channels-last", action="store_true", help="also on CPU (CUDA: always)")
    ap.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="cpu: this process's CPU time, not disturbed by other processes (CPU runs only)",
    )
    ap.add_argument(
        "--second-order",
        nargs="*",
        default=list(SECOND_ORDER),
        choices=list(SECOND_ORDER),
        help="second-order rows to measure too (none: `--second-order` alone)",
    )
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if args.clock == "cpu" and device.type != "cpu":
        ap.error("--clock cpu measures CPU runs only")
    kinds = ("plain", "bilevel", "gumbel", "one-level", *args.second_order)
    print(
        f"device {device}, threads {args.threads}, rounds {args.rounds} (+1 warm-up), "
        f"median {args.clock} seconds per step"
    )
    print(
        f"{'batch':>5} "
        + " ".join(f"{k:>9}" for k in kinds)
        + " "
        + " ".join(f"{k + '/plain':>15}" for k in kinds[1:])
        + "  spread (max/min) per kind"
    )
    for batch in args.batch_sizes:
        cl = device.type == "cuda" or args.channels_last
        setups = {k: make(k, batch, device, cl) for k in kinds}
        times: dict[str, list[float]] = {k: [] for k in kinds}
        for r in range(args.rounds + 1):
            for k in kinds:  # interleaved, so drift hits every kind alike
                t = timed(*setups[k], device, CLOCKS[args.clock])
                if r:
                    times[k].append(t)
        med = {k: statistics.median(v) for k, v in times.items()}
        spread = " ".join(f"{max(v) / min(v):.2f}" for v in times.values())
        print(
            f"{batch:>5} "
            + " ".join(f"{med[k]:>9.3f}" for k in kinds)
            + " "
            + " ".join(f"{med[k] / med['plain']:>15.2f}" for k in kinds[1:])
            + f"  {spread}"
        )
    print(
        "targets: bilevel <= 1.5x plain (seed: 2.19x), gumbel <= 1.3x plain, "
        "one-level <= 1.1x plain; 2nd-exact vs 2nd-fd: the exact Hessian-vector product is "
        "the default unless the finite difference is measurably cheaper"
    )


if __name__ == "__main__":
    main()
