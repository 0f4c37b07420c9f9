"""Speed work that must not change results (issue 17): flags kept by `academy grade` for the
dashboards. No timings are asserted here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from academy.bench import grade as grade_bench

ACADEMY = [str(Path(sys.executable).with_name("academy"))]


@pytest.fixture(scope="module")
def graded_home(tmp_path_factory):
    root = tmp_path_factory.mktemp("speed") / "home"
    grade_bench.build_small(root, staff=40, log=lambda *_: None).close()
    dry = subprocess.run([*ACADEMY, "--home", str(root), "grade", grade_bench.CYCLE, "--dry-run"],
                         capture_output=True, text=True, timeout=600)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    cache_after_dry_run = sorted((root / "serve" / "cache").glob("flags-*.json"))
    run = subprocess.run([*ACADEMY, "--home", str(root), "grade", grade_bench.CYCLE],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    return root, cache_after_dry_run


def _collected_flags(root: Path) -> pd.DataFrame:
    from core.cycles import get_cycle
    from core.home import open_home
    from graders.sources import collect

    h = open_home(root)
    try:
        with Session(h.engine) as s:
            return collect(s, get_cycle(s, grade_bench.CYCLE).id, []).flags
    finally:
        h.close()


def _normal(frame: pd.DataFrame) -> list[tuple]:
    return sorted(tuple(str(v) for v in row) for row in frame.astype(object).to_numpy().tolist())


def test_grade_keeps_the_flags_the_dashboards_would_compute(graded_home):
    """Does `academy grade` leave the cycle's evidence flags in the dashboards' cache, under the
    key of the current evidence, roster and code, equal to what collecting the evidence gives
    (and does a dry run leave nothing)?"""
    from core.home import open_home
    from dashboards import data

    root, after_dry_run = graded_home
    assert after_dry_run == []
    h = open_home(root)
    try:
        path = data._flags_path(h, grade_bench.CYCLE, data._flags_key(h, grade_bench.CYCLE))
    finally:
        h.close()
    assert path.exists()
    kept = data._read_flags(path)
    fresh = _collected_flags(root)
    assert len(fresh) > 0  # the synthetic evidence plants quality problems
    assert list(kept.columns) == list(fresh.columns)
    assert _normal(kept) == _normal(fresh)


def test_first_dashboard_kernel_after_a_grade_does_not_collect_evidence(graded_home, monkeypatch):
    """Does a fresh dashboard kernel's first page after a grade read the kept flags instead of
    collecting the whole cycle's evidence again?"""
    from core.home import open_home
    from dashboards import data

    root, _ = graded_home

    def refuse(*_a, **_k):
        raise AssertionError("the flags were collected again")

    monkeypatch.setattr(data, "_flags_job", refuse)
    h = open_home(root)
    try:
        company = data.load_company(h, refresh=True)
        got = data.flags(company, grade_bench.CYCLE)
    finally:
        h.close()
    assert _normal(got) == _normal(_collected_flags(root))


def test_a_roster_change_is_not_served_stale_flags(graded_home, tmp_path):
    """After the roster changes (someone leaves), is the kept file no longer the one the
    dashboards would read (their key changes, so the flags are collected afresh)?"""
    import shutil

    from core.home import open_home
    from dashboards import data

    root, _ = graded_home
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    h = open_home(copy)
    try:
        before = data._flags_key(h, grade_bench.CYCLE)
        with h.transaction() as s:
            from roster.models import Staff

            person = s.query(Staff).filter(Staff.active.is_(True)).order_by(Staff.employee_id).first()
            person.active = False
        after = data._flags_key(h, grade_bench.CYCLE)
        assert after != before
        assert data._flags_path(h, grade_bench.CYCLE, before).exists()
        assert not data._flags_path(h, grade_bench.CYCLE, after).exists()
    finally:
        h.close()


def test_does_every_graded_demo_trainee_sit_a_theory_exam(demo_home):
    """In the demo company, does every person a role scheme grades have a theory exam score
    (so no final grade is reweighted for want of one), from autograded nbgrader submissions?"""
    from core.cycles import current_cycle
    from core.home import open_home
    from graders.results.store import stored_result

    home, proc = demo_home
    h = open_home(home)
    try:
        with h.transaction() as s:
            result = stored_result(s, current_cycle(s).id)
    finally:
        h.close()
    # the role schemes weigh a theory exam; the management scheme (supervisors and managers, on
    # their teams' figures) does not
    res = result.results
    graded = set(res.loc[res["scheme"] != "management", "employee_id"])
    assert len(graded) >= 40
    theory = result.components[result.components["component"] == "theory"]
    have = set(theory.loc[theory["status"] == "ok", "employee_id"])
    assert graded <= have, sorted(graded - have)[:5]
    # the exams were really autograded: nbgrader's gradebook holds a submission of each of them
    import sqlite3

    con = sqlite3.connect(home / "course" / "gradebook.db")
    try:
        students = {r[0] for r in con.execute(
            "SELECT DISTINCT student_id FROM submitted_assignment")}
    finally:
        con.close()
    assert graded <= students
