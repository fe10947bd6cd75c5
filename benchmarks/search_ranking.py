"""Does the search rank what it chooses among as retraining does? Per setting of
`search_quality.py`, the search's scores of the members it was compared with against their
measured accuracies: Kendall's τ (permutation p-value, bootstrap interval), the found
genotype's rank and its regret against the best member (`nasiam compare --search`, the same
computation).

The measured numbers are the kept ones (`benchmarks/results/search_quality/<setting>/
result.json`): the found genotypes and standard member from their kept files, the random
members drawn again from the comparison's seed (checked against their kept parameter
counts). The search runs are the kept ones (`<setting>/search/seed<s>/`: config, space,
alphas, genotype); `--search` re-runs the searches whose runs were not kept and keeps them.
A re-run search need not find the kept genotype (CPU runs are not bit-exact across
machines and loads): its scores are what is measured, and the report says whether it found
the same heads.

    python benchmarks/search_ranking.py --search --setting demo   # re-run and keep searches
    python benchmarks/search_ranking.py                           # rankings of every setting
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.search_quality import KEPT, SETTINGS, kept_summary, run_searches  # noqa: E402

SEARCH_FILES = ("config.json", "alphas.jsonl", "genotype.nas", "summary.json")


def keep_search(run: Path, folder: Path) -> None:
    """The files a search's scores are read from: its config, space copy, alphas, genotype."""
    folder.mkdir(parents=True, exist_ok=True)
    config = json.loads((run / "config.json").read_text("utf-8"))
    for name in (*SEARCH_FILES, Path(config["spec"]).name):
        if (run / name).is_file():
            shutil.copyfile(run / name, folder / name)


def kept_runs(name: str) -> dict[int, Path]:
    folder = KEPT / name / "search"
    return {
        int(p.name.removeprefix("seed")): p
        for p in sorted(folder.glob("seed*"))
        if (p / "alphas.jsonl").is_file()
    }


def rerun_searches(name: str, out: Path) -> None:
    """Search again with the setting's seeds whose runs were not kept; keep the new runs."""
    s = SETTINGS[name]
    missing = tuple(seed for seed in s.search_seeds if seed not in kept_runs(name))
    if not missing:
        return
    found = run_searches(name, s, out / name, missing)
    for seed, genotype in zip(missing, found, strict=True):
        keep_search(genotype.parent, KEPT / name / "search" / f"seed{seed}")


def _members(name: str, record: dict, scratch: Path):
    """The comparison's candidates as `Candidate`s with files, and its measured summary."""
    from nasiam_dsl.api import load
    from nasiam_dsl.backbones import build_backbone
    from nasiam_dsl.compare import Candidate
    from nasiam_dsl.compile.count import genotype_tallies
    from nasiam_dsl.compile.sample import sample_members
    from nasiam_dsl.lang import parse_file, print_document
    from nasiam_dsl.lang.infer import plan_document
    from nasiam_dsl.lang.same import architecture_hash

    s = SETTINGS[name]
    rows = record["compare"]["candidates"]
    dim = int(build_backbone("small_cnn", in_channels=1).feature_dim)
    space = load(REPO / s.space, backbone_dim=dim)
    drawn = {
        f"random-{m.index:02d}": m.genotype
        for m in sample_members(space, s.random, 0, backbone_dim=dim)
    }
    candidates, problems = [], []
    for row in rows:
        if row["kind"] != "candidate" or row["candidate"] == "standard":
            continue
        cand = row["candidate"]
        path = KEPT / name / f"{cand}.nas"
        if cand in drawn:
            path = scratch / f"{cand}.nas"
            path.write_text(print_document(drawn[cand]), "utf-8")
            tallies = genotype_tallies(plan_document(drawn[cand], dim), {})
            params = sum(t.params for nodes in tallies.values() for t in nodes.values())
            if params != row["head_params"]:
                problems.append(f"{cand} drawn again has {params:,} head parameters, kept "
                                f"{row['head_params']:,}")  # fmt: skip
        if not path.is_file():
            problems.append(f"{cand}: no kept genotype")
            continue
        doc = parse_file(path)
        candidates.append(Candidate(name=cand, spec=str(path), architecture=architecture_hash(doc)))
    summary = kept_summary(record)
    return candidates, summary, problems


def measured_in(name: str) -> str:
    """The setting whose comparison retrained `name`'s members: its own, or the setting that
    includes it (ssl-heads' genotypes were compared in ssl-heads-rank)."""
    if (KEPT / name / "result.json").is_file():
        return name
    for other, s in SETTINGS.items():
        if name in s.include and (KEPT / other / "result.json").is_file():
            return other
    raise SystemExit(f"{name}: no kept comparison measures its members")


def rank_setting(name: str) -> dict:
    """Each kept search run's ranking of the setting's measured members."""
    from nasiam_dsl.compare import rank_agreement, search_scores
    from nasiam_dsl.compare.search_rank import agreement_lines, agreement_record
    from nasiam_dsl.lang import parse_file
    from nasiam_dsl.lang.same import architecture_hash

    measured = measured_in(name)
    record = json.loads((KEPT / measured / "result.json").read_text("utf-8"))
    out: dict = {"setting": name, "measured_in": measured, "runs": {}}
    prefix = "" if measured == name else f"{name}-"  # an included setting's genotypes
    with tempfile.TemporaryDirectory() as tmp:
        candidates, summary, problems = _members(measured, record, Path(tmp))
        out["problems"] = problems
        for seed, run in kept_runs(name).items():
            scores = search_scores(run, candidates)
            agreement = rank_agreement(summary, scores, f"{name}/search/seed{seed}")
            # the heads this seed's search was retrained with: its own file, or the file of the
            # seed whose heads it shared (the study trains the same heads once)
            own = f"{prefix}found-seed{seed}"
            kept_as = record["judgement"].get("same_as", {}).get(own, own)
            kept = KEPT / measured / f"{kept_as}.nas"
            found = architecture_hash(parse_file(run / "genotype.nas"))
            same = architecture_hash(parse_file(kept)) == found if kept.is_file() else None
            out["runs"][str(seed)] = {
                **agreement_record(agreement),
                "found_the_kept_genotype": same,
                "lines": agreement_lines(agreement),
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setting", choices=sorted(SETTINGS), action="append", default=[])
    parser.add_argument("--search", action="store_true", help="re-run the searches not kept")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "quality")
    args = parser.parse_args()
    names = args.setting or sorted(p.name for p in KEPT.iterdir() if (p / "search").is_dir())
    for name in names:
        if args.search:
            rerun_searches(name, args.out)
        if not kept_runs(name):
            print(f"{name}: no kept search run (run with --search)")
            continue
        result = rank_setting(name)
        (KEPT / name / "ranking.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
        print(f"== {name}")
        for problem in result["problems"]:
            print(f"  note: {problem}")
        for seed, run in result["runs"].items():
            same = {
                True: "found the kept genotype",
                False: "found other heads than the kept genotype",
                None: "no genotype of this seed was retrained",
            }[run["found_the_kept_genotype"]]
            print(f"  search seed {seed} ({same}):")
            for line in run["lines"]:
                print(f"    {line}")


if __name__ == "__main__":
    main()
