"""The fairness and scoring rules of the evidence sources, each with a case that triggers it and
one that must not. Pure functions on small frames: no database."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from graders.forms_config import PracticalRules, ReviewRules, SurveyForm
from graders.sources.behaviour import monthly_scores
from graders.sources.practical import aggregate as practical_aggregate
from graders.sources.practical import agreement, krippendorff_alpha, practical_flags
from graders.sources.reviews import aggregate_peer, aggregate_self, review_flags
from graders.sources.surveys import summarise

NAN = np.nan


def test_does_krippendorffs_alpha_match_the_published_worked_example():
    """Does alpha reproduce Krippendorff's (2011) worked example: 4 coders, 12 units, missing values?"""
    data = np.array([
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ])
    assert krippendorff_alpha(data, "nominal") == pytest.approx(0.743, abs=0.001)
    assert krippendorff_alpha(data, "interval") == pytest.approx(0.849, abs=0.001)


def test_is_alpha_unknown_without_any_doubly_scored_performance():
    """With no unit scored by two raters, is agreement reported as unknown rather than a number?"""
    data = np.array([[1, 2, NAN], [NAN, NAN, 3]], dtype=float)
    assert math.isnan(krippendorff_alpha(data))


# --- practical --------------------------------------------------------------------------------


def practical_rows(scores: dict[tuple[str, str], dict[str, float]], critical=("safety",),
                   weights=None) -> pd.DataFrame:
    """Evidence rows: {(trainee, trainer): {criterion: level}} on a 1-5 scale, one rubric."""
    rows = []
    for (emp, rater), levels in scores.items():
        for cid, level in levels.items():
            rows.append({"employee_id": emp, "rater_id": rater, "item": f"r/{cid}",
                         "competency": "knowledge" if cid == "safety" else "communication",
                         "raw": level, "max_raw": 5.0, "score": 100 * (level - 1) / 4,
                         "batch_id": 1,
                         "details": {"rubric": "r", "criterion": cid,
                                     "weight": (weights or {}).get(cid, 1.0),
                                     "critical": cid in critical, "pass_level": 3,
                                     "fail_score": 0.0}})
    return pd.DataFrame(rows)


def test_is_a_practical_score_the_weighted_mean_of_criteria_averaged_over_trainers():
    """Is a trainee's scenario score the weighted criterion mean on 0-100, averaged over trainers?"""
    ev = practical_rows({("A", "T1"): {"safety": 5, "talk": 3}, ("A", "T2"): {"safety": 5, "talk": 5}},
                        weights={"safety": 1, "talk": 3})
    comp = practical_aggregate(None, None, ev).components.set_index("employee_id")
    # T1: (1*100 + 3*50)/4 = 62.5; T2: 100 -> mean 81.25
    assert comp.loc["A", "score"] == pytest.approx(81.25)
    assert comp.loc["A", "n"] == 2 and comp.loc["A", "note"] == ""


def test_does_missing_a_critical_criterion_fail_the_scenario():
    """Does a critical criterion below the pass level fail the scenario, and only then?"""
    ev = practical_rows({("A", "T1"): {"safety": 2, "talk": 5}, ("A", "T2"): {"safety": 1, "talk": 5},
                         ("B", "T1"): {"safety": 3, "talk": 5}, ("B", "T2"): {"safety": 3, "talk": 5}})
    comp = practical_aggregate(None, None, ev).components.set_index("employee_id")
    assert comp.loc["A", "score"] == 0.0 and "critical" in comp.loc["A", "note"]
    assert comp.loc["B", "score"] == pytest.approx(75.0) and comp.loc["B", "note"] == ""


def _panel(lenient: float = 0.0, noise_rater: str | None = None, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    scores = {}
    raters = ["T1", "T2", "T3", "T4"]
    for i in range(24):
        level = rng.integers(1, 6)
        for r in (raters[i % 4], raters[(i + 1) % 4]):
            bump = lenient if r == "T3" else 0
            wobble = rng.integers(-2, 3) if r == noise_rater else 0
            scores[(f"E{i:02d}", r)] = {c: float(np.clip(level + bump + wobble, 1, 5))
                                        for c in ("talk", "fix", "close")}
    return practical_rows(scores, critical=())


def test_is_a_lenient_trainer_flagged_and_no_one_else():
    """Is a trainer who scores a level higher flagged lenient, without the others looking harsh?"""
    scen, raters = agreement(_panel(lenient=1.0))
    status = dict(zip(raters["rater_id"], raters["status"]))
    assert status["T3"] == "lenient"
    assert [s for r, s in status.items() if r != "T3"] == ["ok", "ok", "ok"]


def test_are_consistent_trainers_not_flagged():
    """When trainers agree, is nobody flagged and is agreement good?"""
    scen, raters = agreement(_panel())
    assert set(raters["status"]) == {"ok"}
    assert scen["status"].tolist() == ["good"] and scen["alpha"].iloc[0] > 0.99
    assert practical_flags(_panel()).empty


def test_is_a_scenario_with_poor_agreement_flagged():
    """Does a trainer scoring at random pull alpha under the floor and flag the scenario?"""
    ev = _panel(noise_rater="T2", seed=3)
    flags = practical_flags(ev, PracticalRules(agreement_floor=0.95))
    assert "low_agreement" in set(flags["kind"])
    scen, raters = agreement(ev)
    assert dict(zip(raters["rater_id"], raters["mean_abs_dev"]))["T2"] > \
        dict(zip(raters["rater_id"], raters["mean_abs_dev"]))["T4"]


# --- reviews ----------------------------------------------------------------------------------


def review_rows(ratings: dict[tuple[str, str], list[float]], source="peer") -> pd.DataFrame:
    """{(rater, ratee): [answers to items i1.. on a 1-5 scale]}."""
    comps = ["knowledge", "communication", "teamwork"]
    rows = []
    for (rater, ratee), vals in ratings.items():
        for i, v in enumerate(vals):
            rows.append({"employee_id": ratee, "rater_id": rater, "item": f"review/i{i}",
                         "competency": comps[i % 3], "raw": v, "max_raw": None,
                         "score": 100 * (v - 1) / 4, "batch_id": 1, "details": {"relation": source}})
    return pd.DataFrame(rows)


def test_does_a_peer_score_need_the_minimum_number_of_raters():
    """Is a peer score from 2 raters marked insufficient and hidden, and one from 3 raters shown?"""
    ev = review_rows({("P1", "A"): [4, 4, 4], ("P2", "A"): [5, 5, 5],
                      ("P1", "B"): [3, 3, 3], ("P2", "B"): [4, 4, 4], ("P3", "B"): [5, 5, 5]})
    res = aggregate_peer(None, None, ev)
    comp = res.components.set_index("employee_id")
    assert comp.loc["A", "status"] == "insufficient" and math.isnan(comp.loc["A", "score"])
    assert comp.loc["B", "status"] == "ok" and comp.loc["B", "score"] == pytest.approx(75.0)
    assert set(res.competencies["employee_id"]) == {"B"}  # nothing about A leaks by competency


def test_are_self_ratings_kept_out_of_the_peer_average():
    """Does a glowing self review change the self component only, never the peer score?"""
    peers = review_rows({("P1", "B"): [3, 3, 3], ("P2", "B"): [3, 3, 3], ("P3", "B"): [3, 3, 3]})
    selfr = review_rows({("B", "B"): [5, 5, 5]}, source="self")
    assert aggregate_peer(None, None, peers).components["score"].iloc[0] == pytest.approx(50.0)
    assert aggregate_self(None, None, selfr).components["score"].iloc[0] == pytest.approx(100.0)


def test_is_a_straight_liner_flagged_but_not_a_consistent_honest_rater():
    """Is a rater giving three people identical answers on every item flagged, and one who varies not?"""
    ev = review_rows({("S", "A"): [4, 4, 4], ("S", "B"): [4, 4, 4], ("S", "C"): [4, 4, 4],
                      ("H", "A"): [4, 3, 4], ("H", "B"): [2, 3, 3], ("H", "C"): [5, 4, 5]})
    flags = review_flags(None, ev, ReviewRules())
    assert flags[flags["kind"] == "straight_lining"]["subject"].tolist() == ["S"]


def test_is_a_mutual_praise_pair_flagged_but_not_an_honest_pair():
    """Are two people rating each other far above what others give them flagged, and a fair pair not?"""
    base = {("O1", "A"): [2, 2, 2], ("O2", "A"): [2, 3, 2], ("O1", "B"): [2, 2, 3], ("O2", "B"): [3, 2, 2],
            ("O1", "C"): [4, 4, 4], ("O2", "C"): [4, 4, 3], ("O1", "D"): [3, 3, 4], ("O2", "D"): [4, 3, 3]}
    ev = review_rows({**base, ("A", "B"): [5, 5, 5], ("B", "A"): [5, 5, 5],
                      ("C", "D"): [4, 3, 3], ("D", "C"): [4, 4, 4]})
    mutual = review_flags(None, ev, ReviewRules())
    assert mutual[mutual["kind"] == "mutual_praise"]["subject"].tolist() == ["A<->B"]


def test_is_a_rater_far_from_the_consensus_flagged():
    """Is a rater 2 points away from everyone else on several people flagged, and the others not?"""
    ratings = {}
    for ratee in ("A", "B", "C"):
        for rater in ("R1", "R2", "R3"):
            ratings[(rater, ratee)] = [4, 4, 3]
        ratings[("X", ratee)] = [1, 2, 1]
    flags = review_flags(None, review_rows(ratings), ReviewRules())
    assert flags[flags["kind"] == "rater_outlier"]["subject"].tolist() == ["X"]


# --- surveys and key behaviours ---------------------------------------------------------------

FORM = SurveyForm(items=[{"id": "service", "text_en": "Service", "weight": 1}])


def test_are_small_survey_samples_shrunk_towards_the_team_mean():
    """Does one perfect response move a person only a little from the team mean, and 60 responses nearly all the way?"""
    resp = pd.DataFrame(
        [{"employee_id": "A", "rater_id": "c0", "satisfaction": 100.0}]
        + [{"employee_id": "B", "rater_id": f"c{i}", "satisfaction": 100.0} for i in range(60)]
        + [{"employee_id": "C", "rater_id": f"d{i}", "satisfaction": 40.0} for i in range(60)])
    per = summarise(resp, {"A": "t", "B": "t", "C": "t"}, FORM).set_index("employee_id")
    team = per.loc["A", "team_mean"]
    assert team == pytest.approx((100 * 61 + 40 * 60) / 121)
    assert per.loc["A", "shrunk"] == pytest.approx((100 + 5 * team) / 6)
    assert abs(per.loc["A", "shrunk"] - team) < abs(per.loc["B", "shrunk"] - team)
    assert per.loc["B", "shrunk"] > 95 and per.loc["A", "n"] == 1


def test_is_the_satisfied_share_counted_against_the_threshold():
    """Is a response of exactly 85 counted satisfied and 84.9 not?"""
    resp = pd.DataFrame([{"employee_id": "A", "rater_id": "x", "satisfaction": 85.0},
                         {"employee_id": "A", "rater_id": "y", "satisfaction": 84.9}])
    assert summarise(resp, {"A": "t"}, FORM)["satisfied_share"].iloc[0] == 0.5


def test_does_a_monthly_key_behaviour_score_stay_between_zero_and_the_standard():
    """Is a month standard minus deductions, never above the standard nor below zero?"""
    ded = pd.DataFrame([{"employee_id": "A", "month": "2026-10", "points": 15.0},
                        {"employee_id": "A", "month": "2026-11", "points": 80.0},
                        {"employee_id": "A", "month": "2026-11", "points": 50.0}])
    m = monthly_scores(ded, ["A", "B"], ["2026-10", "2026-11", "2026-12"], 100).set_index(
        ["employee_id", "month"])["score"]
    assert m[("A", "2026-10")] == 85 and m[("A", "2026-11")] == 0 and m[("A", "2026-12")] == 100
    assert (m.loc["B"] == 100).all()


def test_does_a_failed_critical_criterion_raise_a_critical_flag_on_that_trainee_only():
    """Is a trainee who failed a scenario on a critical criterion flagged "critical", and a passing one not?"""
    ev = practical_rows({("A", "T1"): {"safety": 1, "talk": 5}, ("B", "T1"): {"safety": 4, "talk": 5}})
    flags = practical_aggregate(None, None, ev).flags
    crit = flags[flags["kind"] == "critical"]
    assert crit["subject"].tolist() == ["A"] and "scenario r" in crit["detail"].iloc[0]
