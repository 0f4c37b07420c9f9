"""Trainer severity correction (graders.engine.fairness): simulated recovery with a known truth,
hand-computed small cases, the mixed model alternative and a disconnected design refused."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr, spearmanr

from academy.synthetic.fairness_sim import simulate
from graders.engine import fairness


@pytest.fixture(scope="module")
def recovery():
    """300 trainees, 12 trainers, 2 trainers per trainee, fixed seed: one Rasch fit per module."""
    sim = simulate(trainees=300, trainers=12, per_trainee=2, seed=16)
    return sim, fairness.adjust(sim.evidence, "rasch", with_variance=False)


@pytest.fixture(scope="module")
def small_mixed():
    """A smaller design fitted by the mixed model (with the variance breakdown)."""
    sim = simulate(trainees=80, trainers=6, per_trainee=2, seed=3, severity_sd=0.8)
    return sim, fairness.adjust(sim.evidence, "mixed", with_variance=True)


def test_do_estimated_severities_correlate_with_the_true_ones(recovery):
    """Do the Rasch severities of 12 trainers correlate at least 0.95 with the simulated truth?"""
    sim, res = recovery
    t = res.trainers.set_index("rater_id")
    r = pearsonr(t["severity"], sim.severity[t.index])[0]
    assert r >= 0.95, r
    assert res.converged


def test_do_fair_scores_rank_trainees_closer_to_true_ability_than_raw_means(recovery):
    """Do fair scores (and fair averages) rank trainees closer to the true ability than raw
    means?"""
    sim, res = recovery
    t = res.trainees.set_index("employee_id")
    truth = sim.ability[t.index]
    raw = spearmanr(t["raw"], truth)[0]
    fair = spearmanr(t["fair"], truth)[0]
    fair_avg = spearmanr(t["fair_average"], truth)[0]
    assert fair > raw + 0.02, (raw, fair)
    assert fair_avg > raw + 0.02, (raw, fair_avg)


def test_is_a_harsh_trainers_trainee_adjusted_upwards(recovery):
    """Are the trainees of the harshest trainer raised and those of the most lenient lowered?"""
    sim, res = recovery
    harsh, lenient = sim.severity.idxmax(), sim.severity.idxmin()
    r = fairness.criterion_ratings(sim.evidence)
    by = r.groupby("rater_id")["employee_id"].unique()
    t = res.trainees.set_index("employee_id")
    up, down = t.loc[by[harsh], "adjustment"].mean(), t.loc[by[lenient], "adjustment"].mean()
    assert up > 0 > -3 > down and up - down > 10, (up, down)  # co-trainers dilute each mean
    tr = res.trainers.set_index("rater_id")
    assert tr.loc[harsh, "points"] < -5 < 5 < tr.loc[lenient, "points"]


def test_are_standard_errors_and_fit_statistics_plausible(recovery):
    """Are the severity standard errors small and positive, and infit/outfit near 1 for data that
    fit the model?"""
    _, res = recovery
    t = res.trainers
    assert ((t["se"] > 0.03) & (t["se"] < 0.2)).all()
    assert ((t["infit"] > 0.6) & (t["infit"] < 1.4)).all()
    assert ((t["outfit"] > 0.6) & (t["outfit"] < 1.4)).all()
    # more ratings, smaller standard error
    assert t.sort_values("ratings")["se"].iloc[0] > t.sort_values("ratings")["se"].iloc[-1]


def test_are_infit_and_outfit_the_hand_computed_mean_squares():
    """Infit = sum of squared residuals / sum of variances; outfit = mean squared z: hand case."""
    resid = np.array([1.0, -0.5, 0.2])
    var = np.array([0.25, 0.25, 1.0])
    out = fairness._fit_stats(resid, var, pd.Series(["a", "a", "b"]))
    assert out.loc["a", "infit"] == pytest.approx((1 + 0.25) / 0.5)
    assert out.loc["a", "outfit"] == pytest.approx((4 + 1) / 2)
    assert out.loc["b", "infit"] == pytest.approx(0.04)


def test_does_spearman_brown_give_the_hand_computed_number_of_trainers():
    """One trainer's reliability 0.5 needs 4 trainers for 0.8; 0.8 or more needs 1; 0.3 needs 10."""
    assert fairness.spearman_brown(0.5) == 4
    assert fairness.spearman_brown(0.8) == 1
    assert fairness.spearman_brown(0.3) == 10  # 0.8*0.7/(0.3*0.2) = 9.33 -> 10
    assert fairness.spearman_brown(0.0) is None


def test_is_reliability_computed_from_the_variance_components_by_hand():
    """Trainee 50, trainer 25, residual 125 over 5 criteria: one trainer 50/100 = 0.5 (4 needed);
    severity removed 50/75 (2 needed); two trainers 2*0.5/1.5 = 0.667."""
    v = pd.DataFrame({"source": ["trainee", "trainer", "criterion", "residual"],
                      "variance": [50.0, 25.0, 10.0, 125.0]})
    rel = fairness.reliability(v, criteria=5, trainers=2)
    assert rel["one_trainer"] == pytest.approx(0.5)
    assert rel["trainers_needed"] == 4
    assert rel["one_trainer_fair"] == pytest.approx(2 / 3)
    assert rel["trainers_needed_fair"] == 2
    assert rel["current"] == pytest.approx(2 / 3)


def test_is_a_disconnected_design_refused_with_the_groups_named():
    """Are two groups of trainers who never share a trainee refused, naming both groups?"""
    a = simulate(trainees=20, trainers=2, per_trainee=2, seed=1).evidence
    b = simulate(trainees=20, trainers=2, per_trainee=2, seed=2).evidence
    b = b.assign(employee_id="X" + b["employee_id"],
                 rater_id=b["rater_id"].map({"TR01": "TR07", "TR02": "TR08"}))
    ev = pd.concat([a, b], ignore_index=True)
    with pytest.raises(fairness.DisconnectedDesign) as exc:
        fairness.adjust(ev, "rasch", with_variance=False)
    msg = str(exc.value)
    assert "2 separate groups" in msg and "TR01, TR02" in msg and "TR07, TR08" in msg
    assert "20 trainee(s)" in msg
    # one trainee scored by TR01 and TR07 joins the groups: accepted
    bridge = a[(a.employee_id == a.employee_id.iloc[0]) & (a.rater_id == "TR01")].assign(
        rater_id="TR07")
    bridge_ev = pd.concat([a.drop(bridge.index, errors="ignore"), b,
                           bridge.assign(employee_id=a.employee_id.iloc[0])], ignore_index=True)
    assert len(fairness.design_groups(fairness.criterion_ratings(bridge_ev))) == 1


def test_does_the_mixed_model_recover_severities_and_split_the_variance(small_mixed):
    """Do the mixed model's trainer effects track the truth, and do the variance shares of trainee,
    trainer, criterion and residual add up to 1 with a visible trainer share?"""
    sim, res = small_mixed
    t = res.trainers.set_index("rater_id")
    assert pearsonr(-t["points"], sim.severity[t.index])[0] >= 0.9
    v = res.variance.set_index("source")
    assert list(v.index) == ["trainee", "trainer", "criterion", "residual"]
    assert v["share"].sum() == pytest.approx(1.0)
    assert v.loc["trainer", "share"] > 0.05
    assert v.loc["trainee", "share"] > 0.1
    rel = res.reliability
    assert rel["trainers_needed"] >= rel["trainers_needed_fair"] >= 1
    assert 0 < rel["one_trainer"] < rel["one_trainer_fair"] < 1
    tt = res.trainees.set_index("employee_id")
    assert spearmanr(tt["fair"], sim.ability[tt.index])[0] > spearmanr(
        tt["raw"], sim.ability[tt.index])[0]


def test_is_a_fair_score_the_raw_score_less_the_trainer_effect_by_hand():
    """Two trainers score one trainee 4 and 2 on one criterion (1-5); a mixed-model-style effect of
    +10 and -10 points leaves the fair score at the raw mean (50); +10 and 0 gives 45."""
    rows = []
    for rater, level in (("A", 4.0), ("B", 2.0)):
        rows.append(("S1", "practical", rater, "rub/c1", "knowledge", level, 5.0,
                     100 * (level - 1) / 4, {"rubric": "rub", "criterion": "c1", "weight": 1.0,
                                             "critical": False, "pass_level": 1.0,
                                             "fail_score": 0.0}, 1))
    ev = pd.DataFrame(rows, columns=fairness_cols())
    r = fairness.criterion_ratings(ev)
    assert r["category"].tolist() == [3, 1] and r["steps"].tolist() == [4, 4]
    idx = pd.MultiIndex.from_tuples([("S1", "rub", "A"), ("S1", "rub", "B")],
                                    names=["employee_id", "rubric", "rater_id"])
    per = fairness._trainee_table(r, pd.Series([10.0, 0.0], index=idx))
    raw = fairness._raw_scores(ev)
    assert raw.loc[("S1", "rub")] == pytest.approx(50.0)
    assert raw.loc[("S1", "rub")] - per.loc[("S1", "rub"), "effect"] == pytest.approx(45.0)


def fairness_cols():
    from graders.sources import EVIDENCE_COLUMNS

    return EVIDENCE_COLUMNS


def test_is_an_unknown_model_or_empty_evidence_a_clear_error():
    """Is an unknown model named, and is an empty cycle a message rather than a traceback?"""
    from core.errors import AcademyError

    ev = simulate(trainees=5, trainers=2, per_trainee=2, seed=1).evidence
    with pytest.raises(AcademyError, match="unknown model 'facets'"):
        fairness.adjust(ev, "facets")
    with pytest.raises(AcademyError, match="no practical ratings"):
        fairness.adjust(ev.iloc[0:0], "rasch")
    assert not math.isnan(fairness.reliability(pd.DataFrame(
        {"source": ["trainee"], "variance": [1.0]}), 5, 2)["one_trainer"])
