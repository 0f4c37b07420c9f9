"""The training-impact estimator (graders.training_impact.analysis): small cases computed by hand, recovery of a known
effect on simulated panels, the pre-trend test, the placebo and the too-little-data messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from academy.synthetic.impact_sim import coverage, simulate_panel
from graders.training_impact import analysis as impact


def _panel(rows: dict[str, tuple[list[float], float | None, str]]) -> pd.DataFrame:
    """{unit: (values by period, cohort or None, stratum)} as the estimator's panel."""
    out = []
    for unit, (ys, cohort, stratum) in rows.items():
        out += [(unit, t, y, np.nan if cohort is None else cohort, stratum)
                for t, y in enumerate(ys) if y is not None]
    return pd.DataFrame(out, columns=impact.PANEL_COLUMNS)


def test_two_by_two_matches_the_hand_computation():
    """Is a 2x2 case the textbook difference in differences: treated changes +10 and +14 (mean
    12), untrained +2 and +4 (mean 3), so 12 - 3 = 9?"""
    p = _panel({"a": ([50, 60], 1, "s"), "b": ([40, 54], 1, "s"),
                "c": ([45, 47], None, "s"), "d": ([30, 34], None, "s")})
    res = impact.estimate(p, draws=60, min_treated=1, min_controls=1)
    assert res.overall.est == pytest.approx(9.0)
    assert impact.two_by_two(p) == pytest.approx(9.0)
    assert res.cohorts["est"].tolist() == pytest.approx([9.0])
    assert res.treated == 2 and res.matched == 2 and res.controls == 2


def test_matching_compares_only_within_a_stratum():
    """With strata, is each treated person compared only with untrained peers of their own
    stratum, weighted by treated people: A: 10 - 2 = 8 (1 treated), B: 20 - 5 = 15 (2 treated),
    so (8 + 2 x 15) / 3 = 38/3? (Pooled, the answer would differ: 50/3 - 3.5.)"""
    p = _panel({"a1": ([0, 10], 1, "A"), "a2": ([0, 2], None, "A"),
                "b1": ([0, 20], 1, "B"), "b2": ([5, 25], 1, "B"), "b3": ([1, 6], None, "B")})
    res = impact.estimate(p, draws=60, min_treated=1, min_controls=1)
    assert res.overall.est == pytest.approx(38 / 3)
    pooled = p.assign(stratum="all")
    assert impact.estimate(pooled, draws=60, min_treated=1, min_controls=1).overall.est == \
        pytest.approx(50 / 3 - 3.5)


def test_staggered_cells_use_not_yet_trained_peers():
    """Three people, three months: a trained in month 1, b in month 2, c never. By hand:
    ATT(1,1) = 5 - mean(0, 1) = 4.5 (b not yet trained is a control); ATT(1,2) = 6 - 2 = 4
    (b is trained by then: only c); ATT(2,2) = 8 - 1 = 7; before b's training (month 0 against
    base month 1): 0 - (-1) = 1. Overall (15.5 / 3), event times 0: 5.75, 1: 4, -2: 1."""
    p = _panel({"a": ([0, 5, 6], 1, "s"), "b": ([1, 1, 9], 2, "s"), "c": ([2, 3, 4], None, "s")})
    res = impact.estimate(p, draws=60, min_treated=1, min_controls=1)
    cells = {(r.cohort, r.period): r.est for r in res.cells.itertuples()}
    assert cells[(1, 1)] == pytest.approx(4.5)
    assert cells[(1, 2)] == pytest.approx(4.0)
    assert cells[(2, 2)] == pytest.approx(7.0)
    assert cells[(2, 0)] == pytest.approx(1.0)
    assert res.overall.est == pytest.approx(15.5 / 3)
    ev = res.event_study.set_index("event_time")["est"]
    assert ev[0] == pytest.approx(5.75) and ev[1] == pytest.approx(4.0)
    assert ev[-2] == pytest.approx(1.0) and ev[-1] == 0


def test_a_person_missing_the_base_month_is_left_out_of_that_cell():
    """Is someone without a figure in the month before training left out (not counted as zero)?"""
    p = _panel({"a": ([10, 20], 1, "s"), "x": ([None, 99], 1, "s"),
                "c": ([10, 12], None, "s")})
    res = impact.estimate(p, draws=60, min_treated=1, min_controls=1)
    assert res.overall.est == pytest.approx(8.0)
    assert res.treated == 1


@pytest.fixture(scope="module")
def known():
    return coverage(40, effect=5.0, people=160, periods=8, draws=99, seed=11)


def test_a_known_effect_is_recovered_and_covered(known):
    """On 40 simulated panels with a true effect of 5, is the mean estimate within 0.5 of it,
    does the 95% interval cover it in at least 85% of panels (binomial slack for 40), and is
    the verdict nearly always 'increase'?"""
    assert abs(known.mean_estimate - 5.0) < 0.5
    assert known.covered >= 0.85
    assert known.unclear <= 0.05


def test_zero_effect_mostly_says_not_enough_evidence():
    """With no effect, does the estimator say 'not enough evidence' in most panels?"""
    c = coverage(30, effect=0.0, people=160, periods=8, draws=99, seed=21)
    assert c.unclear >= 0.8
    assert abs(c.mean_estimate) < 0.5


def test_an_injected_pre_trend_is_detected():
    """When people who will be trained drift upward by a point a month before training, does the
    pre-trend test flag it in most panels (and rarely without the drift)?"""
    drift = coverage(20, effect=5.0, pretrend=1.0, people=160, periods=8, draws=99, seed=31)
    assert drift.pretrend_flagged >= 0.8
    clean = coverage(20, effect=5.0, people=160, periods=8, draws=99, seed=31)
    assert clean.pretrend_flagged <= 0.2


def test_matching_removes_the_bias_of_trends_that_differ_by_team():
    """When people in teams whose figures rise anyway are trained more often, is the pooled
    comparison biased upward while the comparison within strata still finds the true effect?"""
    p = simulate_panel(400, 10, effect=3.0, strata=4, seed=10, trend_selection=0.8)
    matched = impact.estimate(p, draws=99, seed=2)
    pooled = impact.estimate(p.assign(stratum="all"), draws=99, seed=2)
    assert matched.overall.low <= 3.0 <= matched.overall.high
    assert pooled.overall.est - 3.0 > 2 * pooled.overall.se


def test_placebo_finds_nothing_at_fake_dates():
    """Moved two months earlier on data from before the real training only, is the placebo
    effect near zero while the real one is found; and does the placebo panel hold no month at or
    after a person's real completion?"""
    p = simulate_panel(200, 10, effect=6.0, seed=5)
    res = impact.estimate(p, draws=99, seed=1, placebo_shift=2)
    assert res.verdict == impact.INCREASE
    assert res.placebo is not None and res.placebo.low <= 0 <= res.placebo.high
    fake = impact.placebo_panel(p, 2)
    real = p.groupby("unit")["cohort"].first()
    merged = fake.assign(real=fake["unit"].map(real))
    assert not (merged["period"] >= merged["real"]).any()
    assert (merged["cohort"].dropna() == merged["real"].dropna() - 2).all()


def test_verdict_needs_the_interval_off_zero():
    """Is the verdict 'not enough evidence' whenever the interval touches or crosses zero?"""
    assert impact.verdict(0.1, 3.0) == impact.INCREASE
    assert impact.verdict(-3.0, -0.1) == impact.DECREASE
    assert impact.verdict(-0.1, 3.0) == impact.UNCLEAR
    assert impact.verdict(0.0, 3.0) == impact.UNCLEAR


def test_too_little_data_is_said_plainly():
    """Do an empty panel, a panel without anyone trained, too few matched trained people and
    too few untrained peers each raise NotEnoughData with its own reason?"""
    empty = pd.DataFrame(columns=impact.PANEL_COLUMNS)
    with pytest.raises(impact.NotEnoughData) as e:
        impact.estimate(empty)
    assert e.value.code == "no_data"
    nobody = _panel({u: ([1, 2, 3], None, "s") for u in "abcdef"})
    with pytest.raises(impact.NotEnoughData) as e:
        impact.estimate(nobody)
    assert e.value.code == "no_treated"
    few = _panel({**{f"t{i}": ([1, 3], 1, "s") for i in range(3)},
                  **{f"c{i}": ([1, 2], None, "s") for i in range(10)}})
    with pytest.raises(impact.NotEnoughData) as e:
        impact.estimate(few, min_treated=5)
    assert e.value.code == "too_few_treated" and e.value.figures["matched"] == 3
    # trained people whose only peers are in another team: nobody to compare with
    apart = _panel({**{f"t{i}": ([1, 3], 1, "A") for i in range(8)},
                    **{f"c{i}": ([1, 2], None, "B") for i in range(8)}})
    with pytest.raises(impact.NotEnoughData) as e:
        impact.estimate(apart)
    assert e.value.code == "too_few_treated" and e.value.figures["matched"] == 0
    lonely = _panel({**{f"t{i}": ([1, 3], 1, "s") for i in range(8)},
                     **{f"c{i}": ([1, 2], None, "s") for i in range(2)}})
    with pytest.raises(impact.NotEnoughData) as e:
        impact.estimate(lonely)
    assert e.value.code == "too_few_controls"


def test_build_panel_places_completions_and_strata():
    """Does the panel builder turn months into period numbers, a completion into its month's
    number (before the data: -1, after: untrained), and team, role and tenure into strata?"""
    months = ["2026-07", "2026-08", "2026-09"]
    outcomes = pd.DataFrame({"employee_id": ["1", "1", "2", "3", "9"],
                             "period": ["2026-07", "2026-09", "2026-08", "2026-07", "2026-07"],
                             "y": [1.0, 2.0, 3.0, 4.0, 5.0]})
    done = pd.DataFrame({"employee_id": ["1", "2", "3"],
                         "period": ["2026-08", impact.BEFORE, impact.AFTER]})
    roster = pd.DataFrame({"employee_id": ["1", "2", "3"], "team": ["T", "T", "U"],
                           "role_code": ["r", "r", "q"],
                           "hire_date": [pd.Timestamp("2026-01-01"), pd.Timestamp("2020-01-01"),
                                         None]})
    p = impact.build_panel(outcomes, months, done, roster)
    assert p["unit"].tolist() == ["1", "1", "2", "3"]  # 9 is not on the roster
    assert p["period"].tolist() == [0, 2, 1, 0]
    assert p["cohort"].tolist()[:3] == [1, 1, -1] and np.isnan(p["cohort"].iloc[3])
    assert p["stratum"].tolist() == ["T / r / <2y", "T / r / <2y", "T / r / 5y+",
                                     "U / q / unknown"]
