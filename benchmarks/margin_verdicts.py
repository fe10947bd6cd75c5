"""How often a margin verdict holds up across search seeds, for several rules of "decided".

A search's genotype calls each choice decided or undecided (`search/margins.py`). A verdict
a user can trust is one that other seeds of the same search repeat: a choice called decided
should be won by the same candidate in the other seeds. For each group of search runs that
differ only in their seed, this reads every run's final probabilities and reports, per rule:

- decided: the share of (run, choice) verdicts that say decided;
- flips: choices whose verdict differs between seeds of a group;
- false "decided": pairs of seeds that both call a choice decided but keep different
  candidates (the verdict promised a finding the other seed does not reproduce);
- missed agreement: choices every seed keeps alike that a seed still calls undecided.

Usage: python benchmarks/margin_verdicts.py RUN_DIR... (run directories, or folders holding
them: a folder's runs form a group when their configs differ only in the seed).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nasiam_dsl.run.layout import RunFiles  # noqa: E402
from nasiam_dsl.show.decisions import run_margins  # noqa: E402
from nasiam_dsl.show.rundir import load_run  # noqa: E402

#: rule name -> decided(p_kept, p_runner_up, chance)
RULES = {
    "lead >= 0.05 (absolute)": lambda p, q, chance: p - q >= 0.05 - 1e-9,
    "lead >= 0.5 x chance": lambda p, q, chance: p - q >= 0.5 * chance - 1e-9,
    "ratio >= 1.5": lambda p, q, chance: p >= 1.5 * q - 1e-9,
    "ratio >= 2": lambda p, q, chance: p >= 2 * q - 1e-9,
    "ratio >= 3": lambda p, q, chance: p >= 3 * q - 1e-9,
}


def runs_below(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        if RunFiles(path).alphas.is_file():
            found.append(path)
        else:
            found += sorted(p.parent for p in path.rglob("alphas.jsonl"))
    return found


def group_key(run_dir: Path) -> str:
    config = json.loads(RunFiles(run_dir).config.read_text())
    for key in ("seed", "name", "out", "spec", "device"):
        config.pop(key, None)
    space = load_run(run_dir).space
    return json.dumps({"space": space.name if space else None, **config}, sort_keys=True)


def verdicts(run_dir: Path) -> dict[str, tuple[tuple[str, ...], float, float | None, float]]:
    """Choice key -> (kept names, p kept, p runner-up, chance) of the run's genotype."""
    out = {}
    for key, m in run_margins(load_run(run_dir)).items():
        out[key] = (m.chosen_names, m.p, m.runner_up_p, m.chance)
    return out


def measure(groups: dict[str, list[Path]]) -> list[dict]:
    rows = []
    read = {run: verdicts(run) for runs in groups.values() for run in runs}
    for rule, decided in RULES.items():
        calls = says = flips = false_pairs = both_pairs = missed = choices = 0
        for runs in groups.values():
            keys = set.intersection(*(set(read[r]) for r in runs)) if runs else set()
            for key in sorted(keys):
                choices += 1
                seen = []
                for run in runs:
                    names, p, q, chance = read[run][key]
                    d = q is None or decided(p, q, chance)
                    seen.append((names, d))
                    calls += 1
                    says += d
                if len({d for _, d in seen}) > 1:
                    flips += 1
                for (na, da), (nb, db) in itertools.combinations(seen, 2):
                    if da and db:
                        both_pairs += 1
                        false_pairs += na != nb
                if len({n for n, _ in seen}) == 1 and not all(d for _, d in seen):
                    missed += 1
        rows.append(
            {
                "rule": rule,
                "decided": says / calls if calls else float("nan"),
                "flips": f"{flips}/{choices}",
                "false decided": f"{false_pairs}/{both_pairs}",
                "missed agreement": f"{missed}/{choices}",
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args()
    groups: dict[str, list[Path]] = defaultdict(list)
    for run in runs_below(args.paths):
        groups[group_key(run)].append(run)
    groups = {k: v for k, v in groups.items() if len(v) >= 2}
    seeds = sum(len(v) for v in groups.values())
    print(f"{len(groups)} group(s) of search runs differing only in their seed, {seeds} runs:")
    for runs in groups.values():
        print("  " + ", ".join(str(r) for r in runs))
    print()
    print(
        "| rule | decided | verdict flips across seeds | false decided (pairs) | missed agreement |"
    )
    print("|---|---|---|---|---|")
    for row in measure(groups):
        print(
            f"| {row['rule']} | {row['decided']:.0%} | {row['flips']} | "
            f"{row['false decided']} | {row['missed agreement']} |"
        )


if __name__ == "__main__":
    main()
