"""Follow-up of the grades' corrective actions (issue 14): met, extended with a new date (at most
twice), escalated; each step recorded with who, when and why in the ladder log, refused when it
does not fit or comes from someone not above the person; and the manager's first screen counting
only what is still due."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from types import SimpleNamespace

import pandas as pd
import pytest
from sqlalchemy import func, select

from core.cycles import open_cycle
from core.errors import AcademyError
from dashboards import attention
from graders.ladder import coaching as co
from graders.ladder import coaching_store as cs
from graders.ladder.models import LadderEvent
from graders.results.models import GradeOutcome, GradeRun
from graders.results.publishing import publish, reopen
from tests.conftest import run_academy

ROSTER = "employee_id,name,team,role,supervisor,hire_date\n" \
         "M1,Manager One,Hotline A,manager,,2018-01-01\n" \
         "S1,Supervisor One,Hotline A,supervisor,M1,2019-01-01\n" \
         "E1,Engineer One,Hotline A,field_service,S1,2020-01-01\n" \
         "E2,Engineer Two,Hotline A,field_service,S1,2021-01-01\n" \
         "E3,Engineer Three,Hotline A,field_service,S1,2022-01-01\n" \
         "E4,Engineer Four,Hotline A,field_service,S1,2022-01-01\n"
DUE = date(2027, 1, 30)


def _graded(session, name: str, corrective: list[str], published: bool = True) -> None:
    """A cycle whose current run holds corrective actions for `corrective` (as the engine stores
    them), published or not."""
    c = open_cycle(session, name)
    run = GradeRun(cycle_id=c.id, computed_by="tester", schemes={}, inputs_sha256="0" * 64,
                   results_sha256="1" * 64, evidence_batches=[], graded=len(corrective),
                   incomplete=0, excluded=0, checks=[], current=True)
    session.add(run)
    session.flush()
    session.add_all([GradeOutcome(run_id=run.id, kind="corrective", employee_id=e,
                                  team="Hotline A", due_on=DUE,
                                  reason="final score 41.00 in band Needs improvement")
                     for e in corrective])
    session.flush()
    if published:
        publish(session, c.id, "tester")


def _staffed_and_graded(home, tmp_path):
    from roster.store import import_roster_file

    f = tmp_path / "roster.csv"
    f.write_text(ROSTER, encoding="utf-8")
    import_roster_file(home, f)
    with home.transaction() as s:
        _graded(s, "2026-Q4", ["E1", "E2", "E3"])
        _graded(s, "2026-11", ["E4"], published=False)
    return home


@pytest.fixture
def graded(home, tmp_path):
    """On each backend (the store's tests)."""
    return _staffed_and_graded(home, tmp_path)


@pytest.fixture
def graded_sqlite(sqlite_home, tmp_path):
    """On the embedded default only (the command's test: the store is tested on both)."""
    return _staffed_and_graded(sqlite_home, tmp_path)


def _count(s) -> int:
    return s.scalar(select(func.count()).select_from(LadderEvent))


def test_is_each_follow_up_recorded_with_who_when_and_why(graded):
    """Are met, extended (twice, each time to a later date) and escalated recorded, each with
    who, when and why, and does the folded state show the new due date and the closed ones?"""
    with graded.transaction() as s:
        assert cs.followups(s)["employee_id"].tolist() == ["E1", "E2", "E3"]
        r = cs.follow_up(s, "2026-Q4", "E1", "met", "S1", "first-time fix rate back to 80 %")
        assert r["state"] == "met"
        r = cs.follow_up(s, "2026-Q4", "E2", "extended", "M1", "on sick leave in January",
                         until=date(2027, 2, 28))
        assert (r["state"], r["due_on"], r["extensions"]) == ("due", date(2027, 2, 28), 1)
        r = cs.follow_up(s, "2026-Q4", "E2", "extended", "S1", "course moved to March",
                         until=date(2027, 3, 31))
        assert (r["due_on"], r["extensions"], r["first_due"]) == (date(2027, 3, 31), 2, DUE)
        r = cs.follow_up(s, "2026-Q4", "E3", "escalated", "admin:hr", "no progress at all")
        assert r["state"] == "escalated" and r["last_by"] == "admin:hr"
    with graded.transaction() as s:
        f = cs.followups(s, "2026-Q4").set_index("employee_id")
        h = cs.history(s, "2026-Q4", "E2")
        assert co.due(cs.followups(s), date(2027, 3, 31))["employee_id"].tolist() == ["E2"]
        assert co.due(cs.followups(s), date(2027, 3, 30)).empty
    assert f["state"].to_dict() == {"E1": "met", "E2": "due", "E3": "escalated"}
    assert f.at["E1", "last_why"] == "first-time fix rate back to 80 %"
    assert h["action"].tolist() == ["extended", "extended"]
    assert h["by"].tolist() == ["M1", "S1"]
    assert h["reason"].tolist() == ["on sick leave in January", "course moved to March"]
    assert [d["due_on"] for d in h["data"]] == ["2027-02-28", "2027-03-31"]
    assert [d["previous_due"] for d in h["data"]] == ["2027-01-30", "2027-02-28"]
    assert h["at"].notna().all() and (h["domain"] == "coaching").all()


def test_are_follow_ups_that_do_not_fit_refused_and_nothing_written(graded):
    """Are a person without a corrective action, an unpublished cycle, a third extension, an
    extension not after the current date or without one, a step after met or escalated, an
    unknown outcome and a blank reason each refused with a clear message, writing nothing?"""
    with graded.transaction() as s:
        cs.follow_up(s, "2026-Q4", "E1", "met", "S1", "done")
        cs.follow_up(s, "2026-Q4", "E3", "escalated", "M1", "no progress")
        cs.follow_up(s, "2026-Q4", "E2", "extended", "S1", "leave", until=date(2027, 2, 10))
        cs.follow_up(s, "2026-Q4", "E2", "extended", "S1", "leave", until=date(2027, 2, 20))
        before = _count(s)
    cases = [
        (("2026-Q4", "M1", "met", "S1", "x"), {}, "M1 has no corrective action in cycle 2026-Q4"),
        (("2026-Q4", "E4", "met", "S1", "x"), {}, "no corrective action"),
        (("2026-11", "E4", "met", "S1", "x"), {}, "cycle 2026-11 is not published"),
        (("2026-Q9", "E1", "met", "S1", "x"), {}, "no cycle named"),
        (("2026-Q4", "E2", "extended", "S1", "x"), {"until": date(2027, 5, 1)},
         "extended 2 times already"),
        (("2026-Q4", "E2", "extended", "S1", "x"), {"until": date(2027, 2, 20)},
         "must be after the current one"),
        (("2026-Q4", "E2", "extended", "S1", "x"), {}, "needs its new due date"),
        (("2026-Q4", "E1", "extended", "S1", "x"), {"until": date(2027, 6, 1)},
         "recorded as met already"),
        (("2026-Q4", "E3", "met", "S1", "x"), {}, "recorded as escalated already"),
        (("2026-Q4", "E2", "closed", "S1", "x"), {}, "unknown follow-up 'closed'"),
        (("2026-Q4", "E2", "met", "S1", "  "), {}, "give the reason"),
    ]
    for args, kw, msg in cases:
        with pytest.raises(AcademyError, match=msg), graded.transaction() as s:
            cs.follow_up(s, *args, **kw)
    with graded.transaction() as s:
        assert _count(s) == before
        # a reopened cycle's actions are no longer followed up until published again
        from core.cycles import get_cycle
        reopen(s, get_cycle(s, "2026-Q4").id, "late evidence", "tester")
    with pytest.raises(AcademyError, match="not published"), graded.transaction() as s:
        cs.follow_up(s, "2026-Q4", "E2", "met", "S1", "x")


def test_is_a_follow_up_by_someone_not_above_the_person_refused(graded):
    """May only the person's supervisor line (supervisor, team manager), a trainer or an admin
    record a follow-up: is a peer, the person themself or an unknown name refused?"""
    for who in ("E2", "E1", "nobody", "trainer", ""):
        with pytest.raises(AcademyError, match="not above E1|not known"), \
                graded.transaction() as s:
            cs.follow_up(s, "2026-Q4", "E1", "met", who, "I say so")
    with graded.transaction() as s:
        assert _count(s) == 0
        cs.follow_up(s, "2026-Q4", "E1", "extended", "trainer:li", "course first",
                     until=date(2027, 2, 15))
        cs.follow_up(s, "2026-Q4", "E1", "met", "M1", "checked on a visit")
        assert cs.history(s, "2026-Q4", "E1")["by"].tolist() == ["trainer:li", "M1"]


def test_does_the_command_record_and_list_follow_ups(graded_sqlite):
    """Does `academy coaching follow-up` record a step as ACADEMY_USER, refuse a bad one with a
    message and no traceback, and `academy coaching list --due` show only what is still due?"""
    env = {"ACADEMY_USER": "S1"}
    r = run_academy("coaching", "follow-up", "2026-Q4", "E1", "met", "--why", "fixed",
                    home=graded_sqlite.root, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    r = run_academy("coaching", "follow-up", "2026-Q4", "E2", "extended", "--why", "leave",
                    "--until", "2027-02-20", home=graded_sqlite.root, env=env)
    assert r.returncode == 0 and "2027-02-20" in r.stdout, r.stdout + r.stderr
    r = run_academy("coaching", "follow-up", "2026-Q4", "E1", "escalated", "--why", "x",
                    home=graded_sqlite.root, env=env)
    assert r.returncode != 0 and "recorded as met already" in r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    r = run_academy("coaching", "follow-up", "2026-Q4", "E3", "met", "--why", "x",
                    home=graded_sqlite.root, env={"ACADEMY_USER": "E2"})
    assert r.returncode != 0 and "not above E3" in r.stdout + r.stderr
    r = run_academy("coaching", "list", "--due", "--today", "2027-02-01", home=graded_sqlite.root)
    assert r.returncode == 0, r.stderr
    assert "E3" in r.stdout and "E1" not in r.stdout and "E2" not in r.stdout
    r = run_academy("coaching", "list", "--cycle", "2026-Q4", home=graded_sqlite.root)
    assert all(e in r.stdout for e in ("E1", "E2", "E3")) and "2027-02-20" in r.stdout
    assert "S1: leave" in r.stdout and "nan" not in r.stdout


# --- the manager's first screen (pure) -----------------------------------------------------------

def _result(ids: list[str]) -> SimpleNamespace:
    res = pd.DataFrame({"employee_id": ids, "name": [f"Name {e}" for e in ids],
                        "team": "Hotline A", "final_score": [40.0 + i for i in range(len(ids))],
                        "band": "needs_improvement", "corrective": True})
    actions = pd.DataFrame({"kind": "corrective", "employee_id": ids, "team": "Hotline A",
                            "due_on": DUE, "reason": "low"})
    return SimpleNamespace(results=res, actions=actions,
                           checks=pd.DataFrame(columns=["family", "check", "level", "message"]),
                           awards=pd.DataFrame(columns=["kind", "employee_id", "team"]))


def _followups(rows: list[tuple]) -> pd.DataFrame:
    acts = pd.DataFrame({"cycle": "2026-Q4", "employee_id": ["E1", "E2", "E3"],
                         "name": None, "team": "Hotline A", "due_on": DUE, "reason": "low"})
    at = datetime(2027, 1, 5, tzinfo=timezone.utc)
    ev = pd.DataFrame([(i + 1, "coaching", f"2026-Q4:{e}", e, a, d, "S1", at, "why")
                       for i, (e, a, d) in enumerate(rows)],
                      columns=["id", "domain", "subject", "employee_id", "action", "data", "by",
                               "at", "reason"])
    return co.fold(acts, ev)


def test_does_the_first_screen_drop_met_actions_and_show_an_extended_date():
    """On the manager's attention screen, does a met or escalated corrective action no longer
    count as due, does an extended one show its new date, in English and in Chinese?"""
    f = _followups([("E1", "met", {"cycle": "2026-Q4"}),
                    ("E2", "extended", {"cycle": "2026-Q4", "due_on": "2027-03-15"}),
                    ("E3", "escalated", {"cycle": "2026-Q4"})])
    a = attention.summary(_result(["E1", "E2", "E3"]), pd.DataFrame(columns=["kind"]), f)
    assert a.below["employee_id"].tolist() == ["E2"]
    assert a.below["due_on"].tolist() == [date(2027, 3, 15)] and a.followed_up == 2
    ctx = SimpleNamespace()
    en = attention.render(a, "en", {}, ctx, {"Hotline A"})
    zh = attention.render(a, "zh", {}, ctx, {"Hotline A"})
    assert "Name E2 (41.0; extended to 2027-03-15)" in en and "Name E1" not in en
    assert "follow-up by 2027-03-15" in en and "2027-01-30" not in en
    assert "2 corrective action(s) already followed up" in en
    assert "已延期至 2027-03-15" in zh and "另有 2 项改进措施已完成跟进" in zh
    shown = re.sub(r"<[^>]+>", "", zh)  # the text a reader sees
    assert "extended" not in shown and "followed" not in shown and "follow-up" not in shown
    # without follow-ups, everyone in the lowest band is due at the engine's date
    b = attention.summary(_result(["E1", "E2", "E3"]), pd.DataFrame(columns=["kind"]))
    assert b.below["employee_id"].tolist() == ["E1", "E2", "E3"] and b.followed_up == 0
    assert "2027-01-30" in attention.render(b, "en", {}, ctx, {"Hotline A"})
