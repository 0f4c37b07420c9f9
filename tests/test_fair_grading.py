"""Fair practical scores through a real home: `academy practical adjust`, a scheme that grades on
fair scores, raw and fair kept in the results' provenance, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from conftest import _new_pg_database, run_academy
from sqlalchemy import select

from academy.demo import DemoContext, step_cycles, step_roster
from academy.demo_fair import step_fair, use_fair_scores
from core.home import init_home

TODAY = date(2026, 12, 3)


def _home(root: Path, db_url: str):
    """A home with a 40-person roster and the demo's practical scores (TR03 lenient) imported."""
    from rich.console import Console
    from sqlalchemy.orm import Session

    from academy.synthetic.evidence import Person, write_evidence_files
    from core.cycles import current_cycle
    from graders.forms_config import load_evidence_config
    from graders.sources import practical
    from roster.store import list_staff

    h = init_home(root, db_url=db_url)
    ctx = DemoContext(h, 40, 2026, TODAY, Console(quiet=True), [])
    step_roster(ctx)
    step_cycles(ctx)
    cfg = load_evidence_config(h.assessments_dir)
    with Session(h.engine) as s, s.begin():
        cycle = current_cycle(s, TODAY)
        people = [Person(r.employee_id, r.team, r.family, r.level, r.supervisor_id)
                  for r in list_staff(s)]
        files = write_evidence_files(people, cfg, h.imports_dir, 2026, ["2026-10"]).files
        practical.import_file(s, files["practical"], cfg, "trainer", cycle.name)
    assert use_fair_scores(h.root / "assessments" / "schemes") == [
        "field_service.yaml", "technical_support.yaml"]
    return h


@pytest.fixture(scope="module")
def homes(tmp_path_factory, pg_admin_url):
    """The same company on SQLite (adjusted and graded by the real command) and on PostgreSQL
    (graded in process)."""
    from graders.engine.schemes import home_schemes
    from graders.results.store import grade_cycle

    out = {}
    root = tmp_path_factory.mktemp("sqlite") / "home"
    h = _home(root, f"sqlite:///{root.parent / 'academy.db'}")
    adjust = run_academy("practical", "adjust", "--show", "0", home=root, check=True).stdout
    grade = run_academy("grade", "2026-Q4", home=root, check=True).stdout
    out["sqlite"] = (h, adjust, grade)
    root = tmp_path_factory.mktemp("postgresql") / "home"
    h = _home(root, _new_pg_database(pg_admin_url))
    with h.transaction() as s:
        grade_cycle(s, "2026-Q4", home_schemes(h), by="tester")
    out["postgresql"] = (h, None, None)
    yield out
    for h, _, _ in out.values():
        h.close()


def _adjusted(h):
    from core.cycles import get_cycle
    from graders.engine.fairness import adjust
    from graders.sources.load import evidence_frame

    with h.transaction() as s:
        ev = evidence_frame(s, get_cycle(s, "2026-Q4").id, "practical")
    return adjust(ev, "rasch", with_variance=False)


def _components(h):
    from graders.results.models import GradeComponent, GradeRun

    with h.transaction() as s:
        run = s.scalar(select(GradeRun).where(GradeRun.current.is_(True)))
        rows = s.execute(select(GradeComponent.employee_id, GradeComponent.component,
                                GradeComponent.score, GradeComponent.note,
                                GradeComponent.scores)
                         .where(GradeComponent.run_id == run.id)
                         .order_by(GradeComponent.employee_id, GradeComponent.component)).all()
    return [tuple(r) for r in rows]


def test_does_adjust_report_the_lenient_trainer_and_the_design(homes):
    """Does `practical adjust` show the demo's lenient trainer about +22 points, standard errors,
    fit, the variance by source and the trainers needed for 0.8?"""
    _, out, _ = homes["sqlite"]
    line = next(ln for ln in out.splitlines() if "TR03" in ln)
    cells = [c.strip() for c in line.split("│") if c.strip()]
    points = float(cells[7])
    assert 15 < points < 30, line
    for other in ("TR01", "TR02", "TR04"):
        ln = next(x for x in out.splitlines() if other in x and "│" in x)
        assert abs(float([c.strip() for c in ln.split("│") if c.strip()][7])) < 5, ln
    assert "trainee" in out and "trainer" in out and "residual" in out
    assert "trainers per scenario needed for 0.8" in out


def test_does_grading_on_fair_scores_keep_raw_and_fair_in_the_provenance(homes):
    """With `variant: fair`, is the practical component the fair score, are raw and fair both
    stored, and are the lenient trainer's trainees lowered?"""
    h, _, _ = homes["sqlite"]
    rows = [r for r in _components(h) if r[1] == "practical"]
    assert rows
    lowered = 0
    for emp, _, score, note, scores in rows:
        assert set(scores) == {"raw", "fair"}
        assert score == pytest.approx(scores["fair"])
        assert "trainer severity" in note
        lowered += scores["fair"] < scores["raw"] - 5
    assert lowered >= len(rows) // 4  # TR03 scores half of the trainees


def test_are_adjustments_and_grades_identical_on_sqlite_and_postgresql(homes):
    """Do SQLite and PostgreSQL give the same severities, fair scores and stored components?"""
    a, b = _adjusted(homes["sqlite"][0]), _adjusted(homes["postgresql"][0])
    pd.testing.assert_frame_equal(a.trainers, b.trainers)
    pd.testing.assert_frame_equal(a.trainees, b.trainees)
    ca, cb = _components(homes["sqlite"][0]), _components(homes["postgresql"][0])
    assert len(ca) == len(cb) and ca == cb


def test_does_the_demo_step_report_the_lenient_trainer_corrected(homes):
    """Does the demo's fair step name the lenient trainer with about +22 points and say how many
    practical scores were adjusted?"""
    from rich.console import Console

    h = homes["postgresql"][0]
    ctx = DemoContext(h, 40, 2026, TODAY, Console(quiet=True), [])
    step_fair(ctx)
    note = ctx.notes[-1]
    assert "trainer TR03 scores +" in note, note
    points = float(note.split("scores ")[1].split(" points")[0])
    assert 15 < points < 30
    assert "practical scores adjusted" in note


def test_does_a_manager_see_only_their_own_peoples_adjusted_scores(homes):
    """Does the manager view's list of adjusted practical scores hold only people under that
    manager, in both languages, and is a trainee refused the manager's slice?"""
    from dashboards import data
    from dashboards.access import AccessDenied, Viewer, managed_teams, visible_ids
    from dashboards.fairness import adjusted_scores

    h = homes["sqlite"][0]
    company = data.load_company(h, refresh=True)
    hier = company.hierarchy
    cycle = data.graded_cycles(company)[-1]
    managers = sorted(m for m in hier["team_manager_id"].dropna().unique()
                      if managed_teams(hier, Viewer(m)))
    everyone = data.cycle_data(company, cycle).result.results
    seen_any = False
    for m in managers:
        sl = data.manager_slice(company, Viewer(m), cycle)
        mine = set(visible_ids(hier, Viewer(m)))
        for loc in ("en", "zh"):
            tab, summ = adjusted_scores(sl.result.components, sl.result.results, loc)
            names = set(tab.iloc[:, 0])
            allowed = set(everyone.loc[everyone["employee_id"].isin(mine), "name"])
            assert names <= allowed
            seen_any |= summ["adjusted"] > 0 and summ["used"]
    assert seen_any  # the schemes grade on fair scores and some were adjusted
    trainee = sorted(set(everyone["employee_id"]) - set(managers)
                     - set(hier["supervisor_id"].dropna()))[0]
    with pytest.raises(AccessDenied):
        data.manager_slice(company, Viewer(trainee), cycle)


def test_is_a_disconnected_design_refused_by_the_command(homes, tmp_path):
    """Does `practical adjust` refuse trainers and trainees in separate groups, with a message
    and no traceback? (Last in the module: it replaces the PostgreSQL home's practical scores.)"""
    import openpyxl

    from graders.forms_config import load_evidence_config
    from graders.sources import practical

    h = homes["postgresql"][0]
    src = h.imports_dir / "practical_scores.xlsx"
    rows = list(openpyxl.load_workbook(src).active.iter_rows(values_only=True))
    new = openpyxl.Workbook()
    nws = new.active
    nws.append(list(rows[0]))
    by_trainee: dict = {}
    for r in rows[1:]:
        by_trainee.setdefault(r[0], []).append(list(r))
    # every other trainee scored by TR01 + TR02, the rest by TR03 + TR04: two separate groups
    for k, (emp, rs) in enumerate(sorted(by_trainee.items())):
        pair = ("TR01", "TR02") if k % 2 == 0 else ("TR03", "TR04")
        for r, trainer in zip(rs, pair):
            r[2] = trainer
            nws.append(r)
    path = tmp_path / "disconnected.xlsx"
    new.save(path)
    cfg = load_evidence_config(h.assessments_dir)
    with h.transaction() as s:
        practical.import_file(s, path, cfg, "trainer", "2026-Q4", key="practical_scores.xlsx")
    res = run_academy("practical", "adjust", home=h.root)
    assert res.returncode != 0
    text = res.stdout + res.stderr
    assert "2 separate groups" in text and "TR01, TR02" in text and "TR03, TR04" in text
    assert "Traceback" not in text
    # grading keeps the raw scores and says why
    from core.cycles import get_cycle
    from graders.sources.load import collect

    with h.transaction() as s:
        src = collect(s, get_cycle(s, "2026-Q4").id)
    assert "practical_disconnected" in set(src.flags["kind"])
    assert src.variants[src.variants["component"] == "practical"].empty
