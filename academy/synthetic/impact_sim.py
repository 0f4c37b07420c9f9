"""Simulated panels with a known training effect, and the coverage check of graders.training_impact.analysis.

A panel of people in strata (team x role x tenure band) over some months: each person has a level
of their own, each stratum its own trend (so comparing with unmatched peers would be biased),
every month a shock common to all, and noise. Completions are staggered over the months (some
people never complete within the data). After completing, a person's figure rises by `effect`;
`pretrend` adds, to those who will complete, a drift per month before completion (a violation of
parallel trends that the pre-trend test should catch).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from graders.training_impact import analysis as impact


def simulate_panel(people: int = 240, periods: int = 10, effect: float = 5.0,
                   pretrend: float = 0.0, strata: int = 6, noise: float = 4.0,
                   never_share: float = 0.3, seed: int = 0, selection: float = 0.0,
                   trend_selection: float = 0.0) -> pd.DataFrame:
    """DataFrame[unit, period, y, cohort, stratum]. `selection` makes people with a higher own
    level complete earlier (the data are then not a randomised trial; DiD removes levels);
    `trend_selection` makes people of strata whose figures rise more likely to be trained (a
    comparison with unmatched peers is then biased; matching on the stratum removes it)."""
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, strata, people)
    level = rng.normal(70, 8, people)
    trend = rng.normal(0, 1.0, strata)[stratum]
    shock = rng.normal(0, 2, periods)
    # completion periods 2 .. periods-2 (at least two periods before, one after); some never
    lo, hi = 2, max(3, periods - 1)
    order = np.argsort(-(level * selection + rng.normal(0, 1, people)))
    cohort = np.empty(people)
    cohort[order] = rng.integers(lo, hi, people)[np.argsort(rng.random(people))]
    p_never = np.clip(never_share - trend_selection * trend, 0.02, 0.98)
    cohort[rng.random(people) < p_never] = np.nan
    t = np.arange(periods)
    post = (t[None, :] >= cohort[:, None])
    before = np.where(np.isnan(cohort)[:, None], 0.0,
                      np.minimum(t[None, :] - np.nan_to_num(cohort)[:, None], 0))
    y = (level[:, None] + trend[:, None] * t[None, :] + shock[None, :]
         + effect * post + pretrend * before
         + rng.normal(0, noise, (people, periods)))
    return pd.DataFrame({
        "unit": np.repeat(np.arange(people), periods), "period": np.tile(t, people),
        "y": y.ravel(), "cohort": np.repeat(cohort, periods),
        "stratum": np.repeat(stratum, periods).astype(str)})


@dataclass(frozen=True)
class Coverage:
    replications: int
    truth: float
    covered: float  # share of intervals that hold the truth
    unclear: float  # share of 'not enough evidence'
    pretrend_flagged: float  # share with the pre-trend test below 1 - level
    placebo_covered_zero: float
    mean_estimate: float
    mean_se: float


def coverage(replications: int = 200, effect: float = 5.0, pretrend: float = 0.0,
             people: int = 240, periods: int = 10, draws: int = 199, seed: int = 2026,
             **kw) -> Coverage:
    """Run `replications` simulated panels through graders.training_impact.analysis.estimate and count how often
    its interval covers the true effect, says 'not enough evidence' and flags a pre-trend."""
    covered = unclear = flagged = placebo_ok = 0
    ests, ses = [], []
    for r in range(replications):
        panel = simulate_panel(people, periods, effect, pretrend, seed=seed + r, **kw)
        res = impact.estimate(panel, draws=draws, seed=seed + 10_000 + r)
        o = res.overall
        covered += o.low <= effect <= o.high
        unclear += res.verdict == impact.UNCLEAR
        flagged += res.pretrend_detected
        if res.placebo is not None:
            placebo_ok += res.placebo.low <= 0 <= res.placebo.high
        ests.append(o.est)
        ses.append(o.se)
    n = float(replications)
    return Coverage(replications, effect, covered / n, unclear / n, flagged / n, placebo_ok / n,
                    float(np.mean(ests)), float(np.mean(ses)))
