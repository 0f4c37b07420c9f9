"""Penalties as a ladder: warning levels climbing with repeats, corrective plans and their
follow-up, every step recorded and refused when out of order, nothing deleted, and what the
scheme's deductions and award exclusion do to a grade."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import pytest
from sqlalchemy import func, select

from core.errors import AcademyError
from graders.engine import grading as g
from graders.ladder import violations as vio
from graders.ladder import violations_store as vs
from graders.ladder.models import LadderEvent
from tests.conftest import run_academy
from tests.test_grading_engine import components, no_competencies, roster, scheme

CFG = vio.load_violations_config()
TODAY = date(2026, 12, 1)


def _events(rows: list[tuple]) -> pd.DataFrame:
    """rows of (subject, employee, action, data)."""
    at = datetime(2026, 12, 1, tzinfo=timezone.utc)
    return pd.DataFrame([(i + 1, "violation", s, e, a, d, "tester", at, "why")
                         for i, (s, e, a, d) in enumerate(rows)], columns=vio.EVENT_COLUMNS)


def _rec(vid, emp, vtype, day):
    return (vid, emp, "recorded", {"type": vtype, "occurred_on": day, "evidence": "seen"})


def test_does_a_repeat_within_the_window_climb_one_level_and_an_old_one_not():
    """Does a second violation within 365 days climb to the next level, and one after the window
    start again at its type's level?"""
    v = vio.fold(_events([
        _rec("V-1", "E1", "late_arrival", "2025-01-10"),        # verbal (start)
        _rec("V-2", "E1", "late_arrival", "2025-06-01"),        # within window: written
        _rec("V-3", "E1", "procedure_skipped", "2025-09-01"),   # within: final
        _rec("V-4", "E1", "late_arrival", "2026-11-01"),        # V-1..V-3 >= 365 d before? V-3 no
        _rec("V-5", "E2", "late_arrival", "2024-01-01"),
        _rec("V-6", "E2", "late_arrival", "2025-06-01"),        # 517 days later: verbal again
        _rec("V-7", "E3", "false_record", "2026-01-01"),        # starts at final
    ]), CFG).set_index("violation_id")
    assert v.loc[["V-1", "V-2", "V-3"], "level"].tolist() == ["verbal", "written", "final"]
    # V-4 is 426 days after V-3 (2025-09-01): outside the window, so back to verbal
    assert v.at["V-4", "level"] == "verbal"
    assert v.at["V-6", "level"] == "verbal"
    assert v.at["V-7", "level"] == "final"


def test_does_voiding_an_earlier_violation_lower_the_next_one():
    """Does a voided violation count for nothing, so the one after it starts again?"""
    v = vio.fold(_events([
        _rec("V-1", "E1", "late_arrival", "2026-01-10"),
        _rec("V-2", "E1", "late_arrival", "2026-02-10"),
        ("V-1", "E1", "voided", {}),
    ]), CFG).set_index("violation_id")
    assert v.at["V-1", "state"] == "voided" and v.at["V-1", "level"] is None
    assert v.at["V-2", "level"] == "verbal"


def test_is_the_management_indicator_a_step_per_level():
    """Does the `violations` indicator give 100 without a warning and 25 points less per level?"""
    st = pd.DataFrame({"employee_id": ["A", "B"], "open_violations": [1, 0],
                       "level": ["written", "dismissal_review"], "level_rank": [1, 3],
                       "last_on": [TODAY, TODAY], "plans_due": [0, 0]})
    score = vio.violation_score(st, CFG, ["A", "B", "C"])
    assert score.to_dict() == {"A": 50.0, "B": 0.0, "C": 100.0}


# --- in the grades -------------------------------------------------------------------------------


def _penalised(level: str, rule: dict):
    people = {"A": {"theory": 100, "supervisor": 100, "customer": 100},
              "B": {"theory": 95, "supervisor": 95, "customer": 95},
              "C": {"theory": 60, "supervisor": 60, "customer": 60}}
    pen = pd.DataFrame([("A", "V-1", "rude_to_customer", date(2026, 11, 2), level,
                         CFG.rank(level))], columns=vio.PENALTY_COLUMNS)
    inputs = g.GradeInputs(roster([(e, "T") for e in people]), components(people),
                           no_competencies(), penalties=pen)
    sch = scheme(penalties=rule, individual_award={"top_share": 0.3, "min_band": "good"})
    return g.grade(inputs, {"technical_support": sch})


def test_does_a_deduction_lower_the_hand_computed_grade_and_show_why():
    """Does a written warning cost A the 3 points the scheme says (100 -> 97), with a "penalty"
    row in the detail whose contribution makes the components add up to the final score?"""
    res = _penalised("written", {"deduction": {"written": 3, "final": 8}})
    r = res.results.set_index("employee_id")
    assert r.at["A", "final_score"] == 97.0
    assert r.at["B", "final_score"] == 95.0
    d = res.components[res.components["employee_id"] == "A"]
    pen = d[d["component"] == "penalty"].iloc[0]
    assert pen["contribution"] == -3.0 and "V-1" in pen["note"] and "3 points" in pen["note"]
    assert round(d["contribution"].sum(), 2) == 97.0


def test_is_the_deduction_capped_and_never_below_zero():
    """Does max_deduction cap what the violations cost?"""
    res = _penalised("final", {"deduction": {"final": 30}, "max_deduction": 20})
    assert res.results.set_index("employee_id").at["A", "final_score"] == 80.0


def test_does_an_excluding_level_rule_the_best_person_out_of_the_award():
    """With one award place (top 30% of 3), does a written warning the scheme excludes rule A
    (the best score) out of the individual award and count as a disqualifying flag on the
    result, while a verbal warning the scheme does not exclude changes nothing?"""
    res = _penalised("written", {"exclude_award_at": ["written"]})
    aw = res.awards
    assert "A" not in aw[aw["kind"] == "individual_award"]["employee_id"].tolist()
    assert res.results.set_index("employee_id").at["A", "critical_flags"] == 1
    assert res.results.set_index("employee_id").at["A", "final_score"] == 100.0  # no deduction
    kept = _penalised("verbal", {"exclude_award_at": ["written"]}).awards
    assert kept[kept["kind"] == "individual_award"]["employee_id"].tolist() == ["A"]


# --- recorded in the database, on both backends --------------------------------------------------

ROSTER = "employee_id,name,team,role,supervisor,hire_date\n" \
         "M1,Manager One,Hotline A,manager,,2018-01-01\n" \
         "E1,Engineer One,Hotline A,field_service,M1,2020-01-01\n" \
         "E2,Engineer Two,Hotline A,field_service,M1,2025-06-01\n"


@pytest.fixture
def staffed(home, tmp_path):
    from roster.store import import_roster_file

    f = tmp_path / "roster.csv"
    f.write_text(ROSTER, encoding="utf-8")
    import_roster_file(home, f)
    return home


def _count(s) -> int:
    return s.scalar(select(func.count()).select_from(LadderEvent))


def test_is_each_step_recorded_and_refused_out_of_order(staffed):
    """Is every step of a violation recorded with who, when and why, and is a step out of order
    (a follow-up without a plan, a second plan, too many extensions, anything after voiding)
    refused with a clear message and nothing written?"""
    with staffed.transaction() as s:
        vid = vs.record(s, CFG, "E1", "late_arrival", date(2026, 11, 3), "ticket T-1: 2 h late",
                        "sup", today=TODAY)
    for action, data, msg in (("plan_met", {}, "no corrective plan yet"),
                              ("plan_extended", {"due_on": date(2027, 1, 1)}, "no corrective plan"),
                              ("plan_escalated", {}, "no corrective plan")):
        with pytest.raises(AcademyError, match=msg), staffed.transaction() as s:
            vs.step(s, CFG, vid, action, "sup", "follow-up", today=TODAY, **data)
    with staffed.transaction() as s:
        v = vs.step(s, CFG, vid, "plan_set", "sup", "coaching", today=TODAY, goal="call ahead",
                    due_on=date(2026, 12, 15))
        assert v["state"] == "plan" and v["plan_due"] == date(2026, 12, 15)
    with pytest.raises(AcademyError, match="already has a corrective plan"), \
            staffed.transaction() as s:
        vs.step(s, CFG, vid, "plan_set", "sup", "again", today=TODAY, goal="x",
                due_on=date(2026, 12, 20))
    with staffed.transaction() as s:
        vs.step(s, CFG, vid, "plan_extended", "sup", "sick leave", today=TODAY,
                due_on=date(2026, 12, 30))
        vs.step(s, CFG, vid, "plan_extended", "sup", "holiday", today=TODAY,
                due_on=date(2027, 1, 10))
    with pytest.raises(AcademyError, match="extended 2 times already"), staffed.transaction() as s:
        vs.step(s, CFG, vid, "plan_extended", "sup", "again", today=TODAY, due_on=date(2027, 2, 1))
    with pytest.raises(AcademyError, match="must be after the current one"), \
            staffed.transaction() as s:
        vs.step(s, CFG, vid, "plan_extended", "sup", "earlier", today=TODAY,
                due_on=date(2026, 12, 1))
    with staffed.transaction() as s:
        v = vs.step(s, CFG, vid, "plan_escalated", "mgr", "late again", today=TODAY)
        assert (v["state"], v["level"]) == ("open", "written")
        vs.step(s, CFG, vid, "voided", "mgr", "wrong person: it was E2's ticket", today=TODAY)
    with pytest.raises(AcademyError, match="was voided"), staffed.transaction() as s:
        vs.step(s, CFG, vid, "plan_set", "mgr", "x", today=TODAY, goal="x",
                due_on=date(2027, 1, 1))
    with staffed.transaction() as s:
        h = vs.history(s, vid)
    assert h["action"].tolist() == ["recorded", "plan_set", "plan_extended", "plan_extended",
                                    "plan_escalated", "voided"]
    assert h["by"].tolist() == ["sup"] * 4 + ["mgr", "mgr"]
    assert h["reason"].iloc[-1] == "wrong person: it was E2's ticket"
    assert h["at"].notna().all()


def test_are_bad_records_refused_with_what_to_do(staffed):
    """Are an unknown type, a future date, no evidence and an unknown person refused, and is
    nothing written?"""
    cases = [("E1", "sleeping", date(2026, 11, 1), "x", "unknown violation type 'sleeping'"),
             ("E1", "late_arrival", date(2027, 1, 1), "x", "in the future"),
             ("E1", "late_arrival", date(2026, 11, 1), "  ", "needs its evidence"),
             ("ZZ", "late_arrival", date(2026, 11, 1), "x", "no staff member")]
    for emp, vt, day, ev, msg in cases:
        with pytest.raises(AcademyError, match=msg), staffed.transaction() as s:
            vs.record(s, CFG, emp, vt, day, ev, "sup", today=TODAY)
    with staffed.transaction() as s:
        assert _count(s) == 0


def test_is_nothing_deleted_when_a_violation_is_corrected(staffed):
    """After a correction and a void, are the first facts still in the history (the log only
    grows), while the violation shows the corrected facts?"""
    with staffed.transaction() as s:
        v1 = vs.record(s, CFG, "E1", "late_arrival", date(2026, 10, 3), "ticket T-1", "sup",
                       today=TODAY)
        v2 = vs.record(s, CFG, "E1", "late_arrival", date(2026, 11, 3), "ticket T-2", "sup",
                       today=TODAY)
        assert vs.get_violation(s, v2)["level"] == "written"
        n0 = _count(s)
        vs.step(s, CFG, v2, "corrected", "mgr", "it was a safety breach", today=TODAY,
                type="safety_breach", evidence="ticket T-2: no helmet")
        vs.step(s, CFG, v1, "voided", "mgr", "the customer moved the appointment", today=TODAY)
        assert _count(s) == n0 + 2
        now = vs.get_violation(s, v2)
        assert (now["type"], now["evidence"]) == ("safety_breach", "ticket T-2: no helmet")
        # with V-1 voided, V-2 stands on its own type's level (written for a safety breach)
        assert now["level"] == "written"
        first = vs.history(s, v2).iloc[0]
        assert (first["action"], first["data"]["type"], first["data"]["evidence"]) == \
            ("recorded", "late_arrival", "ticket T-2")
        st = vs.standing(s, TODAY).set_index("employee_id")
    assert st.at["E1", "open_violations"] == 1 and st.at["E1", "level"] == "written"


def test_does_the_command_refuse_an_out_of_order_follow_up_without_a_traceback(sqlite_home,
                                                                              tmp_path):
    """Does `academy violations followup` on a violation with no plan print the reason and exit
    non-zero, with no traceback, and `history` show each step?"""
    from roster.store import import_roster_file

    f = tmp_path / "roster.csv"
    f.write_text(ROSTER, encoding="utf-8")
    import_roster_file(sqlite_home, f)
    home, env = sqlite_home.root, {}
    ok = run_academy("violations", "record", "E2", "--type", "rude_to_customer", "--date",
                     "2026-11-20", "--evidence", "complaint C-7", home=home, env=env)
    assert ok.returncode == 0, ok.stderr
    assert "V-1 recorded for E2" in ok.stdout and "Written warning" in ok.stdout
    bad = run_academy("violations", "followup", "V-1", "met", "--reason", "done", home=home,
                      env=env)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "has no corrective plan yet" in bad.stderr
    hist = run_academy("violations", "history", "V-1", home=home, env=env)
    assert "recorded" in hist.stdout and "tester" in hist.stdout


def test_do_two_writers_at_once_get_two_violations(staffed):
    """Do two sessions recording a violation at the same moment get two violations with distinct
    ids (the second waits for the first's lock), rather than one id shared by both?"""
    import threading

    from sqlalchemy.orm import Session

    barrier, ids, errors = threading.Barrier(2), [], []

    def write(emp):
        try:
            with Session(staffed.engine) as s, s.begin():
                barrier.wait(timeout=60)
                ids.append(vs.record(s, CFG, emp, "late_arrival", date(2026, 11, 5), "T-9",
                                     "sup", today=TODAY))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(e,)) for e in ("E1", "E2")]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not errors and sorted(ids) == ["V-1", "V-2"]
    with staffed.transaction() as s:
        v = vs.all_violations(s)
    assert sorted(v["employee_id"]) == ["E1", "E2"]
