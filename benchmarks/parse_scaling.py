"""How parse + check time grows with the size of a space.

Generates spaces of 10, 100, 1,000 and 5,000 nodes (one head, every construct in
rotation: linear with options and a let set, a 3-way op choice, width/norm/act
choices, a sum of the two previous nodes), times `parse` and `check` separately
(best of several runs), and prints a table with µs per node. Time per node should
stay flat: parsing is LALR and checking is one pass, so growth is linear.

    python benchmarks/parse_scaling.py [--sizes 10,100,1000,5000] [--repeat 3]

Target: 1,000 nodes parse and check in under one second. Python's cyclic garbage
collector adds a slowly growing share on big files (it rescans every AST node it
has made so far); the `no-gc` column shows the same run with the collector paused.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nasiam_dsl.lang import check, parse

TARGET_NODES, TARGET_SECONDS = 1000, 1.0


def node_expr(i: int, prev: str) -> str:
    kind = i % 4
    if kind == 0:
        return f"linear({prev}, 512, bias=false) | bn | act(acts)"
    if kind == 1:
        return f"choose(linear({prev}, 512) | bn | relu, identity({prev}), avgpool({prev}) | bn)"
    if kind == 2:
        return f"linear({prev}, width{{256, 512}}) | norm{{bn, layernorm}} | act{{relu, gelu}}"
    return f"sum(n{i - 2}, n{i - 3})"  # both 512 in every member (n{i - 1}'s width is chosen)


def make_space(nodes: int) -> str:
    """A valid space with `nodes` nodes in one head (about 65 bytes a node)."""
    lines = [
        f"# generated: {nodes} nodes",
        "space bench for simsiam {",
        "  let acts = {relu, gelu, silu}",
        "",
        "  head projector(x: backbone) {",
    ]
    prev = "x"
    for i in range(nodes):
        lines.append(f"    n{i} = {node_expr(i, prev)}")
        prev = f"n{i}"
    lines += ["  }", "", f"  constraint count(identity) <= {nodes} per head", "}"]
    return "\n".join(lines) + "\n"


def best_of(repeat: int, fn: Callable[[], object], *, collect: bool = True) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        if not collect:
            gc.disable()
        try:
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best


def measure(nodes: int, repeat: int) -> dict[str, float]:
    text = make_space(nodes)
    doc = parse(text, max_bytes=None)
    result = check(doc, backbone_dim=512)
    assert result.ok, [e.message for e in result.errors[:3]]
    parse_s = best_of(repeat, lambda: parse(text, max_bytes=None))
    check_s = best_of(repeat, lambda: check(doc, backbone_dim=512))
    no_gc_s = best_of(
        repeat, lambda: check(parse(text, max_bytes=None), backbone_dim=512), collect=False
    )
    return {
        "nodes": nodes,
        "kib": len(text.encode()) / 1024,
        "parse": parse_s,
        "check": check_s,
        "total": parse_s + check_s,
        "no_gc": no_gc_s,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,100,1000,5000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    parse(make_space(4))  # build the cached LALR parser outside the timings
    rows = [measure(n, args.repeat) for n in sizes]

    header = (
        f"{'nodes':>6} {'KiB':>7} {'parse ms':>9} {'check ms':>9} {'total ms':>9} "
        f"{'µs/node':>8} {'no-gc µs/node':>14}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['nodes']:>6} {r['kib']:>7.1f} {r['parse'] * 1e3:>9.1f} {r['check'] * 1e3:>9.1f} "
            f"{r['total'] * 1e3:>9.1f} {r['total'] * 1e6 / r['nodes']:>8.0f} "
            f"{r['no_gc'] * 1e6 / r['nodes']:>14.0f}"
        )
    target = [r for r in rows if r["nodes"] == TARGET_NODES]
    if target:
        ok = target[0]["total"] < TARGET_SECONDS
        verdict = "met" if ok else "MISSED"
        print(
            f"\ntarget: {TARGET_NODES:,} nodes in < {TARGET_SECONDS:.0f} s: {verdict} "
            f"({target[0]['total']:.3f} s)"
        )
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
