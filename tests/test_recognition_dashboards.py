"""Recognition and the career dashboards: skill competition results imported all-or-nothing, award
rules with amounts and prizes, the honour board's opt-out respected everywhere (store, dashboard,
workbook, command), and who sees which violations on the dashboards (checked as an attacker
would try)."""

from __future__ import annotations

import html
import re
from datetime import date

import ipywidgets as w
import openpyxl
import pytest
from sqlalchemy import func, select

from core.errors import AcademyError, ProblemsError
from dashboards import careers as dc
from dashboards.access import AccessDenied, Viewer
from graders.ladder import recognition as rec
from graders.ladder import recognition_store as rs
from graders.ladder import violations as vio
from graders.ladder import violations_store as vs
from graders.ladder.models import CompetitionResult
from tests.conftest import run_academy

TODAY = date(2026, 12, 1)
ROSTER = ("employee_id,name,team,role,supervisor,hire_date\n"
          "M1,Manager One,Hotline A,manager,,2010-01-01\n"
          "S1,Sup One,Hotline A,supervisor,M1,2015-01-01\n"
          "E1,Engineer One,Hotline A,field_service,S1,2020-01-01\n"
          "E2,Engineer Two,Hotline A,field_service,S1,2021-01-01\n"
          "M2,Manager Two,Hotline B,manager,,2010-01-01\n"
          "F1,Field One,Hotline B,field_service,M2,2019-01-01\n"
          "F2,Field Two,Hotline B,field_service,M2,2019-01-01\n")
SECRET = "E1 shouted at customer K-77"


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    """A small company with E1's violation and plan, a contest, and F2 off the honour board."""
    import os

    from core.home import init_home
    from dashboards import data
    from roster.store import import_roster_file

    for var in ("ACADEMY_HOME", "ACADEMY_DB_URL"):
        os.environ.pop(var, None)
    root = tmp_path_factory.mktemp("rec")
    home = init_home(root / "home")
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    import_roster_file(home, root / "roster.csv")
    cfg = vio.load_violations_config()
    with home.transaction() as s:
        vid = vs.record(s, cfg, "E1", "rude_to_customer", date(2026, 11, 10), SECRET, "S1",
                        today=TODAY)
        vs.step(s, cfg, vid, "plan_set", "S1", "complaint upheld", today=TODAY,
                goal="two observed calls", due_on=date(2026, 12, 5))
    contest = root / "contest.csv"
    contest.write_text("竞赛名称,比赛日期,工号,团队,成绩,名次\n"
                       "故障诊断技能竞赛,2026-11-20,E1,,99,1\n"
                       "故障诊断技能竞赛,2026-11-20,F2,,95,2\n"
                       "故障诊断技能竞赛,2026-11-20,F1,,90,3\n"
                       "故障诊断技能竞赛,2026-11-20,E2,,80,4\n"
                       "团队赛,2026/11/25,,Hotline B,92,1\n", encoding="gb18030")
    with home.transaction() as s:
        rs.import_competitions(s, contest, "organiser")
        rs.set_honour_choice(s, "F2", False, "F2", "private person")
    yield data.load_company(home, refresh=True), root
    home.close()


def _texts(widget) -> str:
    out, stack = [], [widget]
    while stack:
        x = stack.pop()
        if isinstance(x, w.HTML):
            out.append(html.unescape(x.value))
        stack += list(getattr(x, "children", []))
    return " ".join(out)


def _count(company) -> int:
    with company.home.transaction() as s:
        return s.scalar(select(func.count()).select_from(CompetitionResult))


def test_is_a_bad_results_file_refused_whole_with_row_and_column(company, tmp_path):
    """Is a file with an unknown id, a bad date, a rank of 0, a non-number score, an entrant
    twice and a row naming nobody refused as a whole, each problem with file, row and column,
    and nothing stored?"""
    c, _root = company
    before = _count(c)
    bad = tmp_path / "bad.csv"
    bad.write_text("competition,date,employee_id,team,score,rank\n"
                   "X,2026-13-01,E9,,abc,0\n"
                   "X,2026-11-01,E1,,90,1\n"
                   "X,2026-11-01,E1,,91,2\n"
                   "X,2026-11-01,,,1,3\n", encoding="utf-8")
    with pytest.raises(ProblemsError) as exc, c.home.transaction() as s:
        rs.import_competitions(s, bad, "organiser")
    got = {(p.row, p.column) for p in exc.value.problems}
    assert {(2, "date"), (2, "employee_id"), (2, "score"), (2, "rank"), (4, "employee_id"),
            (5, "employee_id")} <= got
    assert all(p.file == "bad.csv" for p in exc.value.problems)
    assert "first on row 3" in str(exc.value)
    assert _count(c) == before


def test_does_an_xlsx_re_import_replace_the_earlier_one(company, tmp_path):
    """Does an .xlsx of the same key replace the earlier import (which stays in the history)?"""
    c, _root = company
    f = tmp_path / "quiz.xlsx"
    for score in (70, 75):
        wb = openpyxl.Workbook()
        wb.active.append(["Contest", "Date", "Staff ID", "Points", "Place"])
        wb.active.append(["Knowledge quiz", date(2026, 11, 2), "F1", score, 1])
        wb.save(f)
        with c.home.transaction() as s:
            res = rs.import_competitions(s, f, "organiser")
    with c.home.transaction() as s:
        quiz = rs.competitions_frame(s).query("competition == 'Knowledge quiz'")
    assert res.replaced and quiz["score"].tolist() == [75.0]
    assert _count(c) >= 7  # the replaced row is still stored


def test_do_award_rules_carry_amounts_prizes_and_exclusion(company):
    """Does rank 1 get the champion's amount and trophy, ranks 2-3 the runner-up amount, the
    team entry its own award; and is E1 (a written warning standing) excluded with no amount?"""
    c, _root = company
    cfg = rec.load_recognition_config()
    with c.home.transaction() as s:
        r, board = rs.load(s, cfg, TODAY)
    r = r[r["what"] == "故障诊断技能竞赛"].set_index("employee_id")
    assert bool(r.at["E1", "excluded"]) and r.at["E1", "amount"] == 0.0
    assert (r.at["F2", "rule"], r.at["F2", "amount"]) == ("contest_podium", 800.0)
    assert r.at["F1", "rule"] == "contest_podium" and "E2" not in r.index  # rank 4
    with c.home.transaction() as s:
        everyone, _b = rs.load(s, cfg, TODAY)
    team = everyone[everyone["employee_id"].isna() & (everyone["what"] == "团队赛")].iloc[0]
    assert (team["rule"], team["amount"], team["prize_zh"]) == ("contest_champion", 2000.0, "奖杯")
    assert set(board["employee_id"].dropna()) == {"F1"}  # E1 excluded, F2 opted out


def test_is_the_opt_out_respected_on_the_page_the_workbook_and_the_command(company, tmp_path):
    """Is F2 (opted out) absent from the honour board page, the workbook's honour-board sheet and
    `academy competitions board`, while F1 is on all three and F2's prize stands in the awards;
    and may nobody but F2 or an admin change F2's choice?"""
    c, _root = company
    page = _texts(dc.honour_board_panel(c, "E2", "en", as_of=TODAY))
    assert "Field One" in page and "Field Two" not in page
    from graders.ladder.export import export_ladder

    with c.home.transaction() as s:
        export_ladder(s, c.home.assessments_dir, tmp_path / "x.xlsx", "en", TODAY)
    wb = openpyxl.load_workbook(tmp_path / "x.xlsx")
    board = " ".join(str(v) for row in wb["Honour board"].iter_rows(values_only=True) for v in row)
    sheet = wb["Awards with amount or prize"]
    awards = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row)
    assert "Field One" in board and "Field Two" not in board
    assert "Field Two" in awards
    cli = run_academy("competitions", "board", home=c.home.root)
    assert cli.returncode == 0 and "Field One" in cli.stdout and "Field Two" not in cli.stdout
    with pytest.raises(AcademyError, match="only F2 themself"), c.home.transaction() as s:
        rs.set_honour_choice(s, "F2", True, "M2")


def test_does_a_trainee_see_only_their_own_violations(company):
    """Does E1 see their own violation and plan, while E2 (same team) and F1 (other team) see
    nothing of it on their page, whatever viewer they claim to be in the panel's parameters?"""
    c, _root = company
    mine = _texts(dc.trainee_panel(c, "E1", "en", as_of=TODAY))
    assert SECRET in mine and "two observed calls" in mine
    for other in ("E2", "F1"):
        page = _texts(dc.trainee_panel(c, other, "en", as_of=TODAY))
        assert SECRET not in page and "V-1" not in page
        assert dc.trainee_view(c, Viewer(other), TODAY).violations.empty
    with pytest.raises(AccessDenied):
        dc.trainee_view(c, Viewer("trainer:ann"), TODAY)
    with pytest.raises(AccessDenied):
        dc.trainee_view(c, Viewer("E1' OR '1'='1"), TODAY)


def test_does_a_manager_see_the_due_plan_only_of_their_own_people(company):
    """Does M1 see E1's plan due on 5 December (due soon) and the violation, M2 (another team)
    neither, and is a field engineer refused the manager's panel?"""
    c, _root = company
    m1 = _texts(dc.manager_panel(c, "M1", "en", as_of=TODAY))
    assert SECRET in m1 and "2026-12-05" in m1 and "two observed calls" in m1
    m2 = _texts(dc.manager_panel(c, "M2", "en", as_of=TODAY))
    assert SECRET not in m2 and "2026-12-05" not in m2
    assert "Talent pipeline" in m2
    with pytest.raises(AccessDenied):
        dc.manager_view(c, Viewer("E2"), TODAY)
    refused = _texts(dc.manager_panel(c, "E2", "en", as_of=TODAY))
    assert "no access" in refused and SECRET not in refused
    # the manager page's honour board too: a trainee who opens the manager page sees no names
    board = _texts(dc.honour_board_panel(c, "E2", "en", as_of=TODAY, manager_page=True))
    assert "no access" in board and "Field One" not in board
    assert "Field One" in _texts(dc.honour_board_panel(c, "M1", "en", as_of=TODAY,
                                                       manager_page=True))


@pytest.mark.parametrize("viewer, panel", [("M1", dc.manager_panel), ("E1", dc.trainee_panel),
                                           ("E2", dc.honour_board_panel)])
def test_is_the_chinese_page_free_of_english_labels_and_codes(company, viewer, panel):
    """Does each panel in Chinese show Chinese labels and no code of a type, level, state, step
    or readiness?"""
    c, _root = company
    page = re.sub(r"<style>.*?</style>", " ", _texts(panel(c, viewer, "zh", as_of=TODAY)),
                  flags=re.S)
    text = re.sub(r"<[^>]+>", " ", page)
    for code in ("rude_to_customer", "written", "plan_set", "ready_now", "not_yet",
                 "technical_expert", "contest_podium", "Corrective", "Talent", "Honour", "None"):
        assert code not in text, code
    assert re.search(r"[\u4e00-\u9fff]", text)


def test_can_a_trainee_opt_out_on_their_own_page_and_only_for_themself(company):
    """Does unticking "Show me on the honour board" on F1's page take F1 off the board (recorded
    as F1's own choice), and ticking it put F1 back?"""
    c, _root = company

    def box(widget):
        stack = [widget]
        while stack:
            x = stack.pop()
            if isinstance(x, w.Checkbox):
                return x
            stack += list(getattr(x, "children", []))

    panel = dc.trainee_panel(c, "F1", "en", as_of=TODAY)
    switch = box(panel)
    assert switch.value is True and switch.description == "Show me on the honour board"
    switch.value = False
    assert "Field One" not in _texts(dc.honour_board_panel(c, "E2", "en", as_of=TODAY))
    assert "You chose to stay off" in _texts(panel)
    with c.home.transaction() as s:
        from graders.ladder import store as ladder_store

        last = ladder_store.events(s, "honour", subject="F1").iloc[-1]
    assert (last["action"], last["by"]) == ("opt_out", "F1")
    switch.value = True
    assert "Field One" in _texts(dc.honour_board_panel(c, "E2", "en", as_of=TODAY))
