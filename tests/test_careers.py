"""Career paths: entry criteria checked by hand, the promotion pipeline (each step recorded, refused
out of order or by someone without the role), the talent pipeline and mentoring pairs, on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from core.errors import AcademyError
from graders.ladder import careers as car
from graders.ladder import careers_store as cs
from graders.ladder import store as ladder_store
from graders.ladder import violations as vio
from graders.ladder import violations_store as vs

CFG = car.load_careers_config()
TODAY = date(2026, 12, 1)


def _people() -> pd.DataFrame:
    return pd.DataFrame([
        ("A", "Ann", "T1", "field_service", date(2023, 1, 1)),    # 47 months
        ("B", "Bo", "T1", "field_service", date(2025, 3, 1)),     # 21 months
        ("C", "Cy", "T1", "field_service", date(2020, 1, 1)),
        ("S", "Sue", "T1", "supervisor", date(2015, 1, 1)),
    ], columns=car.PEOPLE_COLUMNS)


def _frames(open_violation_of: str | None = None):
    bands = pd.DataFrame([("A", 1, "excellent"), ("A", 2, "good"), ("B", 1, "good"),
                          ("B", 2, "good"), ("C", 1, "good"), ("C", 2, "pass"),
                          ("S", 1, "good"), ("S", 2, "good")], columns=car.BAND_COLUMNS)
    courses = pd.DataFrame([(e, c) for e in "ABCS" for c in ("product_knowledge",
                                                              "service_process")]
                           + [("S", "communication"), ("S", "teamwork")],
                           columns=["employee_id", "course"])
    exams = pd.DataFrame([("A", "aquapure-service-basics"), ("C", "aquapure-service-basics")],
                         columns=["employee_id", "exam"])
    standing = pd.DataFrame(columns=vio.STANDING_COLUMNS)
    if open_violation_of:
        standing = pd.DataFrame([(open_violation_of, 1, "verbal", 0, TODAY, 0)],
                                columns=vio.STANDING_COLUMNS)
    return bands, courses, exams, standing


def test_is_eligibility_what_the_criteria_say_by_hand():
    """For senior service engineer (good x2, two courses, the basics exam, 24 months, no open
    violation): is A ready now; B (21 months, no exam) not yet with two gaps; C (a pass band) not
    yet; and does one open violation take A from ready now to not yet?"""
    held = pd.DataFrame(columns=["employee_id", "track", "level"])
    e = car.eligibility(_people(), *_frames(), held, CFG, TODAY)
    te = e[e["track"] == "technical_expert"].set_index("employee_id")
    assert te.at["A", "level"] == "senior_engineer" and te.at["A", "readiness"] == "ready_now"
    assert te.at["B", "gaps"] == "exam:aquapure-service-basics tenure"
    assert te.at["B", "readiness"] == "not_yet"  # two gaps: more than max_gaps 1
    assert "tenure 21 of 24 months" in te.at["B", "detail"]
    assert "司龄21个月，需24个月" in te.at["B", "detail_zh"]
    assert te.at["C", "gaps"] == "band" and te.at["C", "readiness"] == "not_yet"
    assert "had Good, Pass" in te.at["C", "detail"]
    # the supervisor holds team leader by role: their next management level is department manager
    mg = e[e["track"] == "management"].set_index("employee_id")
    assert mg.at["S", "level"] == "department_manager"
    with_violation = car.eligibility(_people(), *_frames("A"), held, CFG, TODAY)
    a = with_violation[(with_violation["employee_id"] == "A")
                       & (with_violation["track"] == "technical_expert")].iloc[0]
    assert (a["readiness"], a["gaps"]) == ("not_yet", "violation")


def test_is_one_small_gap_ready_soon_and_a_held_level_skipped():
    """Is B with the exam passed (only 3 months of tenure short) ready soon, and after A's
    promotion to senior engineer is A measured against technical expert next?"""
    bands, courses, exams, standing = _frames()
    exams = pd.concat([exams, pd.DataFrame([("B", "aquapure-service-basics")],
                                           columns=["employee_id", "exam"])])
    held = pd.DataFrame([("A", "technical_expert", "senior_engineer")],
                        columns=["employee_id", "track", "level"])
    e = car.eligibility(_people(), bands, courses, exams, standing, held, CFG, TODAY)
    te = e[e["track"] == "technical_expert"].set_index("employee_id")
    assert te.at["B", "readiness"] == "ready_soon"
    assert te.at["A", "level"] == "technical_expert"
    b = car.bench(e, pd.DataFrame(columns=car.CASE_COLUMNS), CFG).set_index(["track", "level"])
    row = b.loc[("technical_expert", "senior_engineer")]
    # Sue (supervisor) lacks only the exam: also ready soon; C has a Pass band: not yet
    assert (row["ready_now"], row["ready_soon"], row["not_yet"]) == (0, 2, 1)
    assert row["ready_soon_names"] == "Bo, Sue"


# --- the pipeline in the database ----------------------------------------------------------------

ROSTER = ("employee_id,name,team,role,supervisor,hire_date\n"
          "M1,Manager One,Hotline A,manager,,2010-01-01\n"
          "M2,Manager Two,Hotline B,manager,,2010-01-01\n"
          "S1,Sup One,Hotline A,supervisor,M1,2015-01-01\n"
          "E1,Engineer One,Hotline A,field_service,S1,2020-01-01\n"
          "E2,Engineer Two,Hotline A,field_service,S1,2026-06-01\n"
          "F1,Field One,Hotline B,field_service,M2,2019-01-01\n")

#: a track whose entry needs only tenure and no open violation (the grades are not under test)
EASY = car.CareersConfig.model_validate({
    "bands": [{"code": "good", "name_en": "Good", "name_zh": "良好"}],
    "tracks": [{"code": "technical_expert", "name_en": "Technical expert", "name_zh": "技术专家",
                "levels": [{"code": "senior_engineer", "name_en": "Senior", "name_zh": "高级",
                            "criteria": {"tenure_months": 12}}]}],
    "pipeline": {"nominate": {"roles": ["supervisor", "manager"], "line_only": True},
                 "review": {"roles": ["manager"]},
                 "decide": {"roles": ["manager"], "identities": ["admin:hr"]}},
})


@pytest.fixture
def staffed(home, tmp_path):
    from roster.store import import_roster_file

    f = tmp_path / "roster.csv"
    f.write_text(ROSTER, encoding="utf-8")
    import_roster_file(home, f)
    return home


def test_is_each_pipeline_step_recorded_and_refused_out_of_order_or_without_the_role(staffed):
    """Does a case go eligible -> nominated -> reviewed -> decided with who, when and why at each
    step; is a step out of order refused, a nomination by someone outside the person's line,
    a review by the nominator, a decision by a field engineer, and anything after the decision?"""
    h = staffed
    with h.transaction() as s:
        with pytest.raises(AcademyError, match="does not meet the entry criteria"):
            cs.mark_eligible(s, EASY, "E2", "technical_expert", "S1", TODAY)  # 6 months
    with h.transaction() as s:
        cid = cs.mark_eligible(s, EASY, "E1", "technical_expert", "S1", TODAY)
    with h.transaction() as s:
        with pytest.raises(AcademyError, match="already has an open case"):
            cs.mark_eligible(s, EASY, "E1", "technical_expert", "S1", TODAY)
    refusals = [
        ("reviewed", "M1", "supported", "needs 'nominated' first"),
        ("decided", "M1", "promoted", "needs 'reviewed' first"),
        ("nominated", "M2", None, "not above E1 in the roster"),
        ("nominated", "F1", None, "may not take the step 'nominated'"),
        ("nominated", "E1", None, "their own promotion case"),
    ]
    for action, actor, outcome, msg in refusals:
        with pytest.raises(AcademyError, match=msg), h.transaction() as s:
            cs.case_step(s, EASY, cid, action, actor, "because", outcome)
    with h.transaction() as s:
        assert cs.case_step(s, EASY, cid, "nominated", "M1", "ready, asks for it")["step"] == \
            "nominated"
    with pytest.raises(AcademyError, match="may not take the step 'reviewed'"), \
            h.transaction() as s:
        cs.case_step(s, EASY, cid, "reviewed", "S1", "x", "supported")  # a supervisor
    with pytest.raises(AcademyError, match="needs a second person"), h.transaction() as s:
        cs.case_step(s, EASY, cid, "reviewed", "M1", "x", "supported")  # the nominator
    with pytest.raises(AcademyError, match="outcome of 'reviewed' is supported or not_supported"), \
            h.transaction() as s:
        cs.case_step(s, EASY, cid, "reviewed", "M2", "x", "maybe")
    with h.transaction() as s:
        cs.case_step(s, EASY, cid, "reviewed", "M2", "strong record", "supported")
    with pytest.raises(AcademyError, match="needs a second person"), h.transaction() as s:
        cs.case_step(s, EASY, cid, "decided", "M2", "x", "promoted")
    with pytest.raises(AcademyError, match="may not take the step 'decided'"), \
            h.transaction() as s:
        cs.case_step(s, EASY, cid, "decided", "F1", "x", "promoted")
    with h.transaction() as s:
        c = cs.case_step(s, EASY, cid, "decided", "admin:hr", "budget approved", "promoted")
        assert (c["step"], c["outcome"], c["open"]) == ("decided", "promoted", False)
    with pytest.raises(AcademyError, match="decided already"), h.transaction() as s:
        cs.case_step(s, EASY, cid, "nominated", "S1", "again")
    with h.transaction() as s:
        ev = ladder_store.events(s, "promotion", subject=cid)
        held = car.held_levels(cs.cases(s))
    assert ev["action"].tolist() == ["eligible", "nominated", "reviewed", "decided"]
    assert ev["by"].tolist() == ["S1", "M1", "M2", "admin:hr"]
    assert ev["reason"].tolist()[1:] == ["ready, asks for it", "strong record", "budget approved"]
    assert held.values.tolist() == [["E1", "technical_expert", "senior_engineer"]]


def test_does_an_open_violation_stop_a_case_from_opening(staffed):
    """Is a person with an open violation refused as eligible, and accepted once the plan is met?"""
    vcfg = vio.load_violations_config()
    with staffed.transaction() as s:
        vid = vs.record(s, vcfg, "E1", "late_arrival", date(2026, 11, 2), "T-3", "S1", today=TODAY)
    with pytest.raises(AcademyError, match="open violation"), staffed.transaction() as s:
        cs.mark_eligible(s, EASY, "E1", "technical_expert", "S1", TODAY)
    with staffed.transaction() as s:
        vs.step(s, vcfg, vid, "plan_set", "S1", "coach", today=TODAY, goal="call ahead",
                due_on=date(2026, 12, 20))
        vs.step(s, vcfg, vid, "plan_met", "S1", "on time for a month", today=TODAY)
        assert cs.mark_eligible(s, EASY, "E1", "technical_expert", "S1", TODAY).startswith("P-")


def test_are_mentoring_pairs_recorded_and_bad_ones_refused(staffed):
    """Is a pair recorded with mentor, mentee, goal and dates and ended once; are a self-pair, an
    end before the start, a duplicate pair and a second end refused?"""
    with staffed.transaction() as s:
        pid = cs.start_pair(s, "S1", "E2", "clear an E3 fault alone", date(2026, 9, 1),
                            date(2027, 3, 1), "M1")
    bad = [(("E1", "E1", "x", date(2026, 9, 1), None), "cannot mentor themself"),
           (("S1", "E1", "x", date(2026, 9, 1), date(2026, 8, 1)), "must be after its start"),
           (("S1", "E2", "x", date(2026, 10, 1), None), "already mentors E2")]
    for args, msg in bad:
        with pytest.raises(AcademyError, match=msg), staffed.transaction() as s:
            cs.start_pair(s, *args, "M1")
    with staffed.transaction() as s:
        cs.end_pair(s, pid, date(2026, 11, 30), "M1", "clears E3 faults alone now")
    with pytest.raises(AcademyError, match="ended already"), staffed.transaction() as s:
        cs.end_pair(s, pid, date(2026, 12, 1), "M1", "again")
    with staffed.transaction() as s:
        p = cs.pairs(s).iloc[0]
    assert (p["mentor_id"], p["mentee_id"], p["goal"], p["active"]) == \
        ("S1", "E2", "clear an E3 fault alone", False)
    assert p["outcome"] == "clears E3 faults alone now" and p["ended_on"] == date(2026, 11, 30)


def test_are_competition_results_and_honour_choices_stored_on_each_backend(staffed, tmp_path):
    """Are an organiser's results (Chinese headers, GB18030) and an honour-board opt-out and
    opt-in stored and read back on SQLite and PostgreSQL, the board following the latest choice?"""
    from graders.ladder import recognition as rec
    from graders.ladder import recognition_store as rs

    f = tmp_path / "赛果.csv"
    f.write_text("竞赛名称,比赛日期,工号,成绩,名次\n故障诊断竞赛,2026年11月20日,E1,98.5,1\n"
                 "故障诊断竞赛,2026年11月20日,F1,90,2\n", encoding="gb18030")
    cfg = rec.load_recognition_config()
    with staffed.transaction() as s:
        res = rs.import_competitions(s, f, "organiser")
        rs.set_honour_choice(s, "E1", False, "E1")
    with staffed.transaction() as s:
        got = rs.competitions_frame(s)
        _r, board = rs.load(s, cfg, TODAY)
        assert set(board["employee_id"]) == {"F1"}
        rs.set_honour_choice(s, "E1", True, "admin:hr", "asked to be shown again")
        _r, board = rs.load(s, cfg, TODAY)
    assert res.encoding.lower().startswith("gb") and res.rows == 2
    assert got[["employee_id", "team", "score", "rank"]].values.tolist() == [
        ["E1", "Hotline A", 98.5, 1], ["F1", "Hotline B", 90.0, 2]]
    assert got["held_on"].tolist() == [date(2026, 11, 20)] * 2
    assert set(board["employee_id"]) == {"E1", "F1"}


def test_does_the_demo_show_violations_a_promotion_case_pairs_and_a_competition(demo_home):
    """Does the demo company hold a violation with a corrective plan due, a promotion case in the
    pipeline, mentoring pairs, a skill competition, an honour-board opt-out and the workbook,
    and does its grade provenance show the deduction?"""
    from tests.conftest import run_academy

    home, proc = demo_home
    assert "Violations and corrective plans" in proc.stdout and "promotion case P-1" in proc.stdout
    due = run_academy("violations", "due", "--as-of", "2100-01-01", home=home, check=True)
    assert "V-2" in due.stdout and "V-3" in due.stdout
    cases = run_academy("careers", "cases", home=home, check=True)
    assert "P-1" in cases.stdout
    assert "M-1" in run_academy("careers", "mentor", "list", home=home, check=True).stdout
    assert "故障诊断技能竞赛" in run_academy("competitions", "results", home=home,
                                              check=True).stdout
    assert (home / "exports" / "careers.xlsx").is_file()
    listed = run_academy("violations", "list", home=home, check=True).stdout
    person = next(line.split()[3] for line in listed.splitlines() if " V-3 " in line)
    res = run_academy("results", "--employee", person, home=home, check=True)
    assert "penalty" in res.stdout and "-3.00" in res.stdout


def test_does_the_command_refuse_a_step_out_of_order_and_by_the_wrong_person(sqlite_home,
                                                                              tmp_path):
    """Does `academy careers review` before a nomination, and a nomination by a manager of
    another team, print the reason without a traceback, while the right steps pass?"""
    from roster.store import import_roster_file
    from tests.conftest import run_academy

    f = tmp_path / "roster.csv"
    f.write_text(ROSTER, encoding="utf-8")
    import_roster_file(sqlite_home, f)
    with sqlite_home.transaction() as s:
        cid = cs.mark_eligible(s, EASY, "E1", "technical_expert", "S1", TODAY)
    home = sqlite_home.root

    def run(user, *args):
        return run_academy("careers", *args, home=home, env={"ACADEMY_USER": user})

    early = run("M1", "review", cid, "supported", "--reason", "x")
    assert early.returncode == 1 and "needs 'nominated' first" in early.stderr
    stranger = run("M2", "nominate", cid, "--reason", "x")
    assert stranger.returncode == 1 and "not above E1" in stranger.stderr
    assert "Traceback" not in early.stderr + stranger.stderr
    ok = run("S1", "nominate", cid, "--reason", "ready")
    assert ok.returncode == 0 and "nominated" in ok.stdout
    with sqlite_home.transaction() as s:
        ev = ladder_store.events(s, "promotion", subject=cid)
    assert ev[["action", "by", "reason"]].values.tolist()[-1] == ["nominated", "S1", "ready"]


def test_is_a_bad_definition_refused_with_its_line(tmp_path):
    """Is a careers.yaml with an unknown band, and a violations.yaml whose type starts at an
    unknown level, refused naming the file and the line?"""
    from core.errors import ProblemsError

    bad = (car.Path(car.__file__).parents[2] / "assessments" / "careers.yaml").read_text(
        encoding="utf-8").replace("criteria: {min_band: good, cycles: 1", "criteria: {min_band: "
                                  "great, cycles: 1")
    (tmp_path / "careers.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(ProblemsError, match="unknown min_band 'great'") as exc:
        car.load_careers_config(tmp_path)
    assert exc.value.problems[0].file == "careers.yaml" and exc.value.problems[0].row
    (tmp_path / "violations.yaml").write_text(
        "levels:\n  - {code: verbal, name_en: V, name_zh: 口头}\n"
        "types:\n  - {code: late, name_en: Late, name_zh: 迟到, start_level: loud}\n",
        encoding="utf-8")
    with pytest.raises(ProblemsError, match="unknown start_level 'loud'"):
        vio.load_violations_config(tmp_path)
