"""The statistics of a comparison: paired differences over seeds, their interval and p-value,
and the smallest difference the comparison can resolve.

Seeds pair the cells: candidate and reference pretrained with seed s share the data order,
augmentations and initialisation, so their difference at s cancels what the seed alone does.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from statistics import NormalDist, fmean, stdev

Z95 = NormalDist().inv_cdf(0.975)
EXACT_SIGN_FLIPS = 16  # up to 2^16 sign patterns enumerated; beyond, a seeded Monte Carlo


def t_quantile(q: float, df: int) -> float:
    """Quantile `q` (0.5 < q < 1) of Student's t with `df` degrees of freedom."""
    if not 0.5 < q < 1 or df < 1:
        raise ValueError(f"need 0.5 < q < 1 and df >= 1, got q={q}, df={df}")
    lo, hi = 0.0, 1.0
    while _t_cdf(hi, df) < q:
        lo, hi = hi, hi * 2
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _t_cdf(mid, df) < q else (lo, mid)
    return (lo + hi) / 2


def _t_cdf(t: float, df: int) -> float:
    """P(T <= t) for t >= 0: 1/2 plus the density integrated over [0, t] (Simpson's rule
    after x = tan(u), which keeps the heavy tails of small df accurate)."""
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    end = math.atan(t)
    steps = 1000

    def density(u: float) -> float:
        x = math.tan(u)
        return math.exp(log_c - (df + 1) / 2 * math.log1p(x * x / df)) / math.cos(u) ** 2

    h = end / steps
    total = density(0) + density(end)
    total += sum((4 if i % 2 else 2) * density(i * h) for i in range(1, steps))
    return 0.5 + total * h / 3


@dataclass(frozen=True)
class Paired:
    """A candidate against the reference on one metric, over the seeds both have."""

    seeds: int
    mean: float
    low: float  # 95 % t-interval of the mean paired difference
    high: float
    sd: float  # standard deviation of the paired differences
    p_value: float  # two-sided paired sign-flip test

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def paired_difference(candidate: list[float], reference: list[float]) -> Paired:
    """Mean of `candidate[i] - reference[i]` with its 95 % t-interval and sign-flip p-value."""
    if len(candidate) != len(reference):
        raise ValueError("paired values need the same seeds")
    diffs = [a - b for a, b in zip(candidate, reference, strict=True)]
    n = len(diffs)
    if n < 2:
        mean = diffs[0] if diffs else math.nan
        return Paired(n, mean, -math.inf, math.inf, math.nan, 1.0)
    sd = stdev(diffs)
    mean = fmean(diffs)
    half = t_quantile(0.975, n - 1) * sd / math.sqrt(n)
    return Paired(n, mean, mean - half, mean + half, sd, sign_flip_p(diffs))


def sign_flip_p(diffs: list[float], seed: int = 0, draws: int = 20_000) -> float:
    """Two-sided p-value of the paired permutation test: how often a random sign pattern
    gives a mean difference at least as far from 0 as the observed one. Exact for up to 16
    pairs, where its smallest possible value is 2 / 2^n (0.25 with 3 seeds)."""
    n = len(diffs)
    if n == 0:
        return 1.0
    observed = abs(sum(diffs)) - 1e-12
    if n <= EXACT_SIGN_FLIPS:
        hits = sum(
            abs(sum(s * d for s, d in zip(signs, diffs, strict=True))) >= observed
            for signs in itertools.product((1, -1), repeat=n)
        )
        return hits / 2**n
    rng = random.Random(seed)
    hits = sum(
        abs(sum(d if rng.random() < 0.5 else -d for d in diffs)) >= observed for _ in range(draws)
    )
    return (hits + 1) / (draws + 1)


def smallest_p_value(seeds: int) -> float:
    """The smallest p-value the exact sign-flip test can reach with `seeds` pairs."""
    return min(1.0, 2 / 2**seeds) if seeds else 1.0


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    if not values:
        return math.nan, math.nan
    return fmean(values), stdev(values) if len(values) > 1 else 0.0


@dataclass(frozen=True)
class Resolution:
    """The smallest difference (as an accuracy, 0-1) this comparison can tell from noise."""

    seeds: int
    test_images: int
    seed_part: float  # 95 % half-width of a paired difference from the seed spread
    test_part: float  # 95 % half-width of a difference from the test set's size alone
    smallest: float  # both together (root sum of squares)


def resolvable_difference(
    paired_sd: float, accuracy: float, seeds: int, test_images: int
) -> Resolution:
    """From the seed spread (`paired_sd`: sd of a paired difference) and the test-set size.

    seed part: t(0.975, n-1) * sd / sqrt(n), the half-width of a paired interval;
    test part: 1.96 * sqrt(2 p (1-p) / n_test), two accuracies each measured on that many
    test images (binomial standard error sqrt(p(1-p)/n_test) each): a gain smaller than
    this may belong to these test images rather than to the backbone.
    """
    if seeds >= 2 and not math.isnan(paired_sd):
        seed_part = t_quantile(0.975, seeds - 1) * paired_sd / math.sqrt(seeds)
    else:
        seed_part = math.inf
    p = min(max(accuracy, 0.0), 1.0)
    test_part = Z95 * math.sqrt(2 * p * (1 - p) / test_images) if test_images else math.inf
    return Resolution(seeds, test_images, seed_part, test_part, math.hypot(seed_part, test_part))


def pooled_sd(sds: list[float]) -> float:
    """Root mean square of standard deviations (NaNs skipped; NaN when none is left)."""
    usable = [s for s in sds if not math.isnan(s)]
    return math.sqrt(fmean([s * s for s in usable])) if usable else math.nan
