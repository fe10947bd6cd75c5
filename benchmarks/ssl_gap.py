"""What the demo shows a new user: SimSiam pretraining vs random init on the embedded data.

Trains the small CNN with the standard SimSiam heads (spaces/standard/simsiam.nas) on the
embedded MNIST subset (4,000 training images) on CPU, then reports kNN (k=200, t=0.1) and
linear-probe accuracy on its 1,000 test images, next to the same backbone at random init.

    python benchmarks/ssl_gap.py [--epochs 8] [--out /tmp/nasiam-bench]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.evaluation import evaluate_run
from nasiam_dsl.run.runner import start

ROOT = Path(__file__).resolve().parents[1]


class _Quiet:
    def epoch_start(self, run): ...
    def step_done(self, run, logs): ...
    def epoch_done(self, run, record): ...


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--out", default="/tmp/nasiam-bench")
    args = ap.parse_args()
    config = RunConfig.model_validate(
        {
            "command": "train",
            "spec": str(ROOT / "spaces/standard/simsiam.nas"),
            "framework": "simsiam",
            "backbone": "small_cnn",
            "optim": {"optimizer": "adamw", "lr": 1e-3, "weight_decay": 1e-4},
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "out": args.out,
            "name": f"ssl-gap-{time.strftime('%Y%m%d-%H%M%S')}",
            "device": "cpu",
        }
    )
    started = time.perf_counter()
    run = start(config, _Quiet())
    seconds = time.perf_counter() - started
    trained = evaluate_run(run.run_dir)
    random = evaluate_run(run.run_dir, random_init=True)
    print(
        f"SimSiam, small_cnn, embedded MNIST subset, {args.epochs} epochs, "
        f"batch {args.batch_size}, AdamW 1e-3, {seconds:.0f} s of training on CPU"
    )
    print(f"{'backbone':<24} {'kNN top-1':>10} {'linear probe':>13}")
    print(f"{'random init':<24} {random.knn:>10.4f} {random.linear_probe:>13.4f}")
    print(f"{'SimSiam-pretrained':<24} {trained.knn:>10.4f} {trained.linear_probe:>13.4f}")
    print(
        f"{'gap':<24} {trained.knn - random.knn:>+10.4f} "
        f"{trained.linear_probe - random.linear_probe:>+13.4f}"
    )


if __name__ == "__main__":
    main()
