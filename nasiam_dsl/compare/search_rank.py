"""Does the search rank what it chooses among as retraining does? Its scores against the
measured accuracies of a comparison (`nasiam compare ... --search RUN`).

Every candidate that is a member of RUN's space gets the search's score: the score that
orders RUN's `genotype.nas` and top-k files (`lang/score.py`), from the run's final
architecture probabilities (the last line of its `alphas.jsonl`). Candidates outside the
space (the framework's standard heads) get none. Over the scored members, on each metric:

- **Kendall's τ-b** between the scores and the measured means, with a two-sided permutation
  p-value (exact up to 8 members) and a bootstrap 95 % interval over members (seeded);
- **the found genotype's rank**: where the architecture RUN derived comes among the members
  by measured mean (1 = best), when it is one of the candidates;
- **its regret**: the best measured member's mean minus the found genotype's, paired by seed,
  with the 95 % t-interval (0 when the found genotype is the best).

Two readings of the score explain a disagreement: τ of the visible options' product alone
(no factor for the decisions a member hides: how much "hidden decisions at their best"
moves the order), and τ over the members that keep no parameter-free candidate of an op
choice (whether the skips and pools are what the search misjudges).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nasiam_dsl.compare.cells import Candidate
from nasiam_dsl.compare.stats import Paired, paired_difference
from nasiam_dsl.compare.summary import METRICS, Summary
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.usage import UsageProblem

__all__ = [
    "RankAgreement",
    "SearchScore",
    "agreement_lines",
    "agreement_record",
    "kendall_tau",
    "permutation_p",
    "rank_agreement",
    "search_scores",
]

EXACT_PERMUTATIONS = 8  # members up to which every permutation is counted
DRAWS = 20_000
BOOTSTRAP = 2_000


@dataclass(frozen=True)
class SearchScore:
    """The search's view of one candidate that is a member of its space."""

    log_score: float  # the documented score (hidden decisions at their best)
    visible_log: float  # the visible options' product alone
    param_free: bool  # keeps a parameter-free candidate of some op choice
    found: bool  # the architecture the search derived

    @property
    def score(self) -> float:
        return math.exp(self.log_score)


# ---- scoring a comparison's candidates ----------------------------------------------------


def search_scores(run_dir: Path, candidates: Sequence[Candidate]) -> dict[str, SearchScore]:
    """Candidate name -> the search's score, for the candidates that are members of the
    space searched in `run_dir` (see module docs)."""
    from nasiam_dsl.lang import parse_file
    from nasiam_dsl.lang.same import architecture_hash
    from nasiam_dsl.lang.score import best_log, log_probabilities, log_score
    from nasiam_dsl.lang.walk import is_open, iter_choices, keeps, keyed
    from nasiam_dsl.membership import member_decisions
    from nasiam_dsl.show.rundir import load_run

    run = load_run(run_dir)
    if run.space is None or not run.alphas:
        raise UsageProblem(
            f"--search {run_dir}: not a finished search run (it needs its space and alphas.jsonl)",
            "give the run directory `nasiam search` printed",
        )
    space = keyed(run.space)
    lets = {let.name: let for let in space.lets}
    sites = {s.key: s for s in iter_choices(space) if is_open(s.choice, lets)}
    probs = run.final_probabilities()
    if set(probs) != set(sites):
        raise UsageProblem(
            f"--search {run_dir}: its alphas.jsonl does not hold the decisions of its space",
            "was the space in the run directory edited after the run?",
        )
    logp = log_probabilities(probs)
    picks = {k: keeps(s.choice) for k, s in sites.items()}
    free = _param_free_candidates(space)
    found_path = RunFiles(run_dir).genotype
    found = architecture_hash(parse_file(found_path)) if found_path.is_file() else None

    scores: dict[str, SearchScore] = {}
    for candidate in candidates:
        if candidate.kind != "candidate" or candidate.spec is None:
            continue
        genotype = parse_file(candidate.spec)
        decisions = member_decisions(genotype, space, logp=logp)
        if decisions is None:
            continue
        visible = list(decisions)
        best = log_score(logp, picks, decisions, visible)
        hidden = math.fsum(best_log(logp[k], picks[k]) for k in logp if k not in set(visible))
        scores[candidate.name] = SearchScore(
            best,
            best - hidden,
            any(decisions.get(k, (None,))[0] in idx for k, idx in free.items() if k in visible),
            found is not None and candidate.architecture == found,
        )
    return scores


def _param_free_candidates(space) -> dict[str, set[int]]:
    """Op-choice key -> the indices of its parameter-free candidates, as the plan declares
    them (from the registry; widths do not matter, so any backbone width plans it)."""
    from nasiam_dsl.lang.infer import plan_document

    plan = plan_document(space, 1)
    return {
        key: {i for i, free in enumerate(info.param_free) if free}
        for key, info in plan.choices.items()
        if info.param_free is not None
    }


# ---- rank statistics ------------------------------------------------------------------------


def kendall_tau(x: Sequence[float], y: Sequence[float]) -> float:
    """Kendall's τ-b of two paired sequences (ties in either counted as neither agreeing
    nor disagreeing); NaN with fewer than two pairs or a constant sequence."""
    n = len(x)
    concordant = discordant = ties_x = ties_y = 0
    for i, j in itertools.combinations(range(n), 2):
        dx, dy = x[i] - x[j], y[i] - y[j]
        if dx == 0 and dy == 0:
            continue
        if dx == 0:
            ties_x += 1
        elif dy == 0:
            ties_y += 1
        elif (dx > 0) == (dy > 0):
            concordant += 1
        else:
            discordant += 1
    pairs_x = concordant + discordant + ties_y
    pairs_y = concordant + discordant + ties_x
    if pairs_x == 0 or pairs_y == 0:
        return math.nan
    return (concordant - discordant) / math.sqrt(pairs_x * pairs_y)


def permutation_p(x: Sequence[float], y: Sequence[float], seed: int = 0) -> float:
    """Two-sided p-value of τ under random pairings: how often a permutation of `y` gives
    |τ| at least the observed one (every permutation up to `EXACT_PERMUTATIONS` members)."""
    observed = abs(kendall_tau(x, y))
    if math.isnan(observed):
        return 1.0
    if len(y) <= EXACT_PERMUTATIONS:
        perms = list(itertools.permutations(y))
        hits = sum(abs(kendall_tau(x, p)) >= observed - 1e-12 for p in perms)
        return hits / len(perms)
    rng = random.Random(seed)
    shuffled = list(y)
    hits = 0
    for _ in range(DRAWS):
        rng.shuffle(shuffled)
        hits += abs(kendall_tau(x, shuffled)) >= observed - 1e-12
    return (hits + 1) / (DRAWS + 1)


def bootstrap_interval(
    x: Sequence[float], y: Sequence[float], seed: int = 0
) -> tuple[float, float]:
    """Percentile 95 % interval of τ over members resampled with replacement."""
    rng = random.Random(seed)
    n = len(x)
    taus = []
    for _ in range(BOOTSTRAP):
        idx = [rng.randrange(n) for _ in range(n)]
        tau = kendall_tau([x[i] for i in idx], [y[i] for i in idx])
        if not math.isnan(tau):
            taus.append(tau)
    if not taus:
        return math.nan, math.nan
    taus.sort()
    return taus[int(0.025 * (len(taus) - 1))], taus[int(0.975 * (len(taus) - 1))]


@dataclass(frozen=True)
class Tau:
    value: float
    p_value: float
    low: float
    high: float
    members: int


def _tau(x: Sequence[float], y: Sequence[float]) -> Tau:
    low, high = bootstrap_interval(x, y) if len(x) > 2 else (math.nan, math.nan)
    return Tau(kendall_tau(x, y), permutation_p(x, y), low, high, len(x))


@dataclass
class RankAgreement:
    """How the search's scores order the measured members (see module docs)."""

    run: str
    scores: dict[str, SearchScore]
    tau: dict[str, Tau] = field(default_factory=dict)
    tau_visible: dict[str, Tau] = field(default_factory=dict)
    tau_without_param_free: dict[str, Tau] = field(default_factory=dict)
    found: str | None = None
    found_rank: dict[str, int] = field(default_factory=dict)
    best: dict[str, str] = field(default_factory=dict)
    regret: dict[str, Paired] = field(default_factory=dict)


def rank_agreement(summary: Summary, scores: dict[str, SearchScore], run: str) -> RankAgreement:
    """τ, the found genotype's rank and its regret, per metric (see module docs)."""
    rows = [r for r in summary.candidates if r.name in scores]
    agreement = RankAgreement(run, scores)
    found = next((r for r in rows if scores[r.name].found), None)
    agreement.found = found.name if found is not None else None
    for metric in METRICS:
        measured = [r.mean_std(metric)[0] for r in rows]
        agreement.tau[metric] = _tau([scores[r.name].log_score for r in rows], measured)
        agreement.tau_visible[metric] = _tau([scores[r.name].visible_log for r in rows], measured)
        kept = [i for i, r in enumerate(rows) if not scores[r.name].param_free]
        agreement.tau_without_param_free[metric] = _tau(
            [scores[rows[i].name].log_score for i in kept], [measured[i] for i in kept]
        )
        if not rows:
            continue
        order = sorted(rows, key=lambda r, m=metric: -r.mean_std(m)[0])
        best = order[0]
        agreement.best[metric] = best.name
        if found is None:
            continue
        agreement.found_rank[metric] = order.index(found) + 1
        seeds = [s for s in found.seeds if s in best.values[metric]]
        agreement.regret[metric] = paired_difference(
            [best.values[metric][s] for s in seeds], [found.values[metric][s] for s in seeds]
        )
    return agreement


# ---- in words --------------------------------------------------------------------------------

NAMES = {"knn": "kNN", "linear_probe": "probe"}


def _tau_text(t: Tau) -> str:
    if math.isnan(t.value):
        return "n/a"
    interval = "" if math.isnan(t.low) else f" [{t.low:+.2f}, {t.high:+.2f}]"
    return f"{t.value:+.2f}{interval} (p = {t.p_value:.2g})"


def agreement_lines(a: RankAgreement) -> list[str]:
    """The search's ranking against retraining, in plain sentences."""
    n = next(iter(a.tau.values())).members if a.tau else 0
    if n < 2:
        return [f"search ranking ({a.run}): fewer than two candidates are members of its space."]
    taus = "; ".join(f"{NAMES[m]} {_tau_text(t)}" for m, t in a.tau.items())
    lines = [
        f"search ranking ({a.run}): Kendall τ between the search's scores and the measured "
        f"means over {n} members of its space: {taus}."
    ]
    agree = any(t.p_value < 0.05 and t.value > 0 for t in a.tau.values())
    if not agree:
        lines.append(
            "the search's scores do not order these members as retraining does (no τ is "
            "above 0 at p < 0.05)."
        )
    visible = "; ".join(f"{NAMES[m]} {_tau_text(t)}" for m, t in a.tau_visible.items())
    plain = "; ".join(f"{NAMES[m]} {_tau_text(t)}" for m, t in a.tau_without_param_free.items())
    members = next(iter(a.tau_without_param_free.values())).members
    lines.append(
        f"where it comes from: the visible options' product alone (hidden decisions left out) "
        f"gives τ {visible}; the {members} members without a parameter-free candidate give "
        f"τ {plain}."
    )
    if a.found is None:
        lines.append("the genotype the search derived is not among the candidates.")
        return lines
    for metric, rank in a.found_rank.items():
        regret = a.regret[metric]
        best = a.best[metric]
        if best == a.found:
            text = "the best measured member"
        else:
            interval = (
                ""
                if math.isinf(regret.low)
                else f" [{100 * regret.low:+.1f}, {100 * regret.high:+.1f}]"
            )
            text = f"regret {100 * regret.mean:+.1f}{interval} points against {best}"
        lines.append(
            f"the found genotype ({a.found}) ranks {rank} of {n} on {NAMES[metric]}: {text}."
        )
    return lines


def agreement_record(a: RankAgreement) -> dict:
    """The agreement as JSON (compare.json's "search")."""

    def tau(t: Tau) -> dict:
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v)
                 for k, v in vars(t).items()}  # fmt: skip
        return clean

    return {
        "run": a.run,
        "members": sorted(a.scores),
        "kendall_tau": {m: tau(t) for m, t in a.tau.items()},
        "kendall_tau_visible_only": {m: tau(t) for m, t in a.tau_visible.items()},
        "kendall_tau_without_param_free": {m: tau(t) for m, t in a.tau_without_param_free.items()},
        "found": a.found,
        "found_rank": a.found_rank,
        "best": a.best,
        "regret": {
            m: {
                "mean": r.mean,
                "low": None if math.isinf(r.low) else r.low,
                "high": None if math.isinf(r.high) else r.high,
            }
            for m, r in a.regret.items()
        },
    }
