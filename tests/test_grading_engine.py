"""The pure scoring engine: final scores under each missing-component policy, bands, ranks, awards,
pay and its health check, promotion, corrective action, training plans, overrides and what-if."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from graders.engine import grading as g
from graders.engine.schemes import Scheme

BANDS = [
    {"code": "excellent", "name_en": "Excellent", "name_zh": "优秀", "min": 90, "max": 100},
    {"code": "good", "name_en": "Good", "name_zh": "良好", "min": 80, "max": 90},
    {"code": "pass", "name_en": "Pass", "name_zh": "合格", "min": 60, "max": 80},
    {"code": "needs_improvement", "name_en": "Needs improvement", "name_zh": "待改进",
     "min": 0, "max": 60},
]


def scheme(family: str = "technical_support", **extra) -> Scheme:
    data = {
        "scheme": family, "version": "t1", "family": family, "name_en": family,
        "name_zh": "测试", "result_share": 0.5,
        "components": {"theory": {"weight": 0.5, "kind": "process"},
                       "supervisor": {"weight": 0.3, "kind": "result"},
                       "customer": {"weight": 0.2, "kind": "result"}},
        "bands": BANDS,
    }
    data.update(extra)
    return Scheme.model_validate(data)


def roster(rows: list[tuple[str, str]], family: str = "technical_support") -> pd.DataFrame:
    """rows of (employee_id, team)."""
    return pd.DataFrame([(e, f"name {e}", t, family, family) for e, t in rows],
                        columns=g.ROSTER_COLUMNS)


def components(scores: dict[str, dict[str, float | tuple[float, str]]]) -> pd.DataFrame:
    """{employee: {component: score or (score, status)}}; absent components are missing."""
    rows = []
    for emp, comps in scores.items():
        for c, v in comps.items():
            s, status = v if isinstance(v, tuple) else (v, "ok")
            rows.append((emp, c, float(s), 3, status, ""))
    return pd.DataFrame(rows, columns=["employee_id", "component", "score", "n", "status", "note"])


def no_competencies() -> pd.DataFrame:
    return pd.DataFrame(columns=["employee_id", "component", "competency", "score", "n"])


SMALL = {
    "A": {"theory": 80, "supervisor": 90, "customer": 70},
    "B": {"theory": 60, "supervisor": 100},
    "C": {"customer": 50},
    "D": {"theory": 90, "supervisor": (40, "insufficient"), "customer": 100},
}


def grade_small(policy: str, **extra) -> pd.DataFrame:
    inputs = g.GradeInputs(roster([(e, "T") for e in SMALL]), components(SMALL), no_competencies())
    res = g.grade(inputs, {"technical_support": scheme(missing=policy, **extra)}).results
    return res.set_index("employee_id")


@pytest.mark.parametrize("policy, expected", [
    # A: 0.5*80 + 0.3*90 + 0.2*70 = 81 under every policy (nothing missing)
    # B: customer missing: reweight (30 + 30) / 0.8 = 75; zero 30 + 30 = 60; incomplete
    # C: only customer (weight 0.2 < min_weight_present 0.5): reweight incomplete; zero 0.2*50
    # D: supervisor insufficient counts as missing: reweight (45 + 20) / 0.7; zero 45 + 20
    ("reweight", {"A": 81.0, "B": 75.0, "C": None, "D": 92.86}),
    ("zero", {"A": 81.0, "B": 60.0, "C": 10.0, "D": 65.0}),
    ("incomplete", {"A": 81.0, "B": None, "C": None, "D": None}),
])
def test_are_final_scores_as_computed_by_hand_under_each_missing_policy(policy, expected):
    """Does each missing-component policy give the final scores computed by hand?"""
    res = grade_small(policy)
    for emp, want in expected.items():
        got = res.loc[emp, "final_score"]
        if want is None:
            assert math.isnan(got) and res.loc[emp, "status"] == "incomplete", emp
        else:
            assert got == pytest.approx(want), emp
            assert res.loc[emp, "status"] == "complete"
    assert res.loc["B", "missing"] == "customer"
    assert res.loc["D", "insufficient"] == "supervisor" and res.loc["D", "missing"] == ""


def test_does_using_insufficient_evidence_count_it():
    """With use_insufficient, does an insufficient component count at its score?"""
    res = grade_small("reweight", use_insufficient=True)
    assert res.loc["D", "final_score"] == pytest.approx(0.5 * 90 + 0.3 * 40 + 0.2 * 100)


def test_are_bands_and_ranks_right_with_ties():
    """Are bands taken from the cut-offs (90 is Excellent) and do ties share the better rank?"""
    scores = {"A": 90.0, "B": 89.99, "C": 90.0, "D": 59.99, "E": 100.0}
    comps = components({e: {"theory": s, "supervisor": s, "customer": s}
                        for e, s in scores.items()})
    ros = roster([("A", "X"), ("B", "X"), ("C", "Y"), ("D", "Y"), ("E", "Y")])
    res = g.grade(g.GradeInputs(ros, comps, no_competencies()),
                  {"technical_support": scheme()}).results.set_index("employee_id")
    assert res["band"].to_dict() == {"A": "excellent", "B": "good", "C": "excellent",
                                     "D": "needs_improvement", "E": "excellent"}
    assert res["rank_company"].to_dict() == {"A": 2, "B": 4, "C": 2, "D": 5, "E": 1}
    assert res["rank_team"].to_dict() == {"A": 1, "B": 2, "C": 2, "D": 3, "E": 1}


def test_is_grading_deterministic_and_independent_of_input_order():
    """Do the same inputs, in any row order, give identical results and fingerprints?"""
    inputs = g.GradeInputs(roster([(e, "T") for e in SMALL]), components(SMALL), no_competencies())
    shuffled = g.GradeInputs(inputs.roster.iloc[::-1], inputs.components.sample(frac=1,
                                                                                random_state=3),
                             no_competencies())
    a = g.grade(inputs, {"technical_support": scheme()})
    b = g.grade(shuffled, {"technical_support": scheme()})
    assert a.sha256() == b.sha256()
    assert inputs.sha256() == shuffled.sha256()
    pd.testing.assert_frame_equal(a.results, b.results)


def test_is_a_role_family_without_a_scheme_left_out_and_reported():
    """Are managers (no management scheme) excluded from grading, and is that reported?"""
    ros = pd.concat([roster([("A", "T")]), roster([("M", "T")], family="management")])
    res = g.grade(g.GradeInputs(ros, components(SMALL), no_competencies()),
                  {"technical_support": scheme()})
    assert list(res.results["employee_id"]) == ["A"]
    assert list(res.excluded["employee_id"]) == ["M"]
    assert "not_graded" in set(res.checks["check"])


# --- awards ------------------------------------------------------------------------------------


def ten_people(scores: list[float], flags: pd.DataFrame | None = None, **extra) -> g.GradeResult:
    ids = [f"E{i}" for i in range(len(scores))]
    comps = components({e: {"theory": s, "supervisor": s, "customer": s}
                        for e, s in zip(ids, scores)})
    inputs = g.GradeInputs(roster([(e, "T1" if i < 5 else "T2") for i, e in enumerate(ids)]),
                           comps, no_competencies(),
                           flags if flags is not None else pd.DataFrame(columns=g.FLAG_COLUMNS))
    return g.grade(inputs, {"technical_support": scheme(**extra)})


def test_does_the_individual_award_go_to_the_top_share_without_critical_flags():
    """Does the top 20% win, except a person with a critical flag, whose place stays empty?"""
    flags = pd.DataFrame([("critical", "key_behaviour", "E0", "safety rule broken")],
                         columns=g.FLAG_COLUMNS)
    res = ten_people([99, 95, 93, 70, 60, 80, 85, 50, 40, 30], flags,
                     individual_award={"top_share": 0.2, "min_band": "good"})
    winners = res.awards[res.awards["kind"] == g.INDIVIDUAL_AWARD]
    assert list(winners["employee_id"]) == ["E1"]
    assert "rank 2 of 10" in winners["reason"].iloc[0]
    assert res.results.set_index("employee_id").loc["E1", "individual_award"]


def test_is_no_individual_award_given_below_the_minimum_band():
    """When even the best are below the minimum band, does nobody win?"""
    res = ten_people([79, 75, 70, 65, 60, 60, 61, 62, 63, 64],
                     individual_award={"top_share": 0.2, "min_band": "good"})
    assert (res.awards["kind"] == g.INDIVIDUAL_AWARD).sum() == 0


def test_are_team_means_shrunk_toward_the_company_mean_with_a_minimum_size():
    """Does the team award use (n*mean + k*company mean)/(n + k), ignoring too-small teams?"""
    big = [(f"B{i}", "Big", 85.0) for i in range(10)]
    small = [("S0", "Small", 95.0), ("S1", "Small", 90.0), ("S2", "Small", 82.0)]
    tiny = [("T0", "Tiny", 99.0), ("T1", "Tiny", 99.0)]
    people = big + small + tiny
    comps = components({e: {"theory": s, "supervisor": s, "customer": s} for e, _, s in people})
    inputs = g.GradeInputs(roster([(e, t) for e, t, _ in people]), comps, no_competencies())
    res = g.grade(inputs, {"technical_support": scheme(
        team_award={"min_size": 3, "prior_strength": 3, "winners": 1})})
    mu = (850 + 267 + 198) / 15
    small_adj = (267 + 3 * mu) / 6
    big_adj = (850 + 3 * mu) / 13
    assert small_adj > big_adj
    teams = res.awards[res.awards["kind"] == g.TEAM_AWARD]
    assert list(teams["team"]) == ["Small"]  # Tiny has the best mean but only 2 members
    assert teams["score"].iloc[0] == pytest.approx(round(small_adj, 2))
    assert set(res.results.loc[res.results["team_award"], "employee_id"]) == {"S0", "S1", "S2"}


def test_is_no_team_award_given_when_no_team_is_big_enough():
    """With every team below the minimum size, is no team award given?"""
    res = ten_people([90, 91, 92, 93, 94, 95, 96, 97, 98, 99],
                     team_award={"min_size": 6, "prior_strength": 3, "winners": 1})
    assert (res.awards["kind"] == g.TEAM_AWARD).sum() == 0


# --- pay ---------------------------------------------------------------------------------------

PAY = {"base_coefficient": 0.7, "performance_coefficient": 0.3, "reference_pay": 8000,
       "target_score": 75, "kpi_min": 0.5, "kpi_max": 5, "health_share": 0.8}


def test_is_performance_pay_computed_from_a_clamped_kpi_value():
    """Is pay = ref x base + ref x performance x KPI, with KPI = score/target clamped to 0.5-5?"""
    res = ten_people([90, 30, 75, 80, 80, 80, 80, 80, 80, 80], pay=PAY).results
    res = res.set_index("employee_id")
    assert res.loc["E0", "kpi"] == pytest.approx(1.2)
    assert res.loc["E0", "base_pay"] == pytest.approx(5600)
    assert res.loc["E0", "performance_pay"] == pytest.approx(2880)
    assert res.loc["E0", "total_pay"] == pytest.approx(8480)
    assert res.loc["E1", "kpi"] == pytest.approx(0.5)  # 30/75 = 0.4, clamped
    assert res.loc["E1", "total_pay"] == pytest.approx(5600 + 1200)


def test_does_the_health_check_demand_revision_when_80_percent_have_kpi_below_1():
    """Does 8 of 10 staff below KPI 1 trigger "the scheme needs revising", and 7 of 10 not?"""
    bad = ten_people([70] * 8 + [90, 90], pay=PAY).checks
    good = ten_people([70] * 7 + [90, 90, 90], pay=PAY).checks
    assert bad.set_index("check").loc["kpi_health", "level"] == "revise"
    assert "needs revising" in bad.set_index("check").loc["kpi_health", "message"]
    assert good.set_index("check").loc["kpi_health", "level"] == "ok"


def test_does_a_per_person_reference_pay_win_over_the_schemes():
    """Is a person's own last-month average pay used when given?"""
    ids = ["E0", "E1"]
    comps = components({e: {"theory": 75, "supervisor": 75, "customer": 75} for e in ids})
    inputs = g.GradeInputs(roster([(e, "T") for e in ids]), comps, no_competencies(),
                           reference_pay=pd.Series({"E0": 10000.0}))
    res = g.grade(inputs, {"technical_support": scheme(pay=PAY)}).results.set_index("employee_id")
    assert res.loc["E0", "total_pay"] == pytest.approx(10000)
    assert res.loc["E1", "total_pay"] == pytest.approx(8000)


# --- promotion and corrective action -----------------------------------------------------------


def test_is_promotion_signalled_only_after_two_consecutive_excellent_cycles():
    """Excellent now and last cycle: promotion; Excellent now but Good last cycle: none."""
    ids = ["E0", "E1", "E2"]
    comps = components({e: {"theory": 95, "supervisor": 95, "customer": 95} for e in ids})
    history = pd.DataFrame([("E0", 1, "excellent"), ("E1", 1, "good"), ("E2", 2, "excellent")],
                           columns=g.HISTORY_COLUMNS)
    inputs = g.GradeInputs(roster([(e, "T") for e in ids]), comps, no_competencies(),
                           history=history)
    res = g.grade(inputs, {"technical_support": scheme()})
    promoted = res.actions[res.actions["kind"] == g.PROMOTION]
    assert list(promoted["employee_id"]) == ["E0"]
    assert "2 consecutive cycles" in promoted["reason"].iloc[0]


def test_does_the_lowest_band_get_a_coaching_plan_with_a_follow_up_date():
    """Is a Needs-improvement result given corrective action due 30 days after the cycle closes,
    and a Pass result none?"""
    comps = components({"L": {"theory": 50, "supervisor": 50, "customer": 50},
                        "P": {"theory": 65, "supervisor": 65, "customer": 65}})
    inputs = g.GradeInputs(roster([("L", "T"), ("P", "T")]), comps, no_competencies(),
                           closes_on=date(2026, 12, 31))
    res = g.grade(inputs, {"technical_support": scheme()})
    corr = res.actions[res.actions["kind"] == g.CORRECTIVE]
    assert list(corr["employee_id"]) == ["L"]
    assert corr["due_on"].iloc[0] == date(2027, 1, 30)
    assert "coaching plan" in corr["reason"].iloc[0]


# --- competency profile and training plans -----------------------------------------------------


def test_are_weak_competencies_mapped_to_course_modules_with_a_due_date():
    """Is a competency below the threshold, or 10+ below the team mean, in the plan with the
    modules tagged with it, and a strong one not?"""
    rows = []
    for emp, (know, comm, solve) in {"W": (50, 75, 90), "X": (90, 95, 90),
                                     "Y": (90, 95, 90)}.items():
        for comp in ("theory", "supervisor"):
            rows += [(emp, comp, "knowledge", know, 2), (emp, comp, "communication", comm, 2),
                     (emp, comp, "problem_solving", solve, 2)]
    comps_by = pd.DataFrame(rows, columns=["employee_id", "component", "competency", "score", "n"])
    catalog = pd.DataFrame([("knowledge", "aquapure_basics", "01_products", "Products", "产品"),
                            ("knowledge", "aquapure_basics", "02_faults", "Faults", "故障")],
                           columns=g.CATALOG_COLUMNS)
    comps = components({e: {"theory": 80, "supervisor": 80, "customer": 80} for e in "WXY"})
    inputs = g.GradeInputs(roster([(e, "T") for e in "WXY"]), comps, comps_by, catalog=catalog,
                           closes_on=date(2026, 12, 31))
    res = g.grade(inputs, {"technical_support": scheme()})
    plan = res.training
    assert set(plan["employee_id"]) == {"W"}
    w = plan.set_index("competency")
    assert list(plan["competency"]) == ["knowledge", "communication"]  # weakest first
    assert w.loc["knowledge", "modules"] == "aquapure_basics/01_products; aquapure_basics/02_faults"
    assert "below the threshold 65" in w.loc["knowledge", "reason"]
    # communication 75 vs the team mean (75 + 95 + 95) / 3 = 88.33: more than 10 below
    assert "below the team mean" in w.loc["communication", "reason"]
    assert w.loc["communication", "modules"] == ""
    assert "no course module" in w.loc["communication", "reason"]
    assert w.loc["knowledge", "due_on"] == date(2027, 3, 1)
    prof = res.competencies.set_index(["employee_id", "competency"])
    assert prof.loc[("W", "knowledge"), "score"] == 50
    assert prof.loc[("W", "communication"), "team_mean"] == pytest.approx(88.33)


def test_does_nobody_get_a_training_plan_when_every_competency_is_strong():
    """Without weak competencies, are there no training plans?"""
    rows = [(e, "theory", c, 85, 2) for e in "XY" for c in ("knowledge", "teamwork")]
    comps_by = pd.DataFrame(rows, columns=["employee_id", "component", "competency", "score", "n"])
    comps = components({e: {"theory": 85, "supervisor": 85, "customer": 85} for e in "XY"})
    res = g.grade(g.GradeInputs(roster([(e, "T") for e in "XY"]), comps, comps_by),
                  {"technical_support": scheme()})
    assert res.training.empty


# --- overrides and what-if ---------------------------------------------------------------------


def test_does_an_override_change_the_band_and_what_follows():
    """Does a final-score override move the person's band, ranks and award, keeping the
    computed score?"""
    inputs = g.GradeInputs(roster([(e, "T") for e in SMALL]), components(SMALL), no_competencies())
    overrides = pd.DataFrame([("B", "final_score", "95.00"), ("A", "band", "excellent")],
                             columns=["employee_id", "field", "value"])
    res = g.grade(inputs, {"technical_support": scheme()}, overrides).results.set_index(
        "employee_id")
    assert res.loc["B", "computed_score"] == 75.0 and res.loc["B", "final_score"] == 95.0
    assert res.loc["B", "band"] == "excellent" and res.loc["B", "rank_company"] == 1
    assert res.loc["A", "band"] == "excellent" and res.loc["A", "final_score"] == 81.0
    assert res.loc["A", "overridden"] and not res.loc["D", "overridden"]


def test_does_what_if_with_slider_weights_report_who_changes_band():
    """Do other weights (normalised) change bands, and does the diff name exactly those people?"""
    inputs = g.GradeInputs(roster([(e, "T") for e in SMALL]), components(SMALL), no_competencies())
    schemes = {"technical_support": scheme()}
    baseline = g.grade(inputs, schemes).results
    wi = g.what_if(inputs, schemes, baseline,
                   weights={"technical_support": {"theory": 0, "supervisor": 1, "customer": 3}})
    after = wi.result.results.set_index("employee_id")
    assert after.loc["A", "final_score"] == pytest.approx(75.0)  # (90 + 3 * 70) / 4: Good -> Pass
    assert after.loc["A", "scheme_version"] == "t1+what-if"
    changed = set(wi.diff["employee_id"])
    before = baseline.set_index("employee_id")["band"]
    expected = {e for e in SMALL if before.get(e) != after.loc[e, "band"]
                and not (pd.isna(before.get(e)) and pd.isna(after.loc[e, "band"]))}
    # B: only supervisor (weight 0.25) left -> incomplete; C: customer alone (0.75) -> 50
    assert changed == expected == {"A", "B", "C"}
    assert wi.diff.set_index("employee_id").loc["A", "change"] == "band"


def test_does_the_engine_grade_a_large_company_completely():
    """Are 5,000 staff in 500 teams all graded, each ranked within a team of ten?
    (Speed is measured by the benchmark, never asserted in a test.)"""
    n = 5_000
    rng = np.random.default_rng(7)
    ids = np.char.add("P", np.arange(n).astype(str))
    comp = pd.DataFrame({
        "employee_id": np.repeat(ids, 3), "component": np.tile(["theory", "supervisor",
                                                                "customer"], n),
        "score": rng.uniform(30, 100, 3 * n), "n": 3, "status": "ok", "note": ""})
    ros = pd.DataFrame({"employee_id": ids, "name": ids, "team": np.char.add("T", (np.arange(n) % 500).astype(str)),
                        "role_code": "technical_support", "family": "technical_support"})
    compet = pd.DataFrame({"employee_id": np.repeat(ids, 4), "component": "theory",
                           "competency": np.tile(["knowledge", "communication", "problem_solving",
                                                  "teamwork"], n),
                           "score": rng.uniform(30, 100, 4 * n), "n": 2})
    res = g.grade(g.GradeInputs(ros, comp, compet), {"technical_support": scheme()})
    assert len(res.results) == n and res.results["final_score"].notna().all()
    assert (res.results["team_size"] == 10).all()
    assert res.results["rank_company"].min() == 1 and res.results["rank_team"].max() <= 10


def test_does_a_plan_name_the_most_focused_modules_first_up_to_the_limit():
    """With max_modules 1, is the module that trains only the weak competency chosen over one
    that trains several?"""
    rows = [(e, "theory", "knowledge", s, 2) for e, s in (("W", 40.0), ("X", 90.0))]
    comps_by = pd.DataFrame(rows, columns=["employee_id", "component", "competency", "score", "n"])
    catalog = pd.DataFrame([("knowledge", "a_course", "01_broad", "Broad", "广"),
                            ("teamwork", "a_course", "01_broad", "Broad", "广"),
                            ("knowledge", "b_course", "01_focused", "Focused", "专")],
                           columns=g.CATALOG_COLUMNS)
    comps = components({e: {"theory": 80, "supervisor": 80, "customer": 80} for e in "WX"})
    res = g.grade(g.GradeInputs(roster([(e, "T") for e in "WX"]), comps, comps_by,
                                catalog=catalog),
                  {"technical_support": scheme(training={"max_modules": 1})})
    assert list(res.training["modules"]) == ["b_course/01_focused"]
