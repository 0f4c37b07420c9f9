"""Training impact on stored data: the loading of completions and job figures gives the same panels
on SQLite and PostgreSQL; the demo's trained staff show a real effect; `academy impact` says what it
found or why it cannot; the manager dashboard's panel in both languages, for the viewer's people
only."""

from __future__ import annotations

import html
import os
import re
from datetime import date

import ipywidgets as w
import numpy as np
import pandas as pd
import pytest
from conftest import _new_pg_database
from sqlalchemy.orm import Session

from graders.training_impact import analysis as impact
from graders.training_impact.store import KPIS, completions, load_impact
from training.catalog import all_modules

TODAY = date(2026, 11, 20)
COURSE = "service_process"


def _build(root, db_url=None):
    """A 60-staff demo company: roster, cycles, spread completions, tickets, evidence."""
    from rich.console import Console

    from academy import demo as d
    from academy.demo_impact import step_completions
    from academy.demo_operations import step_tickets
    from core.home import init_home

    home = init_home(root, db_url=db_url)
    ctx = d.DemoContext(home, 60, 2026, TODAY, Console(quiet=True), [])
    d.step_roster(ctx)
    d.step_cycles(ctx)
    step_completions(ctx)
    step_tickets(ctx)
    d.step_evidence(ctx)
    return home


@pytest.fixture(scope="module")
def homes(tmp_path_factory, pg_admin_url):
    for var in ("ACADEMY_HOME", "ACADEMY_DB_URL"):
        os.environ.pop(var, None)
    base = tmp_path_factory.mktemp("impact")
    lite = _build(base / "lite")
    pg = _build(base / "pg", _new_pg_database(pg_admin_url))
    yield {"sqlite": lite, "postgresql": pg}
    lite.close()
    pg.close()


MODS = [(m.course_id, m.id) for m in all_modules()]


@pytest.mark.postgres
def test_loading_is_identical_on_sqlite_and_postgresql(homes):
    """Do completions and every job figure's panel come out the same on both databases, and so
    the same estimate?"""
    got = {}
    for name, h in homes.items():
        with Session(h.engine) as s:
            done = completions(s, COURSE, [m for c, m in MODS if c == COURSE])
            got[name] = (done, {k: load_impact(s, COURSE, k, MODS, ("role",)) for k in KPIS})
    a, b = got["sqlite"], got["postgresql"]
    pd.testing.assert_frame_equal(a[0], b[0])
    assert len(a[0]) > 10
    for k in KPIS:
        pa, pb = a[1][k].panel, b[1][k].panel
        assert a[1][k].periods == b[1][k].periods, k
        pd.testing.assert_frame_equal(pa, pb, check_exact=False, rtol=1e-12, obj=k)
    assert len(a[1]["fcr"].panel) > 100 and len(a[1]["commitments"].panel) > 100
    assert len(a[1]["csat"].panel) > 0 and len(a[1]["deductions"].panel) > 0
    assert len(a[1]["practical"].panel) > 0 and len(a[1]["review"].panel) > 0
    ra = impact.estimate(a[1]["fcr"].panel, draws=99)
    rb = impact.estimate(b[1]["fcr"].panel, draws=99)
    assert ra.overall == rb.overall


def test_the_demo_shows_a_real_effect_on_first_contact_resolution(homes):
    """Do the demo's trained staff complete in several different months, and is their gain in
    first-contact resolution found (interval above zero) with no pre-trend flagged?"""
    h = homes["sqlite"]
    with Session(h.engine) as s:
        d = load_impact(s, COURSE, "fcr", MODS, ("role",))
    cohorts = d.panel.dropna(subset=["cohort"]).groupby("unit")["cohort"].first()
    assert cohorts[cohorts >= 1].nunique() >= 3
    res = impact.estimate(d.panel, draws=199, seed=1)
    assert res.verdict == impact.INCREASE, res.overall
    assert not res.pretrend_detected


def _academy(capsys, *args) -> tuple[int, str]:
    """`academy ARGS` run in this process as the entry point runs it (academy.cli.main):
    (exit code, everything printed). In-process, to spare the test a Python start per call."""
    from academy.cli import main

    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out + out.err


def test_the_command_reports_and_explains(homes, tmp_path, capsys):
    """Does `academy impact` print the verdict, checks, cohorts and event study; say plainly
    when a figure has no data; and refuse an unknown course or figure without a traceback?"""
    root = str(homes["sqlite"].root)
    code, out = _academy(capsys, "--home", root, "impact", COURSE, "--kpi", "fcr", "--match",
                         "role", "--draws", "99")
    assert code == 0, out
    assert "first-contact resolution" in out
    assert "pre-trend test" in out and "Placebo" in out
    assert "Effect by months since completion" in out and "Completed in" in out
    code, out = _academy(capsys, "--home", root, "impact", "no_such_course")
    assert code == 1 and "unknown course 'no_such_course'" in out and "Traceback" not in out
    code, out = _academy(capsys, "--home", root, "impact", COURSE, "--kpi", "happiness")
    assert code == 1 and "--kpi 'happiness'" in out
    from core.home import init_home

    init_home(tmp_path / "empty").close()
    code, out = _academy(capsys, "--home", str(tmp_path / "empty"), "impact", COURSE, "--kpi",
                         "fcr")
    assert code == 0 and "No data for this figure yet." in out


def _texts(widget) -> str:
    out, stack = [], [widget]
    while stack:
        x = stack.pop()
        if isinstance(x, w.HTML):
            out.append(x.value)
        if isinstance(x, w.Dropdown):
            out += [x.description, *[str(o[0]) if isinstance(o, tuple) else str(o)
                                     for o in x.options]]
        stack += list(getattr(x, "children", []))
    return "\n".join(out)


@pytest.fixture(scope="module")
def company(homes):
    from dashboards import data

    return data.load_company(homes["sqlite"], refresh=True)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_dashboard_panel_in_both_languages(company, lang):
    """Does the administrator's panel show the verdict, the event-study chart and the cohorts,
    and does the Chinese panel hold no English word and no raw code?"""
    from dashboards.impact import impact_panel

    text = _texts(impact_panel(company, "admin:boss", lang, open_now=True, course=COURSE))
    assert "<svg" in text and "academy-table" in text and "academy-impact-summary" in text
    assert ("Effect by months since completion" if lang == "en" else "按完成后月数的效果") in text
    if lang == "zh":
        plain = html.unescape(re.sub(r"<[^>]+>", " ", text))
        plain = re.sub(r"\.academy[^{]*\{[^}]*\}", " ", plain)
        plain = re.sub(r"<style>.*?</style>", " ", plain, flags=re.S)
        words = set(re.findall(r"[A-Za-z]{2,}", plain)) - {"KPI", "AquaPure"}
        assert not words, sorted(words)[:20]
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", plain)


def test_a_manager_estimate_uses_only_their_people(company):
    """Is a manager's estimate computed from the people under them only, and does a trainee
    with nobody under them get a refusal instead of figures?"""
    from dashboards.access import Viewer, managed_teams, visible_ids
    from dashboards.impact import compute, impact_panel

    h = company.hierarchy
    managers = sorted(m for m in h["team_manager_id"].dropna().unique()
                      if managed_teams(h, Viewer(m)))
    boss = managers[0]
    d, _res = compute(company, Viewer(boss), COURSE, "fcr")
    mine = set(visible_ids(h, Viewer(boss)))
    assert len(d.panel) and set(d.panel["unit"]) <= mine
    everyone, _ = compute(company, Viewer("admin:x"), COURSE, "fcr")
    assert set(everyone.panel["unit"]) - mine  # others' people exist, and were left out
    worker = h[h["role_code"] == "field_service"]["employee_id"].iloc[0]
    text = _texts(impact_panel(company, worker, "en", open_now=True))
    assert "academy-notice" in text and "<svg" not in text
    assert np.all(np.isin(d.panel["unit"].to_numpy(dtype=object), list(mine)))
