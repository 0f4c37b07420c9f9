"""Supervisors and managers graded on their teams' figures (graders.managers.grading): roll-up of the
roster hierarchy by month, hand-computed grades, the upward review's rater minimum, SMART goals
and one-to-ones in order, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import DATA, run_academy
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.cycles import open_cycle
from core.errors import ProblemsError
from graders.engine import grading as g
from graders.engine.schemes import default_schemes_dir, parse_scheme
from graders.managers import goals as gs
from graders.managers import grading as m
from graders.managers.goal_models import Goal, GoalEvent
from graders.managers.store import figures_components
from graders.sources import COMPETENCY_COLUMNS

MONTHS = ["2026-10", "2026-11", "2026-12"]
LEVELS = {"manager": "manager", "supervisor": "supervisor", "technical_support": "staff"}


def _ts(day: str) -> pd.Timestamp:
    return pd.Timestamp(day, tz="UTC")


def company() -> tuple[pd.DataFrame, pd.DataFrame]:
    """M manages S1 (team A) and S2 (team B). P2 moved from S1's team to S2's on 10 November;
    S2 left on 5 December, leaving P2 and P3 without a supervisor."""
    current = pd.DataFrame([
        ("M", "A", "manager", "manager", None, True, "M"),
        ("S1", "A", "supervisor", "supervisor", "M", True, "M"),
        ("S2", "B", "supervisor", "supervisor", "M", False, "M"),
        ("P1", "A", "technical_support", "staff", "S1", True, "M"),
        ("P2", "B", "technical_support", "staff", "S2", True, "M"),
        ("P3", "B", "technical_support", "staff", "S2", True, "M"),
    ], columns=m.STATE_COLUMNS)
    changes = pd.DataFrame(
        [(e, "created", None, e, _ts("2026-09-01")) for e in current["employee_id"]]
        + [("P2", "team", "A", "B", _ts("2026-11-10 09:00")),
           ("P2", "supervisor_id", "S1", "S2", _ts("2026-11-10 09:00")),
           ("S2", "active", "True", "False", _ts("2026-12-05 17:00"))],
        columns=m.CHANGE_COLUMNS)
    return current, changes


def links() -> pd.DataFrame:
    current, changes = company()
    return m.monthly_links(current, changes, MONTHS, LEVELS)


def heads_of(lk: pd.DataFrame, emp: str, month: str) -> dict[str, bool]:
    rows = lk[(lk["employee_id"] == emp) & (lk["month"] == month)]
    return dict(zip(rows["head_id"], rows["direct"]))


def test_roll_up_follows_a_move_and_a_vacant_supervisor_month_by_month():
    """Does a person who moved team count for their old supervisor before the move and their new
    one after, and do a vacant supervisor's people roll up to the manager?"""
    lk = links()
    assert heads_of(lk, "P2", "2026-10") == {"S1": True, "M": False}
    assert heads_of(lk, "P2", "2026-11") == {"S2": True, "M": False}  # team at November's end
    assert heads_of(lk, "P2", "2026-12") == {"M": True}  # S2 has left: the manager leads directly
    assert heads_of(lk, "P3", "2026-12") == {"M": True}
    assert heads_of(lk, "P1", "2026-12") == {"S1": True, "M": False}
    # the leaver counts in the month they left (as that month's leaver), and not after
    s2 = lk[(lk["employee_id"] == "S2") & (lk["month"] == "2026-12")]
    assert list(s2["head_id"]) == ["M"] and bool(s2["leaver"].iloc[0])
    assert "S2" not in set(lk.loc[lk["month"] == "2026-12", "head_id"])
    assert set(lk["employee_id"]) == {"S1", "S2", "P1", "P2", "P3"}  # nobody heads themself


def team_data() -> m.TeamData:
    lk = links()
    # complaints and complaints resolved per person and month
    counts = {("P1", "2026-10"): (4, 3), ("P1", "2026-11"): (2, 2), ("P1", "2026-12"): (0, 0),
              ("P2", "2026-10"): (2, 1), ("P2", "2026-11"): (4, 2), ("P2", "2026-12"): (2, 2),
              ("P3", "2026-10"): (2, 2), ("P3", "2026-11"): (2, 1), ("P3", "2026-12"): (4, 2)}
    tickets = pd.DataFrame([(e, mo, c, r) for (e, mo), (c, r) in counts.items()],
                           columns=["employee_id", "month", "complaints", "complaints_resolved"])
    surveys = pd.DataFrame({"employee_id": ["P1", "P1", "P2", "P2", "P2"],
                            "satisfaction": [100.0, 90.0, 80.0, 70.0, 60.0]})
    talks = pd.DataFrame([("P1", "S1", "2026-10"), ("P1", "S1", "2026-11"), ("P2", "S1", "2026-10"),
                          ("S1", "M", "2026-10"), ("S1", "M", "2026-11"), ("S1", "M", "2026-12"),
                          ("S2", "M", "2026-10"), ("P3", "M", "2026-12"),
                          ("P3", "S1", "2026-12")],  # S1 is not P3's head: does not count
                         columns=["employee_id", "manager_id", "month"])
    return m.TeamData(lk, tickets=tickets, surveys=surveys, one_to_ones=talks)


def test_team_figures_are_the_hand_counted_ones():
    """Are a supervisor's and a manager's complaint resolution, team CSAT and one-to-ones the
    figures counted by hand from the people below them, month by month?"""
    fig = m.indicator_scores(team_data(), ["complaint_resolution", "team_csat", "one_to_ones"])
    val = fig.set_index(["head_id", "indicator"])["value"]
    # S1: P1 all quarter (6 complaints, 5 resolved) + P2 in October (2, 1) = 6 of 8
    assert val[("S1", "complaint_resolution")] == pytest.approx(6 / 8)
    # S2: P2 in November (4, 2) + P3 October and November (4, 3) = 5 of 8
    assert val[("S2", "complaint_resolution")] == pytest.approx(5 / 8)
    # M: everyone, every month: 15 of 22
    assert val[("M", "complaint_resolution")] == pytest.approx(15 / 22)
    # CSAT pro rata: P2 (responses 80, 70, 60) spent a third of the cycle under S1, P1 (100, 90)
    # all of it: (1.9 + 2.1 x 1/3) / (2 + 3 x 1/3)
    assert val[("S1", "team_csat")] == pytest.approx((1.9 + 2.1 / 3) / (2 + 3 / 3))
    assert val[("M", "team_csat")] == pytest.approx(4.0 / 5)
    # one-to-ones of direct reports: S1 leads P1 x 3 months and P2 in October; held 3 of 4
    assert val[("S1", "one_to_ones")] == pytest.approx(3 / 4)
    # M leads S1 x 3, S2 x 3 (December as leaver), P2 and P3 in December: held 5 of 8
    assert val[("M", "one_to_ones")] == pytest.approx(5 / 8)


def scheme_text(**targets) -> str:
    data = yaml.safe_load((default_schemes_dir() / "management.yaml").read_text("utf-8"))
    data["components"] = {"complaint_resolution": {"weight": 0.5, "kind": "result"},
                          "team_csat": {"weight": 0.2, "kind": "result"},
                          "one_to_ones": {"weight": 0.3, "kind": "process"}}
    data["result_share"] = 0.7
    data["management"] = {"targets": targets}
    return yaml.safe_dump(data, allow_unicode=True)


def test_supervisor_and_manager_grades_hand_computed():
    """Are a supervisor's and a manager's final scores the weighted sums of their team figures
    against the scheme's own targets (a target the scheme changes included)?"""
    fig = m.indicator_scores(team_data(), ["complaint_resolution", "team_csat", "one_to_ones"])
    comp, var = figures_components(fig)
    scheme = parse_scheme(scheme_text(complaint_resolution=0.75), "management.yaml")
    roster = pd.DataFrame([("M", "M", "A", "manager", "management"),
                           ("S1", "S1", "A", "supervisor", "management")],
                          columns=g.ROSTER_COLUMNS)
    res = g.grade(g.GradeInputs(roster=roster, components=comp,
                                competencies=pd.DataFrame(columns=COMPETENCY_COLUMNS),
                                variants=var), {"management": scheme})
    final = res.results.set_index("employee_id")["final_score"]
    # S1: complaints 0.75 / 0.75 -> 100; CSAT 2.6 / 3 = 0.8667 / 0.90 -> 96.30; one-to-ones 75
    assert final["S1"] == pytest.approx(round(0.5 * 100 + 0.2 * 96.30 + 0.3 * 75, 2))  # 91.76
    # M: complaints (15/22) / 0.75 -> 90.91; CSAT 0.8 / 0.9 -> 88.89; one-to-ones 62.5
    assert final["M"] == pytest.approx(round(0.5 * 90.91 + 0.2 * 88.89 + 0.3 * 62.5, 2))  # 81.98
    note = res.components.set_index(["employee_id", "component"]).loc[("M", "complaint_resolution"),
                                                                       "note"]
    assert "15 of 22 complaints resolved" in note and "at least 75%" in note


def test_less_is_better_indicators_and_missing_data():
    """Does an at-most indicator score 100 at or under its target, less above it, and is an
    indicator without data left missing rather than scored zero?"""
    assert m.achievement(0.0, 0.05, False) == 100.0
    assert m.achievement(0.10, 0.05, False) == pytest.approx(50.0)
    assert m.achievement(0.9, 0.8, True) == 100.0
    data = team_data()
    fig = m.indicator_scores(data, ["churn", "attrition"])
    assert "churn" not in set(fig["indicator"])  # no churn imported: missing
    att = fig[fig["indicator"] == "attrition"].set_index("head_id")
    # M: one leaver (S2) over an average headcount of (5 + 5 + 5) / 3 = 5 -> 0.20, target 0.05
    assert att.loc["M", "value"] == pytest.approx(1 / 5)
    assert att.loc["M", "score"] == pytest.approx(25.0)
    assert att.loc["S1", "score"] == 100.0


def test_goal_followup_counts_set_and_followed_up_months():
    """Does the goal indicator count a direct report's month once for agreed goals and once more
    for their follow-up, only for months whose follow-up is due?"""
    data = team_data()
    data.goals = pd.DataFrame([("P1", "2026-10", True, True), ("P1", "2026-11", True, False),
                               ("P1", "2026-12", True, False), ("P2", "2026-10", False, False)],
                              columns=["employee_id", "month", "agreed", "scored"])
    data.follow_up_due = ["2026-10", "2026-11"]
    fig = m.indicator_scores(data, ["goal_followup"]).set_index("head_id")
    # S1: P1 Oct set+followed (2 of 2), Nov set, not followed (1 of 2), Dec set (1 of 1),
    # P2 Oct neither (0 of 2): 4 of 7
    assert fig.loc["S1", "value"] == pytest.approx(4 / 7)


# --- storage: goals and one-to-ones on SQLite and PostgreSQL --------------------------------------


def _setup(h):
    from roster.store import import_roster_file

    import_roster_file(h, DATA / "roster_small.csv")  # 000100 > 000101 > 000102..000104
    with h.transaction() as s:
        open_cycle(s, "2026-Q4")
    return h


@pytest.fixture
def mg_home(home):
    return _setup(home)


OCT = date(2026, 10, 3)
NOV = date(2026, 11, 2)


def test_goal_steps_out_of_order_are_refused(mg_home):
    """Are a goal scored before both agreed or before its month is over, agreed by a colleague or
    after the month, set by a colleague, or scored twice refused, with nothing changed?"""
    with Session(mg_home.engine) as s, s.begin():
        with pytest.raises(gs.GoalRefused, match="neither"):
            gs.set_goal(s, "000103", "2026-10", "Clear backlog", "no ticket older than 5 days",
                        by="000102", today=OCT)
        goal = gs.set_goal(s, "000103", "2026-10", "Clear backlog", "no ticket older than 5 days",
                           by="000101", weight=2, today=OCT)
        gid = goal.id
        with pytest.raises(gs.GoalRefused, match="not agreed yet"):
            gs.score_goal(s, gid, 80, by="000101", today=NOV)
        with pytest.raises(gs.GoalRefused, match="neither"):
            gs.agree_goal(s, gid, by="000102", today=OCT)
        gs.agree_goal(s, gid, by="000103", today=OCT)
        with pytest.raises(gs.GoalRefused, match="already agreed"):
            gs.agree_goal(s, gid, by="000103", today=OCT)
        with pytest.raises(gs.GoalRefused, match="is over"):
            gs.agree_goal(s, gid, by="000101", today=NOV)
        gs.agree_goal(s, gid, by="000100", today=OCT)  # the manager two levels up may agree
        with pytest.raises(gs.GoalRefused, match="not over"):
            gs.score_goal(s, gid, 80, by="000101", today=OCT)
        with pytest.raises(gs.GoalRefused, match="not a manager above"):
            gs.score_goal(s, gid, 100, by="000103", today=NOV)
        gs.score_goal(s, gid, 80, by="000101", today=NOV)
        with pytest.raises(gs.GoalRefused, match="already scored"):
            gs.score_goal(s, gid, 90, by="000101", today=NOV)
        with pytest.raises(gs.GoalRefused, match="is over"):
            gs.set_goal(s, "000103", "2026-10", "Late goal", "x", by="000101", today=NOV)
    with Session(mg_home.engine) as s:
        goal = s.get(Goal, gid)
        assert (goal.achievement, goal.scored_by, goal.manager_agreed_by) == (80.0, "000101",
                                                                              "000100")
        events = [e.action for e in s.scalars(select(GoalEvent).order_by(GoalEvent.id))]
        assert events == ["set", "agree_person", "agree_manager", "score"]
        frame = gs.goals_frame(s, MONTHS)
        assert list(frame["state"]) == ["scored"]
        comp = gs.goal_component(frame).set_index("employee_id")
        assert comp.loc["000103", "score"] == 80.0
        # ... and the `goals` component any scheme may weigh, as the engine collects it
        from core.cycles import get_cycle
        from graders.sources.load import collect

        got = collect(s, get_cycle(s, "2026-Q4").id, ["000103"]).components
        got = got[got["component"] == "goals"].iloc[0]
        assert (got["score"], got["status"], got["n"]) == (80.0, "ok", 1)


def test_goals_and_talks_visible_to_the_person_and_their_managers_only(mg_home):
    """Does a colleague see none of another's goals or talks, while the person and every manager
    above them do?"""
    with Session(mg_home.engine) as s, s.begin():
        gs.set_goal(s, "000103", "2026-10", "回访十位投诉客户", "10 次回访记录", by="000103",
                    today=OCT)
        gs.record_one_to_one(s, "000103", "000101", date(2026, 10, 2), by="000101",
                             notes="季度目标", today=OCT)
        with pytest.raises(gs.GoalRefused, match="future"):
            gs.record_one_to_one(s, "000103", "000101", date(2026, 10, 9), by="000101", today=OCT)
        with pytest.raises(gs.GoalRefused, match="not a manager above"):
            gs.record_one_to_one(s, "000103", "000102", date(2026, 10, 2), by="000102", today=OCT)
    with Session(mg_home.engine) as s:
        for viewer, sees in (("000103", True), ("000101", True), ("000100", True),
                             ("000102", False), ("000105", False)):
            scope = gs.visible_to(s, viewer)
            assert (len(gs.goals_frame(s, None, scope)) == 1) is sees, viewer
            assert (len(gs.one_to_ones_frame(s, None, scope)) == 1) is sees, viewer


def write(path: Path, rows: list[list]) -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8-sig")
    return path


def test_goal_import_is_all_or_nothing_and_names_row_and_column(mg_home, tmp_path):
    """Is a goals file with one bad row rejected whole, naming the file, row and column, and is
    the corrected file then stored with both agreements?"""
    rows = [["工号", "月份", "目标", "衡量标准", "权重", "上级", "员工确认", "上级确认"],
            ["000103", "2026-10", "Clear backlog", "no ticket older than 5 days", 2, "000101", "是", "是"],
            ["000104", "2026年10月", "Update FAQ", "20 answers", 1, "000101", "是", "否"],
            ["000102", "2026-13", "Bad month", "x", 1, "000101", "", ""],
            ["000105", "2026-10", "Wrong manager", "x", 1, "000101", "", ""]]
    bad = write(tmp_path / "goals.csv", rows)
    with Session(mg_home.engine) as s:
        s.begin()
        with pytest.raises(ProblemsError) as exc:
            gs.import_goals(s, bad, today=OCT)
        s.rollback()
    text = str(exc.value)
    assert "goals.csv, row 4, column \"月份\" (B)" in text
    assert "goals.csv, row 5, column \"目标\"" in text and "000101" in text
    with Session(mg_home.engine) as s:
        assert s.scalar(select(func.count()).select_from(Goal)) == 0
    good = write(tmp_path / "goals.csv", rows[:3])
    with Session(mg_home.engine) as s, s.begin():
        out = gs.import_goals(s, good, today=OCT)
    assert (out.goals, out.agreed) == (2, 1)
    scores = write(tmp_path / "scores.csv", [["工号", "月份", "目标", "完成率", "上级"],
                                             ["000103", "2026-10", "Clear backlog", "85%", "000101"],
                                             ["000104", "2026-10", "Update FAQ", "100", "000101"]])
    with Session(mg_home.engine) as s:
        s.begin()
        with pytest.raises(ProblemsError, match=r"row 3.*not agreed yet"):
            gs.import_scores(s, scores, today=NOV)
        s.rollback()
    with Session(mg_home.engine) as s:
        assert s.scalar(select(func.count()).select_from(Goal).where(
            Goal.achievement.is_not(None))) == 0


def test_upward_review_below_the_rater_minimum_is_hidden_everywhere(mg_home, tmp_path):
    """Is an upward review with fewer raters than the peer minimum given no score, in the grade,
    its components and the exported workbook, while one with enough raters counts?"""
    from openpyxl import load_workbook

    from graders.engine.schemes import home_schemes
    from graders.forms_config import load_evidence_config
    from graders.results.exports import export_cycle
    from graders.results.store import grade_cycle
    from graders.sources import reviews

    head = ["rater", "ratee", "relation", "knowledge", "courtesy", "clarity", "solving", "sharing",
            "responsibility"]
    rows = [head,
            ["000102", "000101", "", 1, 1, 1, 1, 1, 1],      # inferred: upward
            ["000103", "000101", "下级", 1, 2, 1, 1, 1, 1],
            ["000102", "000100", "upward", 5, 5, 5, 5, 5, 5],
            ["000103", "000100", "upward", 4, 4, 4, 4, 4, 4],
            ["000105", "000100", "upward", 3, 3, 3, 3, 3, 3]]
    path = write(tmp_path / "upward.csv", rows)
    cfg = load_evidence_config(mg_home.assessments_dir)
    with Session(mg_home.engine) as s, s.begin():
        res = reviews.import_file(s, path, cfg, "tester")
    assert res.extra["upward"] == 5 * 6
    bad = write(tmp_path / "bad_upward.csv", [head, ["000100", "000102", "upward", 3, 3, 3, 3, 3, 3]])
    with Session(mg_home.engine) as s:
        s.begin()
        with pytest.raises(ProblemsError, match="not below"):
            reviews.import_file(s, bad, cfg, "tester")
        s.rollback()
    schemes = home_schemes(mg_home)
    with Session(mg_home.engine) as s, s.begin():
        gs.set_goal(s, "000103", "2026-10", "回访十位投诉客户", "10 次回访记录", by="000101",
                    today=OCT)
        gs.set_goal(s, "000106", "2026-10", "Arrive within 24 h", "all visits", by="000105",
                    today=OCT)
        result = grade_cycle(s, "2026-Q4", schemes, "tester").result
    up = result.components[result.components["component"] == "upward"].set_index("employee_id")
    assert up.loc["000101", "status"] == "insufficient" and pd.isna(up.loc["000101", "score"])
    assert up.loc["000100", "score"] == pytest.approx(100 * (4 - 1) / 4)  # mean of 5, 4, 3 on 1-5
    assert "upward" in result.results.set_index("employee_id").loc["000101", "insufficient"]
    out = tmp_path / "grades.xlsx"
    with Session(mg_home.engine) as s:
        export_cycle(s, "2026-Q4", out)
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    col = header.index("Upward review by own staff")
    by_id = {r[0].value: r[col].value for r in ws.iter_rows(min_row=2)}
    assert by_id["000101"] is None and by_id["000100"] == pytest.approx(75.0)
    values = {str(c.value) for sh in wb.worksheets for r in sh.iter_rows() for c in r}
    assert not any("000102" in v and "upward" in v.lower() for v in values)
    # nor through the manager dashboard's drill-down
    from dashboards import data
    from dashboards.access import Viewer

    company = data.load_company(mg_home, refresh=True)
    seen = data.person(company, Viewer("000100"), "2026-Q4", "000101").components
    seen = seen[seen["component"] == "upward"]
    assert len(seen) == 1 and pd.isna(seen["score"].iloc[0])
    assert set(seen["note"].iloc[0].split()) & {"000102", "000103"} == set()
    # the dashboard's workbook download: goals of the viewer's own staff only
    import base64
    import io
    import re

    from dashboards import ui

    link = ui.ManagerDashboard(company, Viewer("000101"), "en")._workbook_link()
    book = load_workbook(io.BytesIO(base64.b64decode(re.search(r"base64,([^']+)'", link)[1])))
    goals_sheet = book["Monthly SMART goals"]
    assert [r[0].value for r in goals_sheet.iter_rows(min_row=2)] == ["000103"]
    assert "Team figures" in book.sheetnames


def test_move_recorded_by_a_later_roster_import_rolls_up_by_month(mg_home, tmp_path):
    """Does a team move recorded by a roster import in the middle of the cycle change whom a
    person counts for from that month on, read from the stored roster history?"""
    from graders.managers.store import roster_state
    from roster.models import RosterImport
    from roster.store import import_roster_file

    with mg_home.transaction() as s:
        s.execute(update(RosterImport).values(imported_at=pd.Timestamp("2026-09-01", tz="UTC")))
    text = (DATA / "roster_small.csv").read_text("utf-8-sig").replace(
        "000106,Tom O'Brien,Field Team West,Field service engineer,000105,2023-11-01,1,West",
        "000106,Tom O'Brien,售后一部,Field service engineer,000101,2023-11-01,1,华东")
    import_roster_file(mg_home, write_text(tmp_path / "roster_nov.csv", text))
    with mg_home.transaction() as s:
        last = s.scalar(select(func.max(RosterImport.id)))
        s.execute(update(RosterImport).where(RosterImport.id == last)
                  .values(imported_at=pd.Timestamp("2026-11-16 08:00", tz="UTC")))
    with Session(mg_home.engine) as s:
        current, changes, levels = roster_state(s)
    lk = m.monthly_links(current, changes, MONTHS, levels)
    assert heads_of(lk, "000106", "2026-10") == {"000100": True}
    assert heads_of(lk, "000106", "2026-11") == {"000101": True, "000100": False}


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_goal_flow_refuses_out_of_order_without_traceback(sqlite_home, tmp_path):
    """Does `academy goals` set a goal as the acting person, refuse a score before agreement with
    a message (not a traceback), and list nothing of it to a colleague?"""
    h = _setup(sqlite_home)
    root = h.root
    as_ = lambda who: {"ACADEMY_USER": who}  # noqa: E731
    p = run_academy("goals", "set", "000103", "2026-10", "Clear backlog", "--measure",
                    "no ticket older than 5 days", "--today", "2026-10-02", home=root,
                    env=as_("000101"))
    assert p.returncode == 0, p.stderr
    p = run_academy("goals", "score", "1", "80", "--today", "2026-11-02", home=root,
                    env=as_("000101"))
    assert p.returncode != 0 and "not agreed yet" in (p.stdout + p.stderr)
    assert "Traceback" not in p.stderr
    p = run_academy("goals", "list", home=root, env=as_("000102"))
    assert p.returncode == 0 and "Clear backlog" not in p.stdout
    with Session(h.engine) as s:
        assert [g.set_by for g in s.scalars(select(Goal))] == ["000101"]


def test_head_figures_goals_and_talks_on_the_dashboard_follow_the_hierarchy(mg_home):
    """Does a manager see their supervisor's team figures and their staff's goals and talks in
    the dashboard, while a colleague asking for the same gets an access error?"""
    from dashboards import data, management_panel
    from dashboards import management_data as md
    from dashboards.access import AccessDenied, Viewer
    from dashboards.ui import heading, table

    with Session(mg_home.engine) as s, s.begin():
        gs.set_goal(s, "000103", "2026-10", "回访十位投诉客户", "10 次回访记录", by="000101",
                    today=OCT)
        gs.record_one_to_one(s, "000103", "000101", date(2026, 10, 2), by="000101", today=OCT)
    company = data.load_company(mg_home, refresh=True)
    fig = md.team_figures(company, Viewer("000100"), "2026-Q4", "000101")
    att = fig.set_index("indicator").loc["attrition"]
    assert att["value"] == 0.0 and att["n"] == 3  # 000102-000104 below the supervisor
    with pytest.raises(AccessDenied):
        md.team_figures(company, Viewer("000102"), "2026-Q4", "000101")
    for viewer in ("000101", "000100", "admin:hr"):
        goals, talks = md.goals_and_talks(company, Viewer(viewer), "2026-Q4", "000103")
        assert list(goals["title"]) == ["回访十位投诉客户"] and len(talks) == 1
    with pytest.raises(AccessDenied):
        md.goals_and_talks(company, Viewer("000102"), "2026-Q4", "000103")
    items = management_panel.person_extras(company, Viewer("000100"), "2026-Q4", "000101", "zh",
                                           "management", None, heading, table)
    page = "".join(i.value for i in items)
    assert "团队指标" in page and "团队人员流失" in page and "一对一面谈" in page
    assert "attrition" not in page  # labels, never codes, on a Chinese page


def test_churn_import_is_all_or_nothing(mg_home, tmp_path):
    """Is a churn file with an unknown team or more customers lost than served rejected whole,
    naming row and column, and a clean one stored?"""
    from graders.managers.churn import import_churn
    from graders.managers.goal_models import CustomerChurn

    rows = [["团队", "月份", "期初客户数", "流失客户数"], ["售后一部", "2026-10", 300, 6],
            ["No such team", "2026-10", 100, 1], ["售后一部", "2026-11", 10, 12]]
    with Session(mg_home.engine) as s:
        s.begin()
        with pytest.raises(ProblemsError) as exc:
            import_churn(s, write(tmp_path / "churn.csv", rows), "tester")
        s.rollback()
    text = str(exc.value)
    assert 'row 3, column "团队" (A)' in text and 'row 4, column "流失客户数" (D)' in text
    with Session(mg_home.engine) as s, s.begin():
        assert s.scalar(select(func.count()).select_from(CustomerChurn)) == 0
        assert import_churn(s, write(tmp_path / "churn.csv", rows[:2]), "tester") == 1


def test_scheme_refuses_a_target_for_an_unknown_indicator():
    """Is a management scheme naming an indicator that does not exist refused with its line?"""
    text = scheme_text(complaint_resolution=0.75, violation=2)
    with pytest.raises(ProblemsError) as exc:
        parse_scheme(text, "management.yaml")
    assert "unknown indicator 'violation'" in str(exc.value) and "line" in str(exc.value)


def test_is_violation_free_the_share_of_team_member_months_without_a_violation():
    """Does the `violation_free` process indicator count, for each head, the member-months of
    their team with no violation, so a violation in a month the person was in another team does
    not count against this head?"""
    d = team_data()
    d.extra["violations"] = pd.DataFrame({"employee_id": ["P1", "P2", "P9"],
                                          "month": ["2026-11", "2026-11", "2026-11"]})
    fig = m.indicator_scores(d, ["violation_free"])
    val = fig.set_index(["head_id", "indicator"])["value"]
    # S1 leads P1 in Oct-Dec and P2 in October: P2's November violation is S2's, P1's is S1's
    assert val[("S1", "violation_free")] == pytest.approx(3 / 4)
    # S2 leads P2 in November (violation) and P3 in October and November: 2 clean of 3
    assert val[("S2", "violation_free")] == pytest.approx(2 / 3)
    months_under_m = len(d.links[d.links["head_id"] == "M"])
    assert val[("M", "violation_free")] == pytest.approx((months_under_m - 2) / months_under_m)
    d.extra["violations"] = pd.DataFrame(columns=["employee_id", "month"])
    clean = m.indicator_scores(d, ["violation_free"]).set_index(["head_id", "indicator"])["value"]
    assert clean[("S1", "violation_free")] == pytest.approx(1.0)
