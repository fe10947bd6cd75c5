"""Mixed-op cost on CPU: fused vs per-candidate loop, and a shared linear vs separate ones.

    .venv/bin/python benchmarks/mixed_ops.py [--batch 256] [--repeats 7] [--threads 1]

One forward + backward pass of the heads (batch 256, features from a 512-wide backbone) per
timing; configurations are interleaved round by round and the median is reported, so every
ratio in the table comes from the same run under the same load.

1. The seed's space (spaces/nasiam.nas, backbone 512): `fused=True` (linear-first candidates
   as one stacked matmul, their BatchNorms as one) against `fused=False` (the reference loop).
2. The same number of choices written two ways, 4 layers x 4 activations at width 512:
   the seed's way, one op choice over 4 separate `linear | bn | act` candidates, against one
   shared linear followed by an activation choice, `linear | bn | act{relu, silu, hardswish,
   elu}` (the linear runs once).

Then profiled steps (torch.profiler, median of 3) of each seed supernet split its time into
matrix products (`aten::mm`, `addmm`, `bmm`) and the rest: the fused form already runs the
fewest GEMMs the space allows, at the CPU's peak, so `loop / fused GEMM time` bounds the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nasiam_dsl.compile import compile_space, count_plan, plan_document  # noqa: E402
from nasiam_dsl.lang.parser import parse, parse_file  # noqa: E402

ACTS = ("relu", "silu", "hardswish", "elu")
LAYERS = 4
WIDTH = 512

SEPARATE = (
    "space separate {\n  head projector(x: backbone) {\n"
    + "".join(
        f"    h{i} = choose("
        + ", ".join(f"linear(h{i - 1}, {WIDTH}, bias=false) | bn | {a}" for a in ACTS)
        + ")\n"
        for i in range(1, LAYERS + 1)
    ).replace("h0", "x")
    + "  }\n}\n"
)

SHARED = (
    "space shared {\n  head projector(x: backbone) {\n"
    + "".join(
        f"    h{i} = linear(h{i - 1}, {WIDTH}, bias=false) | bn | act{{{', '.join(ACTS)}}}\n"
        for i in range(1, LAYERS + 1)
    ).replace("h0", "x")
    + "  }\n}\n"
)


def step(net: torch.nn.Module, x: torch.Tensor) -> float:
    for p in net.parameters():
        p.grad = None
    start = time.perf_counter()
    with net.arch.step():
        out = net(x)
        loss = sum(o.square().mean() for o in out.values())
    loss.backward()
    return time.perf_counter() - start


def measure(nets: dict[str, torch.nn.Module], x: torch.Tensor, repeats: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in nets}
    for r in range(repeats + 2):
        for name, net in nets.items():
            t = step(net, x)
            if r >= 2:  # two warm-up rounds
                times[name].append(t)
    return {name: statistics.median(ts) for name, ts in times.items()}


def size(doc, backbone: int) -> tuple[int, int]:
    total = count_plan(plan_document(doc, backbone)).supernet_total
    return total.params, total.flops


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x = torch.randn(args.batch, 512, generator=torch.Generator().manual_seed(0))
    print(
        f"torch {torch.__version__}, CPU, {torch.get_num_threads()} thread(s), batch "
        f"{args.batch}, forward+backward, median of {args.repeats} (2 warm-up rounds)\n"
    )

    seed = parse_file(ROOT / "spaces" / "nasiam.nas")
    separate, shared = parse(SEPARATE), parse(SHARED)
    nets = {
        "seed loop": compile_space(seed, 512, seed=0, fused=False),
        "seed fused": compile_space(seed, 512, seed=0, fused=True),
        "separate loop": compile_space(separate, 512, seed=0, fused=False),
        "separate fused": compile_space(separate, 512, seed=0, fused=True),
        "shared act": compile_space(shared, 512, seed=0),
    }
    docs = {"seed": seed, "separate": separate, "shared": shared}
    times = measure(nets, x, args.repeats)

    rows = []
    for name, t in times.items():
        params, flops = size(docs[name.split()[0]], 512)
        rows.append((name, t, params, flops))
    print(f"{'configuration':<16} {'time (ms)':>10} {'params':>12} {'FLOPs/sample':>14}")
    for name, t, params, flops in rows:
        print(f"{name:<16} {t * 1e3:>10.1f} {params:>12,} {flops:>14,}")
    print()
    ratios = [
        ("seed space: loop / fused", times["seed loop"] / times["seed fused"], 1.3),
        ("separate loop / shared act", times["separate loop"] / times["shared act"], 3.0),
        ("separate fused / shared act", times["separate fused"] / times["shared act"], None),
    ]
    print(f"{'ratio':<30} {'x':>6}  target")
    for name, r, target in ratios:
        goal = f">= {target}x {'ok' if r >= target else 'MISSED'}" if target else "-"
        print(f"{name:<30} {r:>6.2f}  {goal}")
    print()
    print(f"{'profiled step':<16} {'GEMM (ms)':>10} {'other (ms)':>11}")
    names = ("seed loop", "seed fused")
    rounds = [{name: profile_split(nets[name], x) for name in names} for _ in range(3)]
    split = {}
    for name in names:  # medians over interleaved rounds, as the timings above
        split[name] = tuple(statistics.median(r[name][i] for r in rounds) for i in (0, 1))
        gemm, other = split[name]
        print(f"{name:<16} {gemm * 1e3:>10.1f} {other * 1e3:>11.1f}")
    bound = sum(split["seed loop"]) / split["seed fused"][0]
    print(f"bound on loop / fused (profiled loop step / fused GEMM time): {bound:.2f}x")


def profile_split(net: torch.nn.Module, x: torch.Tensor) -> tuple[float, float]:
    """Seconds of one step in matrix products and in everything else (profiler self times)."""
    from torch.profiler import ProfilerActivity, profile

    step(net, x)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        step(net, x)
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events) / 1e6
    gemm = sum(e.self_cpu_time_total for e in events if e.key in GEMM_OPS) / 1e6
    return gemm, total - gemm


GEMM_OPS = {"aten::mm", "aten::addmm", "aten::bmm", "aten::mv", "aten::addmv"}


if __name__ == "__main__":
    main()
