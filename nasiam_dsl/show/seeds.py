"""How often each candidate won each choice across several searches (one per seed).

A run's winners come from its `genotype.nas` (aligned with its space copy, so a winner
is named as in the space and constraint repairs count), or, without a genotype, from the
last line of `alphas.jsonl` (the most probable candidate; the `k` most probable for
`pick k of n`). A choice inside a candidate that a run did not choose is not decided by
that run: `decided` counts the runs that did. Each run also says how decided its pick
was (`search.margins`): a winner that every seed agrees on is a finding only where the
searches separated the candidates, and the table says so in plain words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from rich.table import Table
from rich.text import Text

from nasiam_dsl.membership.chosen import align_genotype, candidate_names, chosen_candidates
from nasiam_dsl.search.genotype_margins import picks
from nasiam_dsl.search.margins import DECIDED_RATIO, Margin
from nasiam_dsl.show.decisions import run_margins
from nasiam_dsl.show.rundir import RunDir, load_run
from nasiam_dsl.usage import UsageProblem

__all__ = [
    "SeedRun",
    "SeedTable",
    "agreement_sentence",
    "run_winners",
    "seed_table",
    "seeds_rich_table",
]


@dataclass(frozen=True)
class SeedRun:
    """One search's winners: choice key -> the winning candidate name(s)."""

    path: Path
    seed: int | None
    winners: dict[str, tuple[str, ...]]
    source: Literal["genotype", "alphas"]
    margins: dict[str, Margin] = field(default_factory=dict)


@dataclass(frozen=True)
class SeedTable:
    """Win counts per choice and candidate over several runs."""

    runs: tuple[SeedRun, ...]
    candidates: dict[str, list[str]]
    counts: dict[str, dict[str, int]]
    decided: dict[str, int]

    def winner(self, key: str) -> str | None:
        """The candidate that won `key` most often (the first listed on a tie)."""
        counts = self.counts.get(key) or {}
        best = max(counts.values(), default=0)
        return next((n for n, c in counts.items() if c == best), None) if best else None

    def agreement(self, key: str) -> float:
        """Share of the runs deciding `key` that chose its most frequent winner."""
        counts = self.counts.get(key) or {}
        return max(counts.values(), default=0) / self.decided[key] if self.decided.get(key) else 0.0

    def agrees(self, key: str) -> bool:
        """Every run that decided `key` (two or more) chose the same candidate(s)."""
        return self.decided.get(key, 0) >= 2 and self.agreement(key) == 1.0

    def decisive(self, key: str) -> int:
        """How many runs' picks at `key` clear the margin (`search.margins`)."""
        return sum(r.margins[key].decided for r in self.runs if key in r.margins)


def run_winners(run: RunDir | str | Path) -> SeedRun:
    """The winners of one search (see the module docs for where they come from)."""
    run = run if isinstance(run, RunDir) else load_run(run)
    space = run.space
    if run.genotype is not None:
        if space is not None:
            chosen = align_genotype(space, run.genotype)
        else:
            chosen = {
                k: c for k, c in chosen_candidates(run.genotype).items() if c.prob is not None
            }
        winners = {k: c.names for k, c in chosen.items()}
        return SeedRun(run.path, run.seed, winners, "genotype", run_margins(run))
    if run.alphas:
        names = candidate_names(space) if space is not None else {}
        ks = picks(space) if space is not None else {}
        winners = {}
        for key, probs in run.final_probabilities().items():
            k = ks.get(key, 1)
            best = sorted(sorted(range(len(probs)), key=lambda i: -probs[i])[:k])
            cands = names.get(key)
            if cands is None or len(cands) != len(probs):
                cands = [f"#{i}" for i in range(len(probs))]
            winners[key] = tuple(cands[i] for i in best)
        return SeedRun(run.path, run.seed, winners, "alphas", run_margins(run))
    raise UsageProblem(
        f"{run.path}: no genotype.nas and no alphas.jsonl, so no winners",
        "a search writes both at the end of its first epoch",
    )


def seed_table(runs: Sequence[RunDir | str | Path]) -> SeedTable:
    """Win counts over `runs` (run directories or loaded runs), candidates named as in
    the spaces (those that never won are listed with 0)."""
    if not runs:
        raise UsageProblem("no run directories given")
    loaded = [r if isinstance(r, RunDir) else load_run(r) for r in runs]
    results = tuple(run_winners(r) for r in loaded)
    candidates: dict[str, list[str]] = {}
    for run in loaded:
        if run.space is not None:
            for key, names in candidate_names(run.space, open_only=True).items():
                known = candidates.setdefault(key, [])
                known += [n for n in names if n not in known]
    counts: dict[str, dict[str, int]] = {}
    decided: dict[str, int] = {}
    for result in results:
        for key, names in result.winners.items():
            known = candidates.setdefault(key, [])
            known += [n for n in names if n not in known]
            decided[key] = decided.get(key, 0) + 1
            for name in names:
                counts.setdefault(key, {})[name] = counts.get(key, {}).get(name, 0) + 1
    full = {
        key: {n: counts.get(key, {}).get(n, 0) for n in names} for key, names in candidates.items()
    }
    return SeedTable(results, candidates, full, {k: decided.get(k, 0) for k in candidates})


def agreement_sentence(table: SeedTable) -> str:
    """Which choices agree across the runs and which do not, in plain words."""
    n = len(table.runs)
    if n < 2:
        return "One run: agreement across seeds needs two or more (--seeds 0,1,2)."
    firm, weak, split = [], [], []
    for key in table.candidates:
        if table.decided.get(key, 0) < 2:  # one run agrees with no other
            continue
        if not table.agrees(key):
            split.append(f"{key} ({_split_text(table, key)})")
        elif table.decisive(key) == table.decided[key]:
            firm.append(key)
        else:
            weak.append(f"{key} (decided in {table.decisive(key)} of {table.decided[key]})")
    parts = []
    if firm:
        parts.append(f"Agree across all {n} runs and decided in each: {', '.join(firm)}.")
    if weak:
        parts.append(
            f"Agree, but the kept candidate is under {DECIDED_RATIO:g}x the runner-up in some "
            f"runs, so the agreement may be chance: {', '.join(weak)}."
        )
    if split:
        parts.append(f"Do not agree across runs: {', '.join(split)}.")
    return " ".join(parts) or "No choice was decided by two or more runs."


def _split_text(table: SeedTable, key: str) -> str:
    counts = table.counts.get(key, {})
    return ", ".join(f"{name} {c}/{table.decided[key]}" for name, c in counts.items() if c)


def seeds_rich_table(table: SeedTable, *, bar_width: int = 10) -> Table:
    """A rich table: one row per choice and candidate, with its wins over the runs that
    decided the choice (the most frequent winner in bold), whether the runs agree and in
    how many the pick cleared the margin; the caption says it in words."""
    seeds = ", ".join(str(r.seed) if r.seed is not None else r.path.name for r in table.runs)
    out = Table(
        title=f"winners over {len(table.runs)} runs (seeds {seeds})",
        show_header=True,
        header_style="bold",
        caption=agreement_sentence(table),
        caption_justify="left",
    )
    out.add_column("choice")
    out.add_column("candidate", overflow="fold")
    out.add_column("wins", justify="right", no_wrap=True)
    out.add_column("", no_wrap=True)
    out.add_column("runs agree", no_wrap=True)
    out.add_column("decided in", justify="right", no_wrap=True)
    for key, names in table.candidates.items():
        decided = table.decided.get(key, 0)
        best = table.winner(key)
        agree = (
            Text("yes", style="green")
            if table.agrees(key)
            else Text("no", style="bold yellow")
            if decided >= 2
            else Text("-", style="dim")
        )
        firm = table.decisive(key)
        firm_text = Text(
            f"{firm}/{decided}", style="green" if decided and firm == decided else "yellow"
        )
        for i, name in enumerate(names):
            wins = table.counts[key][name]
            style = "bold green" if name == best else "" if wins else "dim"
            filled = round(bar_width * wins / decided) if decided else 0
            out.add_row(
                Text(key if i == 0 else "", style="cyan"),
                Text(name, style=style),
                Text(f"{wins}/{decided}", style=style),
                Text("█" * filled + "·" * (bar_width - filled), style=style or "dim"),
                agree if i == 0 else Text(""),
                firm_text if i == 0 else Text(""),
            )
        out.add_section()
    return out
