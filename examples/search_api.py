"""Search a space through the Python API on the embedded data (5,000 MNIST images).

    python examples/search_api.py           # tiny: a few seconds on a CPU
    python examples/search_api.py --full    # the README demo's budget: minutes on 2 cores

Checks the space, searches it inside SimSiam, prints the genotype and the metrics of
every epoch, then evaluates the searched backbone against the same backbone untrained.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nasiam_dsl import api

SPACES = Path(__file__).resolve().parents[1] / "spaces"

# 256 images, 2 epochs of 3 steps, a 4-wide CNN: proves the pipeline, learns little
TINY = {
    "epochs": 2,
    "steps_per_epoch": 3,
    "batch_size": 32,
    "data": {"limit": 256},
    "backbone_options": {"width": 4},
    "knn_k": 20,
}
# `nasiam search spaces/demo.nas --epochs 3 --limit 2000`
FULL = {"epochs": 3, "data": {"limit": 2000}}


def main(argv: list[str] | None = None) -> api.SearchResult:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("space", nargs="?", type=Path, default=SPACES / "demo.nas")
    parser.add_argument("--full", action="store_true", help="the README demo's budget")
    parser.add_argument("--out", default="runs", help="parent of the run directory")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)

    space = api.load(args.space)  # parse + check: a bad space fails here, with file:line:col
    print(f"searching {space.kind} '{space.name}' ({len(space.heads)} heads)")
    budget = FULL if args.full else TINY
    result = api.search(spec=args.space, out=args.out, device=args.device, **budget)

    print(result.genotype_text)
    for m in result.metrics:
        knn = f"  knn {m['knn']:.3f}" if "knn" in m else ""
        print(
            f"epoch {m['epoch']}: train/loss {m['train/loss']:.4f}  "
            f"z_std_normalised {m['z_std_normalised']:.3f}{knn}"
        )

    probe = {"probe_epochs": 20} if args.full else {"k": 20, "probe_epochs": 2, "max_train": 256}
    searched = api.evaluate(result.run_dir, device="cpu", **probe)
    baseline = api.evaluate(result.run_dir, random_init=True, device="cpu", **probe)
    print(f"kNN: searched {searched.knn:.3f}, random init {baseline.knn:.3f}")
    print(f"run directory: {result.run_dir}")
    return result


if __name__ == "__main__":
    main()
