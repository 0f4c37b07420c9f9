"""Speed work that must not change results (issue 17): flags stored with each grade run for the
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
    runs_after_dry_run = _stored_runs(root)
    run = subprocess.run([*ACADEMY, "--home", str(root), "grade", grade_bench.CYCLE],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    return root, runs_after_dry_run


def _stored_runs(root: Path) -> tuple[int, int]:
    """(grade runs, stored flag rows) in the home."""
    from sqlalchemy import func, select

    from core.home import open_home
    from graders.results.models import GradeRun
    from graders.results.run_flags_models import GradeRunFlag

    h = open_home(root)
    try:
        with Session(h.engine) as s:
            return (s.scalar(select(func.count()).select_from(GradeRun)),
                    s.scalar(select(func.count()).select_from(GradeRunFlag)))
    finally:
        h.close()


def _collected_flags(root: Path) -> pd.DataFrame:
    from core.cycles import get_cycle
    from core.home import open_home
    from graders.sources.load import collect

    h = open_home(root)
    try:
        with Session(h.engine) as s:
            return collect(s, get_cycle(s, grade_bench.CYCLE).id, []).flags
    finally:
        h.close()


def _normal(frame: pd.DataFrame) -> list[tuple]:
    return sorted(tuple(str(v) for v in row) for row in frame.astype(object).to_numpy().tolist())


def _run_flags(root: Path) -> pd.DataFrame:
    from core.cycles import get_cycle
    from core.home import open_home
    from graders.results.run_flags_store import read_flags
    from graders.results.store import current_run

    h = open_home(root)
    try:
        with Session(h.engine) as s:
            return read_flags(s, current_run(s, get_cycle(s, grade_bench.CYCLE).id).id)
    finally:
        h.close()


def test_grade_keeps_the_flags_the_dashboards_would_compute(graded_home):
    """Does `academy grade` store the cycle's evidence flags with its grade run, equal to what
    collecting the evidence gives (and does a dry run store nothing)?"""
    root, after_dry_run = graded_home
    assert after_dry_run == (0, 0)
    kept = _run_flags(root)
    fresh = _collected_flags(root)
    assert len(fresh) > 0  # the synthetic evidence plants quality problems
    assert list(kept.columns) == list(fresh.columns)
    assert _normal(kept) == _normal(fresh)
    assert not (root / "serve" / "cache").exists() or not list(
        (root / "serve" / "cache").glob("flags-*.json"))  # no code-hash cache any more


def test_first_dashboard_kernel_after_a_grade_does_not_collect_evidence(graded_home, monkeypatch):
    """Does a fresh dashboard kernel's first page after a grade read the run's stored flags
    instead of collecting the whole cycle's evidence again?"""
    import graders.sources.load
    from core.home import open_home
    from dashboards import data

    root, _ = graded_home
    expected = _normal(_collected_flags(root))

    def refuse(*_a, **_k):
        raise AssertionError("the flags were collected again")

    monkeypatch.setattr(graders.sources.load, "collect", refuse)
    h = open_home(root)
    try:
        company = data.load_company(h, refresh=True)
        got = data.flags(company, grade_bench.CYCLE)
    finally:
        h.close()
    assert _normal(got) == expected


def test_a_roster_change_is_not_served_stale_flags(graded_home, tmp_path):
    """After the roster changes (someone leaves) and the cycle is graded again, does a kernel
    that loaded the old run's flags see the new run's flags once the request comes (and never
    the old ones)?"""
    import shutil

    from core.home import open_home
    from dashboards import data

    root, _ = graded_home
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    h = open_home(copy)
    try:
        company = data.load_company(h, refresh=True)
        before = data.flags(company, grade_bench.CYCLE)
        with h.transaction() as s:
            from roster.models import Staff

            person = s.query(Staff).filter(Staff.active.is_(True)).order_by(Staff.employee_id).first()
            person.active = False
            gone = person.employee_id
        assert not data.refresh_if_changed(company)  # no new run yet: same results kept
        run = subprocess.run([*ACADEMY, "--home", str(copy), "grade", grade_bench.CYCLE],
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
        assert data.refresh_if_changed(company)
        after = data.flags(company, grade_bench.CYCLE)
        assert _normal(after) == _normal(_run_flags(copy)) == _normal(_collected_flags(copy))
        assert gone not in set(company.hierarchy["employee_id"])
        assert gone not in set(data.cycle_data(company, grade_bench.CYCLE).result
                               .results["employee_id"])
        assert len(before)  # the old run had flags too (so the comparison above means something)
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
