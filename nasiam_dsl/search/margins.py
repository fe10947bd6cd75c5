"""How decided each choice of a search is: the chosen candidate against the runner-up and
against chance.

Pure Python over plain numbers (no torch), so the runner, the terminal summary, the
plots and the seed tables all read one computation. A choice is *decided* when the kept
candidate is at least `DECIDED_RATIO` (2) times as probable as the best candidate left out:
the search prefers it two to one. That reads the same in a 2-way and a 7-way choice (for
softmax weights it is a gap of ln 2 between the two logits, whatever the other candidates
do), where an absolute lead does not: 0.38 against 0.31 is +0.07 yet a coin toss between
the two. Measured on repeated searches (`benchmarks/margin_verdicts.py`), a verdict by this
rule is repeated by the other seeds more often than one by an absolute lead of 0.05. Chance
is 1/n when the sampler's weights are normalised (softmax, Gumbel, Dirichlet:
`Sampler.normalised`) and 0.5 otherwise (the sigmoid sampler's independent gates).

For `pick k of n` the k most probable candidates are kept; the margin is that of the
weakest kept candidate over the strongest one left out (the boundary the search drew).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DECIDED_RATIO",
    "Margin",
    "Verdict",
    "chance_level",
    "choice_margin",
    "count_verdicts",
    "margins",
    "summary_sentence",
]

DECIDED_RATIO = 2.0
"""A kept candidate less than this many times as probable as the runner-up is undecided."""

Verdict = Literal["decided", "undecided"]


def chance_level(candidates: int, normalised: bool = True) -> float:
    """The probability of a candidate the search learnt nothing about: 1/n when a choice's
    weights sum to 1 (`Sampler.normalised`), 0.5 for independent per-candidate gates."""
    return 1.0 / candidates if normalised else 0.5


@dataclass(frozen=True)
class Margin:
    """One decision: what was kept, by how much, and whether that is a decision."""

    key: str
    names: tuple[str, ...]
    probs: tuple[float, ...]
    chosen: tuple[int, ...]
    runner_up: int | None
    chance: float
    threshold: float = DECIDED_RATIO

    @property
    def chosen_names(self) -> tuple[str, ...]:
        return tuple(self.names[i] for i in self.chosen)

    @property
    def weakest(self) -> int:
        """The kept candidate with the lowest probability (the only one for `pick 1`)."""
        return min(self.chosen, key=lambda i: (self.probs[i], -i))

    @property
    def p(self) -> float:
        """The probability of the weakest kept candidate."""
        return self.probs[self.weakest]

    @property
    def runner_up_name(self) -> str | None:
        return None if self.runner_up is None else self.names[self.runner_up]

    @property
    def runner_up_p(self) -> float | None:
        return None if self.runner_up is None else self.probs[self.runner_up]

    @property
    def over_runner_up(self) -> float:
        """The weakest kept candidate's lead over the best one left out (1.0 if none is)."""
        return 1.0 if self.runner_up is None else self.p - self.probs[self.runner_up]

    @property
    def ratio(self) -> float:
        """How many times as probable the weakest kept candidate is as the best one left out
        (infinite when none is left out or the runner-up has probability 0)."""
        q = self.runner_up_p
        return math.inf if q is None or q <= 0 else self.p / q

    @property
    def ratio_text(self) -> str:
        """The ratio as printed: rounded down, so that a printed 2.00x is decided."""
        if math.isinf(self.ratio):
            return "inf"
        return f"{math.floor(self.ratio * 100 + 1e-9) / 100:.2f}x"

    @property
    def over_chance(self) -> float:
        """The weakest kept candidate's lead over chance."""
        return self.p - self.chance

    @property
    def verdict(self) -> Verdict:
        # rounded so that 0.5 vs 0.25 (1.9999... in binary) is the 2 it is printed as
        return "decided" if round(self.ratio, 9) >= self.threshold else "undecided"

    @property
    def decided(self) -> bool:
        return self.verdict == "decided"

    def text(self) -> str:
        """One line, e.g. `gelu 0.27 vs relu 0.25: 1.08x the runner-up (+0.02), +0.02 over
        chance (0.25), undecided`."""
        kept = ", ".join(f"{self.names[i]} {self.probs[i]:.3f}" for i in self.chosen)
        if self.runner_up is None:
            return f"{kept}: nothing left out, decided"
        return (
            f"{kept} vs {self.names[self.runner_up]} {self.probs[self.runner_up]:.3f}: "
            f"{self.ratio_text} the runner-up ({self.over_runner_up:+.3f}), "
            f"{self.over_chance:+.3f} over chance ({self.chance:.3f}), {self.verdict}"
        )


def choice_margin(
    key: str,
    probs: Sequence[float],
    names: Sequence[str] | None = None,
    *,
    pick: int = 1,
    normalised: bool = True,
    chosen: Sequence[int] | None = None,
    threshold: float = DECIDED_RATIO,
) -> Margin:
    """The margin of one decision. `chosen` overrides the kept indices (a genotype whose
    constraints repaired a choice); by default the `pick` most probable are kept, the
    first listed winning a tie."""
    if not probs:
        raise ValueError(f"{key}: no candidate probabilities")
    names = tuple(names) if names is not None and len(names) == len(probs) else None
    labels = names or tuple(f"#{i}" for i in range(len(probs)))
    ranked = sorted(range(len(probs)), key=lambda i: (-probs[i], i))
    kept = tuple(sorted(chosen)) if chosen is not None else tuple(sorted(ranked[:pick]))
    left_out = [i for i in ranked if i not in kept]
    return Margin(
        key=key,
        names=labels,
        probs=tuple(float(p) for p in probs),
        chosen=kept,
        runner_up=left_out[0] if left_out else None,
        chance=chance_level(len(probs), normalised),
        threshold=threshold,
    )


def margins(
    probabilities: Mapping[str, Sequence[float]],
    names: Mapping[str, Sequence[str]] | None = None,
    *,
    picks: Mapping[str, int] | None = None,
    chosen: Mapping[str, Sequence[int]] | None = None,
    normalised: bool = True,
    threshold: float = DECIDED_RATIO,
) -> dict[str, Margin]:
    """Key -> `Margin` for every decision in `probabilities` (key -> per-candidate p)."""
    names, picks, chosen = names or {}, picks or {}, chosen or {}
    return {
        key: choice_margin(
            key,
            probs,
            names.get(key),
            pick=picks.get(key, 1),
            normalised=normalised,
            chosen=chosen.get(key),
            threshold=threshold,
        )
        for key, probs in probabilities.items()
    }


def count_verdicts(found: Mapping[str, Margin]) -> dict[Verdict, int]:
    """How many decisions are decided and undecided."""
    undecided = sum(not m.decided for m in found.values())
    return {"decided": len(found) - undecided, "undecided": undecided}


def summary_sentence(found: Mapping[str, Margin], threshold: float = DECIDED_RATIO) -> str:
    """One plain sentence on how decided the search is."""
    counts = count_verdicts(found)
    total, undecided = len(found), counts["undecided"]
    if total == 0:
        return "The search had no open choice to decide."
    if undecided == 0:
        which = "The only choice is" if total == 1 else f"All {total} choices are"
        return f"{which} decided (each kept candidate >= {threshold:g}x the runner-up)."
    verb = "is" if undecided == 1 else "are"
    which = "its" if undecided == 1 else "their"
    return (
        f"{undecided} of {total} choices {verb} undecided (kept < {threshold:g}x the "
        f"runner-up): the "
        f"search did not separate {which} candidates, so the genotype's pick there is not a "
        "finding; see docs/search.md."
    )
