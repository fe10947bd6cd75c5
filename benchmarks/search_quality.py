"""Does the search pay? Search -> compare, end to end, and a report that says what it found.

For each setting: `nasiam search` with several search seeds, then `nasiam compare` of the
genotypes it found against the space's standard member, uniformly random members of the same
space and the framework's standard heads, every candidate pretrained from scratch with the same
budget and the same seeds, scored by kNN (k=200) and the linear probe, with the random-init and
raw-pixel baselines. The found genotypes are judged against the mean of the random members and
against the standard member, seed by seed (paired 95 % t-intervals): a win is an interval
above 0 on both kNN and the probe. Everything is resumable: rerunning skips finished searches
and comparison cells.

    python benchmarks/search_quality.py --setting demo --jobs 2
    python benchmarks/search_quality.py --report          # docs/search-quality.md from results

Settings live in SETTINGS below: a space, a framework, the search flags, the pretraining flags.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nasiam_dsl.compare.stats import paired_difference  # noqa: E402

METRICS = ("knn", "linear_probe")
KEPT = REPO / "benchmarks" / "results" / "search_quality"  # the numbers docs/ was made from
READING = "<!-- reading: written by hand from the tables above; kept when the tables are remade -->"
METRIC_NAMES = {"knn": "kNN (k=200)", "linear_probe": "linear probe"}

DEMO_MEMBER = """\
# The demo space's standard member: ReLU everywhere, the linear block, a 64-wide predictor.
genotype demo_standard for simsiam {
  head projector(x: backbone) {
    h1 = linear(x, backbone, bias=false) | bn | relu
    h2 = linear(h1, backbone, bias=false) | bn | relu
    z = linear(h2, 256, bias=frozen) | bn(affine=false)
  }

  head predictor(z: projector) {
    h = linear(z, 64, bias=false) | bn | relu
    p = linear(h, 256)
  }
}
"""

SSL_HEADS_MEMBER = """\
# The ssl_heads space's standard member: SimSiam's recipe scaled down (BN and ReLU in every
# hidden layer, a two-layer projector with a non-affine BN output, a d/4 predictor bottleneck).
genotype ssl_heads_standard for simsiam {
  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | bn | relu
    h2 = linear(h1, 512, bias=false) | bn | relu
    z = linear(h2, 256, bias=frozen) | bn(affine=false)
  }

  head predictor(z: projector) {
    h = linear(z, 64, bias=false) | bn | relu
    p = linear(h, 256)
  }
}
"""

MOCO_MEMBER = """\
# The NASiam MoCo space's plain member: every layer linear + BN + ReLU (`nasiam pin`).
genotype nasiam_moco_standard for mocov2 {
  let dim = 128

  head projector(x: backbone) {
    h1 = linear(x, backbone, bias=false) | bn | relu
    h2 = linear(h1, backbone, bias=false) | bn | relu
    h3 = linear(h2, backbone, bias=false) | bn | relu
    h4 = linear(h3, backbone, bias=false) | bn | relu
    z = linear(h4, dim)
  }
}
"""

EMBEDDED_ADAMW = ["--optimizer", "adamw", "--lr", "1e-3", "--device", "cpu"]


@dataclass
class Setting:
    """One search-and-compare study."""

    space: str
    member: str  # the space's standard member, as genotype text
    framework: str = "simsiam"
    dataset: list[str] = field(default_factory=lambda: ["--dataset", "embedded"])
    search: list[str] = field(
        default_factory=lambda: ["--epochs", "20", "--arch-lr", "1e-2", *EMBEDDED_ADAMW]
    )
    pretrain: list[str] = field(default_factory=lambda: ["--epochs", "10", *EMBEDDED_ADAMW])
    search_seeds: tuple[int, ...] = (0, 1, 2)
    train_seeds: tuple[int, ...] = (0, 1, 2)
    random: int = 5
    note: str = ""
    # other settings' found genotypes compared here too: setting name -> its search seeds
    include: dict[str, tuple[int, ...]] = field(default_factory=dict)


SETTINGS: dict[str, Setting] = {
    "demo": Setting(
        "spaces/demo.nas",
        DEMO_MEMBER,
        note="The README's demo: the demo space, SimSiam, the embedded MNIST subset, 20 search "
        "epochs (AdamW 1e-3, architecture lr 1e-2), every candidate pretrained 10 epochs.",
    ),
    "ssl-heads": Setting(
        "spaces/ssl_heads.nas",
        SSL_HEADS_MEMBER,
        note="A space whose choices are known to matter for SimSiam heads (BN or none in hidden "
        "layers and at the projector output, projector depth, predictor bottleneck, "
        "activation), same budget as the demo.",
    ),
    "ssl-heads-gumbel": Setting(
        "spaces/ssl_heads.nas",
        SSL_HEADS_MEMBER,
        search=["--epochs", "20", "--arch-lr", "1e-2", "--sampler", "gumbel", *EMBEDDED_ADAMW],
        note="The ssl_heads space searched with GDAS (hard Gumbel draws, tau 10 -> 0.1).",
    ),
    "mocov2": Setting(
        "spaces/nasiam_moco.nas",
        MOCO_MEMBER,
        framework="mocov2",
        search_seeds=(0,),
        note="MoCo v2 (its projector search moves since the momentum fix) in the NASiam MoCo "
        "space at the small CNN's width, one search seed, same budget as the demo.",
    ),
    "ssl-heads-rank": Setting(
        "spaces/ssl_heads.nas",
        SSL_HEADS_MEMBER,
        search=["--epochs", "20", "--arch-lr", "1e-2", "--rank-weight", "1", *EMBEDDED_ADAMW],
        note="The ssl_heads space with a label-free term in the architecture loss: the "
        "effective rank of the projector's held-out embeddings (weight 1; the SimSiam loss "
        "lies in [-1, 1]). The genotypes the plain search (setting ssl-heads, the held-out SSL "
        "loss alone) found with seeds 0 and 1 are compared in the same run, with the same "
        "random members, standard member and budget.",
        include={"ssl-heads": (0, 1)},
        random=12,  # with the found genotypes and the standard member, 15+ members of the space:
        # enough for the rank correlation between the search's scores and retraining
    ),
    "ssl-heads-wide-rank": Setting(
        "spaces/ssl_heads_wide.nas",
        SSL_HEADS_MEMBER,
        search=["--epochs", "20", "--arch-lr", "1e-2", "--rank-weight", "1", *EMBEDDED_ADAMW],
        search_seeds=(0, 1),
        train_seeds=(0, 1, 2, 3, 4, 5),
        note="The ssl_heads space with the projector's hidden width as a decision too (512, "
        "the standard member's, or 2048), searched with the effective-rank term (weight 1), "
        "two search seeds, every candidate pretrained with six seeds so that paired "
        "differences of about a point can be resolved and the sign-flip test can reach "
        "p < 0.05. The genotype the narrow space's rank search found (setting ssl-heads-rank, "
        "seed 0) is compared in the same run.",
        include={"ssl-heads-rank": (0,)},
    ),
    "ssl-heads-second": Setting(
        "spaces/ssl_heads.nas",
        SSL_HEADS_MEMBER,
        search=["--epochs", "20", "--arch-lr", "1e-2", "--second-order", *EMBEDDED_ADAMW],
        search_seeds=(0, 1),
        note="The ssl_heads space searched on the held-out SSL loss alone, as in setting "
        "ssl-heads, but with the unrolled (second-order) architecture gradient: does the exact "
        "bilevel gradient avoid the collapsing head that the first-order search picked with "
        "seed 0? Same random members, standard member and budget as ssl-heads-rank.",
    ),
    "fashion-mnist": Setting(
        "spaces/ssl_heads.nas",
        SSL_HEADS_MEMBER,
        dataset=["--dataset", "fashion-mnist", "--limit", "10000"],
        search=["--epochs", "6", "--arch-lr", "1e-2", "--rank-weight", "1", *EMBEDDED_ADAMW],
        pretrain=["--epochs", "4", *EMBEDDED_ADAMW],
        search_seeds=(0, 1),
        note="Fashion-MNIST (Debian's full set read from /usr/share/datasets/fashion-mnist): "
        "searched and pretrained on a class-balanced 10,000 of the 60,000 training images "
        "(search 6 epochs, pretraining 4: about the weight steps of the embedded settings), "
        "evaluated with all 60,000 as the kNN bank and probe training set and the 10,000 test "
        "images, so the test set's own noise is 0.45 points instead of 1.4. The ssl_heads space "
        "with the effective-rank term, two search seeds, three training seeds.",
    ),
}


def nasiam(*args: str, log: Path) -> None:
    """Run the CLI of this checkout in a subprocess, output to `log`; raise on failure."""
    cmd = [sys.executable, "-m", "nasiam_dsl.cli", *args]
    with log.open("a") as out:
        out.write("$ nasiam " + " ".join(args) + "\n")
        out.flush()
        code = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    if code != 0:
        raise SystemExit(f"failed ({code}): nasiam {' '.join(args)}; see {log}")


def run_searches(
    name: str, s: Setting, root: Path, seeds: tuple[int, ...] | None = None
) -> list[Path]:
    found = []
    root.mkdir(parents=True, exist_ok=True)  # a setting included by another one starts here
    for seed in s.search_seeds if seeds is None else seeds:
        run = root / "search" / f"seed{seed}"
        if not (run / "summary.json").exists():
            if run.exists():
                shutil.rmtree(run)  # an unfinished search starts over (its own seed)
            nasiam(
                "search",
                s.space,
                "--framework",
                s.framework,
                *s.dataset,
                *s.search,
                "--seed",
                str(seed),
                "--out",
                str(root / "search"),
                "--name",
                f"seed{seed}",
                "--quiet",
                log=root / "log.txt",
            )
        found.append(run / "genotype.nas")
    return found


def candidates(s: Setting, root: Path, found: list[Path]) -> tuple[list[Path], dict[str, str]]:
    """The genotype files to compare, and the found genotypes left out because an earlier one
    is the same architecture (name -> the name it equals): identical heads are trained once."""
    folder = root / "candidates"
    folder.mkdir(parents=True, exist_ok=True)
    named = [(f"found-seed{i}", g) for i, g in zip(s.search_seeds, found, strict=True)]
    for other, seeds in s.include.items():
        genotypes = run_searches(other, SETTINGS[other], root.parent / other, seeds)
        named += [(f"{other}-found-seed{i}", g) for i, g in zip(seeds, genotypes, strict=True)]
    from nasiam_dsl.compare import genotype_candidates, same_heads

    paths = []  # every found genotype is kept beside the others; repeats are not compared
    for name, genotype in named:
        path = folder / f"{name}.nas"
        path.write_text(genotype.read_text("utf-8"), "utf-8")
        paths.append(path)
    kept, aliases = same_heads(genotype_candidates([str(p) for p in paths], s.framework))
    member = folder / "member.nas"
    member.write_text(s.member, "utf-8")
    return [*(Path(c.spec) for c in kept), member], aliases


def reuse_cells(name: str, s: Setting, root: Path) -> list[str]:
    """Copy finished cells that another setting already trained with the same budget: the
    framework's standard heads and the baselines always, the standard member when it is the same
    genotype, the random members when the space is the same; only the seeds both settings
    train. A cell is an ordinary run directory, finished when
    its result file exists, so `nasiam compare` skips copied cells."""
    target = root / name / "compare"
    copied = []
    for other, o in SETTINGS.items():
        source = root / other / "compare"
        same_budget = (o.framework, o.dataset, o.pretrain) == (s.framework, s.dataset, s.pretrain)
        if other == name or not source.is_dir() or not same_budget:
            continue
        shared = ["standard", "random-init", "raw-pixels"]
        if o.member == s.member:
            shared.append("member")
        if o.space == s.space:  # the same seed draws the same first members
            shared += [f"random-{i:02d}" for i in range(1, min(s.random, o.random) + 1)]
        for candidate in shared:
            for seed in set(s.train_seeds) & set(o.train_seeds):
                cell = Path(candidate) / f"seed{seed}"
                done = source / cell / "result.json"
                if done.exists() and not (target / cell / "result.json").exists():
                    shutil.copytree(source / cell, target / cell, dirs_exist_ok=True)
                    copied.append(f"{other}:{cell}")
    return copied


def run_compare(s: Setting, root: Path, cands: list[Path], jobs: int) -> dict:
    out = root / "compare"
    seeds = ",".join(map(str, s.train_seeds))
    nasiam(
        "compare",
        *map(str, cands),
        "standard",
        "--random",
        str(s.random),
        "--space",
        s.space,
        "--reference",
        "member",
        "--framework",
        s.framework,
        *s.dataset,
        *s.pretrain,
        "--seeds",
        seeds,
        "--jobs",
        str(jobs),
        "--out",
        str(out),
        "--quiet",
        log=root / "log.txt",
    )
    return json.loads((out / "compare.json").read_text("utf-8"))


def search_seconds(run_dir: Path) -> float:
    """The search's own time: the sum of its epochs' seconds (resumes and reruns excluded)."""
    lines = (run_dir / "metrics.jsonl").read_text("utf-8").splitlines()
    return round(sum(json.loads(line).get("seconds", 0.0) for line in lines if line), 1)


def decisiveness(found: list[Path]) -> list[dict]:
    """The meta block's decided/undecided counts of each found genotype."""
    from nasiam_dsl.lang import parse_file

    rows = []
    for path in found:
        meta = parse_file(path).meta
        rows.append(
            {
                "genotype": f"{path.parents[2].name}/{path.parent.name}",
                "decided": meta.get("decided") if meta else None,
                "undecided": meta.get("undecided") if meta else None,
            }
        )
    return rows


def judge(report: dict, aliases: dict[str, str] | None = None) -> dict:
    """Each found genotype against the random members' mean and the standard member; a found
    genotype that is the same architecture as another (`aliases`) shares its verdict."""
    cands = {c["candidate"]: c for c in report["candidates"]}
    randoms = [
        c for name, c in cands.items() if name.startswith("random-") and c["kind"] == "candidate"
    ]
    member = cands["member"]
    verdicts = {}
    for name, c in cands.items():
        if "found-seed" not in name:
            continue
        verdicts[name] = {}
        for m in METRICS:
            seeds = sorted(c["values"][m], key=int)
            mine = [c["values"][m][k] for k in seeds]
            random_mean = [fmean(r["values"][m][k] for r in randoms) for k in seeds]
            vs_random = paired_difference(mine, random_mean)
            vs_member = paired_difference(mine, [member["values"][m][k] for k in seeds])
            verdicts[name][m] = {
                "vs_random": [vs_random.mean, vs_random.low, vs_random.high],
                "vs_member": [vs_member.mean, vs_member.low, vs_member.high],
            }
    for name, same in (aliases or {}).items():
        verdicts[name] = verdicts[same]
    wins = {
        name: all(v[m][ref][1] > 0 for m in METRICS for ref in ("vs_random", "vs_member"))
        for name, v in verdicts.items()
    }
    return {
        "found": verdicts,
        "wins": wins,
        "random_members": len(randoms),
        "same_as": dict(aliases or {}),
    }


def run_setting(name: str, jobs: int, root: Path) -> None:
    s = SETTINGS[name]
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    started = time.time()
    found = run_searches(name, s, folder)
    searched = time.time() - started
    reused = reuse_cells(name, s, root)
    cands, aliases = candidates(s, folder, found)
    report = run_compare(s, folder, cands, jobs)
    result = {
        "setting": name,
        "note": s.note,
        "space": s.space,
        "framework": s.framework,
        "search_flags": s.search,
        "pretrain_flags": s.pretrain,
        "search_seeds": list(s.search_seeds),
        "train_seeds": list(s.train_seeds),
        "search_seconds": round(searched, 1),
        "total_seconds": round(time.time() - started, 1),
        "search_run_seconds": [search_seconds(g.parent) for g in found],
        "cell_seconds": round(
            sum((c.get("wall_s") or 0) * c["seeds"] for c in report["candidates"]), 1
        ),
        "reused_cells": reused,
        "decisiveness": decisiveness(
            found
            + [
                root / other / "search" / f"seed{i}" / "genotype.nas"
                for other, seeds in s.include.items()
                for i in seeds
            ]
        ),
        "compare": report,
        "judgement": judge(report, aliases),
    }
    (folder / "result.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(json.dumps(result["judgement"], indent=2))


def _pct(x: float) -> str:
    return f"{100 * x:+.1f}"


def _interval(v: list[float]) -> str:
    mean, low, high = v
    return f"{_pct(mean)} [{_pct(low)}, {_pct(high)}]"


def kept_summary(record: dict):
    """The comparison of a kept `result.json` as a `compare.Summary` (rows and reference;
    enough to rank members and to draw the figure)."""
    from nasiam_dsl.compare.summary import Row, Summary

    rows = [
        Row(
            r["candidate"],
            r["kind"],
            {m: {int(k): v for k, v in r["values"][m].items()} for m in ("knn", "linear_probe")},
            r.get("head_params"),
            r.get("head_flops"),
            r.get("wall_s") or 0.0,
        )
        for r in record["compare"]["candidates"]
    ]
    compare = record["compare"]
    return Summary(rows, compare["reference"], {}, compare.get("linear_probe", ""),
                   compare.get("test_images", 0))  # fmt: skip


def draw_kept(record: dict, target: Path) -> list[Path]:
    """The setting's comparison figure (PNG and PDF), drawn by `nasiam compare`'s plot."""
    from nasiam_dsl.compare.plot import plot_comparison

    search = " ".join(f for f in record["search_flags"] if f not in ("--device", "cpu"))
    title = (
        f"{record['setting']}: {record['framework']}, {record['space']}; search {search}; "
        f"pretraining {' '.join(record['pretrain_flags'])}, seeds {record['train_seeds']}"
    )
    return plot_comparison(kept_summary(record), target, title)


def kept_rankings() -> list[dict]:
    """Every kept ranking (`benchmarks/search_ranking.py`), by setting."""
    return [json.loads(p.read_text("utf-8")) for p in sorted(KEPT.glob("*/ranking.json"))]


def _rankings_of(setting: str, rankings: list[dict]) -> list[dict]:
    """The rankings of the searches whose members the comparison of `setting` retrained: its
    own, and those of the settings it includes."""
    found = [r for r in rankings if r.get("measured_in", r["setting"]) == setting]
    return sorted(found, key=lambda r: r["setting"] != setting)  # its own first


def _tau(t: dict) -> str:
    return f"{t['value']:+.2f} [{t['low']:+.2f}, {t['high']:+.2f}] p={t['p_value']:.2g}"


def ranking_table(rankings: list[dict]) -> list[str]:
    """Does the search rank? τ between each kept search run's scores and the measured means
    of the members of its space, the found genotype's rank and its regret."""
    lines = [
        "Does the search rank what it chooses among as retraining does? For each setting whose",
        "search runs are kept: Kendall τ between the run's scores (the score that orders",
        "`genotype.nas` and the top-k files) and the measured means of the members of its space",
        "that were retrained (95 % bootstrap interval, permutation p), the found genotype's",
        "measured rank among them, and its regret against the best of them (paired, points).",
        "",
        "| setting | search run | members | τ kNN | τ probe | found's rank kNN / probe | "
        "regret kNN | regret probe |",
        "|---|---|---|---|---|---|---|---|",
    ]
    measured = False
    for ranking in rankings:
        setting = ranking["setting"]
        where = ranking.get("measured_in", setting)
        label = setting if where == setting else f"{setting} (members of {where})"
        for seed, run in sorted(ranking["runs"].items()):
            measured = True
            tau, rank, regret = run["kendall_tau"], run["found_rank"], run["regret"]
            members = tau["knn"]["members"]
            if rank is None or rank.get("knn") is None:  # the search found heads not retrained
                found, losses = "not retrained", ["—", "—"]
            else:
                found = f"{rank['knn']} / {rank['linear_probe']} of {members}"
                losses = [
                    _interval([regret[m][k] for k in ("mean", "low", "high")])
                    for m in ("knn", "linear_probe")
                ]
            lines.append(
                f"| {label} | seed {seed} | {members} | {_tau(tau['knn'])} | "
                f"{_tau(tau['linear_probe'])} | {found} | {losses[0]} | {losses[1]} |"
            )
    return [*lines, ""] if measured else []


def report_markdown(root: Path, docs: Path) -> str:
    lines = [
        "# Does the search pay? Search quality, measured",
        "",
        "Made by `python benchmarks/search_quality.py --setting NAME` (settings in the script;",
        "each setting's numbers in `runs/quality/NAME/result.json`, `--out` to move them), then",
        "`--report`. The numbers behind this page, with the genotypes each search found, are kept",
        f"in `{KEPT.relative_to(REPO)}/` (`--report --out {KEPT.relative_to(REPO)}` remakes it).",
        "Every candidate is pretrained from scratch with the",
        "same budget and the same seeds; differences are paired by seed, in accuracy points, with",
        "95 % t-intervals. A found genotype *wins* when its interval against the mean of the",
        "random members and against the space's standard member both lie above 0, on kNN and on",
        "the linear probe.",
        "",
    ]
    results = [json.loads(p.read_text("utf-8")) for p in sorted(root.glob("*/result.json"))]
    lines += [
        "At a glance, every found genotype of every setting (paired Δ in points, 95 % interval;",
        "the sections below have the candidates, baselines, budgets and plots):",
        "",
        "| setting | found | seeds | Δ kNN vs random | Δ probe vs random | Δ kNN vs member | "
        "Δ probe vs member | wins |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        j = r["judgement"]
        for found, v in j["found"].items():
            if found in j.get("same_as", {}):
                continue
            lines.append(
                f"| {r['setting']} | {found} | {len(r['train_seeds'])} | "
                f"{_interval(v['knn']['vs_random'])} | {_interval(v['linear_probe']['vs_random'])}"
                f" | {_interval(v['knn']['vs_member'])} | "
                f"{_interval(v['linear_probe']['vs_member'])} | "
                f"{'yes' if j['wins'][found] else 'no'} |"
            )
    lines.append("")
    rankings = kept_rankings()
    lines += ranking_table(rankings)
    for r in results:
        name, cmp_ = r["setting"], r["compare"]
        lines += [f"## {name}", "", r["note"], ""]
        lines += [
            f"- space `{r['space']}`, framework {r['framework']}; search "
            f"`{' '.join(r['search_flags'])}` with seeds {r['search_seeds']}; pretraining "
            f"`{' '.join(r['pretrain_flags'])}` with seeds {r['train_seeds']}",
            "- time (2-core CPU shared with other work): each search "
            + ", ".join(f"{t / 60:.1f}" for t in r["search_run_seconds"])
            + f" min; pretraining and evaluating every cell {r['cell_seconds'] / 60:.0f} min "
            "in all (cells ran two at a time)",
            "- how decided the searches were: "
            + "; ".join(
                f"{d['genotype']}: {d['decided']} decided, {d['undecided']} undecided"
                for d in r["decisiveness"]
            ),
            "",
            "| candidate | kNN % | probe % | Δ kNN vs member | Δ probe vs member | head params |",
            "|---|---|---|---|---|---|",
        ]
        for c in cmp_["candidates"]:

            def acc(m: str, c=c) -> str:
                return f"{100 * c[m + '_mean']:.1f} ± {100 * (c[m + '_std'] or 0):.1f}"

            def diff(m: str, c=c) -> str:
                if c.get(m + "_diff") is None:
                    return "—"
                low, high = c.get(m + "_diff_low"), c.get(m + "_diff_high")
                if low is None or high is None:
                    return _pct(c[m + "_diff"])
                return _interval([c[m + "_diff"], low, high])

            params = c.get("head_params")
            lines.append(
                f"| {c['candidate']} | {acc('knn')} | {acc('linear_probe')} | {diff('knn')} | "
                f"{diff('linear_probe')} | {'' if params is None else f'{params:,}'} |"
            )
        j = r["judgement"]
        lines += [
            "",
            f"Found genotypes against the mean of {j['random_members']} random members and "
            "against the standard member (paired Δ, points, 95 % interval):",
            "",
            "| found | Δ kNN vs random | Δ probe vs random | Δ kNN vs member | "
            "Δ probe vs member | wins |",
            "|---|---|---|---|---|---|",
        ]
        for found, v in j["found"].items():
            same = j.get("same_as", {}).get(found)
            label = f"{found} (the same heads as {same}, trained once)" if same else found
            lines.append(
                f"| {label} | {_interval(v['knn']['vs_random'])} | "
                f"{_interval(v['linear_probe']['vs_random'])} | {_interval(v['knn']['vs_member'])}"
                f" | {_interval(v['linear_probe']['vs_member'])} | "
                f"{'yes' if j['wins'][found] else 'no'} |"
            )
        lines += ["", "The comparison's own verdict:", ""]
        lines += [f"> {line}" for line in cmp_["verdict"]]
        for ranking in _rankings_of(name, rankings):
            for seed, run in sorted(ranking["runs"].items()):
                how = "(`benchmarks/search_ranking.py`, as `nasiam compare --search`)"
                who = f"{ranking['setting']} search seed {seed}"
                lines += ["", f"How the {who}'s scores rank the members {how}:", ""]
                lines += [f"> {line}" for line in run["lines"]]
        target = docs / "img" / f"search-quality-{name}.png"
        draw_kept(r, target)  # today's figure, from the numbers this page reports
        lines += ["", f"![{name}](img/{target.name}) ([PDF](img/{target.stem}.pdf))"]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setting", choices=sorted(SETTINGS), action="append", default=[])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "quality")
    parser.add_argument("--report", action="store_true", help="write docs/search-quality.md")
    parser.add_argument("--docs", type=Path, default=REPO / "docs")
    parser.add_argument(
        "--keep", action="store_true", help=f"copy each setting's numbers and genotypes to {KEPT}"
    )
    args = parser.parse_args()
    for name in args.setting:
        run_setting(name, args.jobs, args.out)
    if args.keep:
        for result in sorted(args.out.glob("*/result.json")):
            folder = KEPT / result.parent.name
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(result, folder / "result.json")
            for genotype in (result.parent / "candidates").glob("*.nas"):
                shutil.copyfile(genotype, folder / genotype.name)
        print(f"kept the numbers in {KEPT}")
    if args.report:
        path = args.docs / "search-quality.md"
        text = report_markdown(args.out, args.docs)
        if path.exists() and READING in path.read_text("utf-8"):  # keep the hand-written reading
            text += "\n" + READING + path.read_text("utf-8").split(READING, 1)[1]
        path.write_text(text, "utf-8")
        print(f"wrote {args.docs / 'search-quality.md'}")


if __name__ == "__main__":
    main()
