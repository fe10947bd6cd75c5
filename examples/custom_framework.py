"""Search with a user framework: `--framework my_framework:NNSiam`, through the CLI.

    python examples/custom_framework.py           # tiny: seconds on a CPU
    python examples/custom_framework.py --full    # the README demo's budget

`my_framework.py` (beside this file) defines `NNSiam`; the CLI imports it from its dotted
path `module:Class`, so its folder must be on `PYTHONPATH`. Options the command line has
no flag for (`backbone_options`, the framework's own `framework_options`) go in a TOML
file given with `--config`; flags typed on the command line win over the file.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPACE = HERE.parent / "spaces" / "demo.nas"

TINY = """\
epochs = 2
steps_per_epoch = 3
batch_size = 32
knn_k = 20
backbone_options = { width = 4 }
framework_options = { support_size = 256, temperature = 0.1 }

[data]
limit = 256
"""
FULL = """\
epochs = 3
framework_options = { support_size = 1024 }

[data]
limit = 2000
"""


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the README demo's budget")
    parser.add_argument("--out", type=Path, default=Path("runs"), help="parent of run dirs")
    args = parser.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    config = args.out / "nnsiam.toml"
    config.write_text(FULL if args.full else TINY)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    name = f"nnsiam-{os.getpid()}"
    command = [
        sys.executable, "-m", "nasiam_dsl.cli", "search", str(SPACE),
        "--framework", "my_framework:NNSiam",
        "--config", str(config),
        "--out", str(args.out),
        "--name", name,
        "--quiet",
    ]  # fmt: skip
    print("$", " ".join(command[2:]))
    subprocess.run(command, env=env, check=True)
    run_dir = args.out / name
    recorded = json.loads((run_dir / "config.json").read_text())
    print("framework:", recorded["framework"], recorded["framework_options"])
    return run_dir


if __name__ == "__main__":
    main()
