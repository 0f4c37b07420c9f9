"""The operations panel of the dashboards: who sees which tickets, breaches and pay (checked as an
attacker would try), and the panel drawn in English and Chinese."""

from __future__ import annotations

import html
import re
from datetime import date

import ipywidgets as w
import pytest

from dashboards import operations as ops
from dashboards.access import AccessDenied, Viewer, managed_teams, visible_ids

TODAY = date(2026, 11, 20)
MONTHS = ["2026-09", "2026-10", "2026-11"]


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    """A 40-staff demo company with its ticket export imported (the demo's own step)."""
    import os

    from rich.console import Console

    from academy import demo as d
    from academy.demo_operations import step_tickets
    from core.home import init_home
    from dashboards import data

    for var in ("ACADEMY_HOME", "ACADEMY_DB_URL"):
        os.environ.pop(var, None)
    home = init_home(tmp_path_factory.mktemp("ops") / "home")
    ctx = d.DemoContext(home, 40, 2026, TODAY, Console(quiet=True), [])
    d.step_roster(ctx)
    d.step_cycles(ctx)
    step_tickets(ctx)
    assert "missed commitments" in ctx.notes[-1]
    yield data.load_company(home, refresh=True)
    home.close()


def _managers(company):
    h = company.hierarchy
    return sorted(m for m in h["team_manager_id"].dropna().unique() if managed_teams(h, Viewer(m)))


def _texts(widget) -> str:
    """Every HTML and label text of a widget tree."""
    out = []
    stack = [widget]
    while stack:
        x = stack.pop()
        if isinstance(x, w.HTML):
            out.append(x.value)
        if isinstance(x, w.Dropdown):
            out += [x.description, *[str(o[0]) if isinstance(o, tuple) else str(o)
                                     for o in x.options]]
        stack += list(getattr(x, "children", []))
    return "\n".join(out)


def test_manager_sees_only_the_people_under_them(company):
    """Do a manager's team figures, person rows, breaches and pay sheet hold only people under
    them, and is a team outside their reach refused?"""
    h = company.hierarchy
    managers = _managers(company)
    first = managers[0]
    mine = set(visible_ids(h, Viewer(first)))
    view = ops.manager_operations(company, Viewer(first), MONTHS)
    assert len(view.people) and set(view.people["employee_id"]) <= mine
    assert set(view.breaches["employee_id"]) <= mine
    assert set(view.pay["employee_id"]) <= mine
    assert set(view.teams["team"]) <= set(managed_teams(h, Viewer(first)))
    # the team figures add up over exactly the visible people's tickets
    assert view.teams["tickets"].sum() == view.people["tickets"].sum()
    other_teams = set(h["team"]) - set(managed_teams(h, Viewer(first)))
    assert other_teams
    with pytest.raises(AccessDenied):
        ops.manager_operations(company, Viewer(first), MONTHS, team=sorted(other_teams)[0])


def test_trainee_sees_only_their_own_tickets(company):
    """Does a trainee get only their own figures, breaches and pay; no manager view; and does a
    trainer or an unknown identity get nothing?"""
    h = company.hierarchy
    serving = h[h["role_code"].isin(["field_service", "hotline_support"])]
    me = serving["employee_id"].iloc[0]
    view = ops.trainee_operations(company, Viewer(me), MONTHS)
    assert set(view.people["employee_id"]) == {me}
    assert set(view.breaches["employee_id"]) <= {me}
    assert set(view.pay["employee_id"]) == {me}
    assert view.teams["tickets"].sum() == view.people["tickets"].sum()
    with pytest.raises(AccessDenied):
        ops.manager_operations(company, Viewer(me), MONTHS)
    for who in ("trainer:demo trainer", "999999", "admin:x"):
        with pytest.raises(AccessDenied):
            ops.trainee_operations(company, Viewer(who), MONTHS)
    with pytest.raises(AccessDenied):
        ops.trainee_operations(company, None, MONTHS)


def test_admin_sees_every_team(company):
    """Does an admin see every team's figures?"""
    view = ops.manager_operations(company, Viewer("admin:boss"), MONTHS)
    h = company.hierarchy
    serving = h["role_code"].isin(["field_service", "hotline_support", "technical_support"])
    assert set(view.teams["team"]) == set(h.loc[serving, "team"])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_panels_draw_in_both_languages(company, lang):
    """Do the manager and trainee panels draw trend, tables, breaches and pay, and does the
    Chinese panel hold no English word beyond names and teams from the roster?"""
    h = company.hierarchy
    manager = _managers(company)[0]
    panel = ops.manager_panel(company, manager, lang, MONTHS)
    text = _texts(panel)
    assert "<svg" in text and "academy-table" in text
    assert ("Missed commitments" if lang == "en" else "未达成的服务承诺") in text
    assert ("Monthly performance pay" if lang == "en" else "月度绩效工资") in text
    serving = h[h["role_code"].isin(["field_service", "hotline_support"])]
    trainee = ops.trainee_panel(company, serving["employee_id"].iloc[0], lang, MONTHS)
    ttext = _texts(trainee)
    assert ("My service operations" if lang == "en" else "我的服务运营指标") in ttext
    if lang == "zh":
        for t in (text, ttext):
            plain = html.unescape(re.sub(r"<[^>]+>", " ", t))
            plain = re.sub(r"\.academy[^{]*\{[^}]*\}", " ", plain)  # the style sheet
            for name in sorted(set(h["name"]) | set(h["team"].dropna()), key=len, reverse=True):
                plain = plain.replace(name, " ")
            words = set(re.findall(r"[A-Za-z]{2,}", plain)) - {"KPI", "SR"}
            assert not words, sorted(words)[:20]


def test_panel_refuses_a_trainee_as_manager(company):
    """Does the manager panel show a refusal, not data, to a trainee?"""
    h = company.hierarchy
    me = h[h["role_code"] == "field_service"]["employee_id"].iloc[0]
    text = _texts(ops.manager_panel(company, me, "en", MONTHS))
    assert "class='academy-table'" not in text and "<svg" not in text
    assert "academy-notice" in text
