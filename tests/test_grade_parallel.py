"""Evidence sources collected in forked processes (`academy grade --workers N`): core.forked runs
tasks in children a few at a time and hands back results and failures; graders.sources.load's
parallel collection gives exactly the sequential results on both backends, reusing the customer
answers for the management source within one child."""

from __future__ import annotations

import os
import time
from datetime import date

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from core.errors import AcademyError
from core.forked import ForkedTaskError, run_forked
from graders.sources import SOURCES
from graders.sources import load as source_load

TODAY = date(2026, 11, 20)


def test_are_forked_results_returned_in_order_from_other_processes(tmp_path):
    """Do five tasks on two workers come back in the order given, each computed in a process
    other than the caller's, never more than two at once?"""
    log = tmp_path / "log"

    def task(i):
        def run():
            with open(log, "a") as f:
                f.write(f"start {os.getpid()} {time.monotonic()}\n")
            time.sleep(0.2)
            with open(log, "a") as f:
                f.write(f"end {os.getpid()} {time.monotonic()}\n")
            return i * i, os.getpid()
        return run

    out = run_forked([task(i) for i in range(5)], workers=2)
    assert [v for v, _pid in out] == [0, 1, 4, 9, 16]
    pids = {pid for _v, pid in out}
    assert os.getpid() not in pids and len(pids) == 5
    events = sorted((float(t), kind) for kind, _pid, t in
                    (line.split() for line in log.read_text().splitlines()))
    running = peak = 0
    for _t, kind in events:
        running += 1 if kind == "start" else -1
        peak = max(peak, running)
    assert peak == 2


def test_does_a_childs_error_reach_the_caller_with_its_message():
    """Does an AcademyError raised in a child re-raise in the caller as an AcademyError with the
    same message, and an exception that cannot be pickled as a ForkedTaskError with the child's
    traceback?"""
    def bad():
        raise AcademyError("evidence row 7: column 'score' is not a number")

    with pytest.raises(AcademyError, match="evidence row 7: column 'score'"):
        run_forked([lambda: 1, bad], workers=2)

    class Local(Exception):  # defined in a function: cannot be pickled
        pass

    def odd():
        raise Local("local trouble")

    with pytest.raises(ForkedTaskError, match="local trouble"):
        run_forked([odd], workers=1, names=["odd one"])


def test_is_a_child_that_dies_reported_by_name():
    """Does a child killed without answering (as the out-of-memory killer would) raise a
    ForkedTaskError that names its task, and does the next call still work?"""
    def die():
        os._exit(9)

    with pytest.raises(ForkedTaskError, match="peer.*exit code 9"):
        run_forked([die], workers=1, names=["peer"])
    assert run_forked([lambda: "fine"], workers=1) == ["fine"]


def test_does_management_run_after_customer_in_one_group():
    """Is every source collected exactly once, with the management source in the same group as
    the customer answers it reuses, after them?"""
    groups = source_load._groups()
    flat = sorted(i for g in groups for i in g)
    assert flat == list(range(len(SOURCES)))
    names = [[SOURCES[i].name for i in g] for g in groups]
    together = next(g for g in names if "management" in g)
    assert "customer" in together
    assert together.index("customer") < together.index("management")


def _company(home):
    from rich.console import Console

    from academy import demo as d

    ctx = d.DemoContext(home, 40, 2026, TODAY, Console(quiet=True), [])
    d.step_roster(ctx)
    d.step_cycles(ctx)
    d.step_evidence(ctx)


def test_are_sources_collected_in_parallel_exactly_as_in_one_process(home, monkeypatch,
                                                                      tmp_path):
    """On each backend, do the sources collected in two forked processes (the staff threshold
    lowered for a small company) give the same components, competencies, flags, variants and
    fitted models as collecting them in this process, and did the children do the work?"""
    from core.cycles import Cycle

    _company(home)
    seen = tmp_path / "pids"
    inner = source_load._collect_group

    def recording(session, shared, group):
        with open(seen, "a") as f:
            f.write(f"{os.getpid()}\n")
        return inner(session, shared, group)

    monkeypatch.setattr(source_load, "_collect_group", recording)
    with Session(home.engine) as s:
        cycle = s.query(Cycle).order_by(Cycle.opens_on.desc()).first()
        ids = None
        one = source_load.collect(s, cycle.id, ids, workers=2)
        assert set(seen.read_text().split()) == {str(os.getpid())}  # threshold not reached
        seen.unlink()
        monkeypatch.setattr(source_load, "PARALLEL_MIN_STAFF", 0)
        two = source_load.collect(s, cycle.id, ids, workers=2)
    pids = set(seen.read_text().split())
    assert str(os.getpid()) not in pids and len(pids) == len(source_load._groups())
    assert len(one.components) > 100 and one.components["score"].notna().sum() > 50
    for name in ("components", "competencies", "flags", "variants"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name))
    assert one.fits.keys() == two.fits.keys()


def test_does_the_bulk_insert_store_what_the_orm_stores(home):
    """On each backend, do rows written by core.rows.insert_frame read back exactly as the same
    rows written by SQLAlchemy's insert (NULLs from None, NaN and NA, JSON lists and JSON null,
    dates, booleans, the column defaults), in frame order?"""
    import numpy as np
    from sqlalchemy import Text, cast, insert, select

    from core.rows import insert_frame
    from graders.results.models import GradeComponent, GradeOutcome

    comps = pd.DataFrame({
        "employee_id": ["e1", "e2", "e3"], "component": ["theory", "peer", "customer"],
        "score": [71.5, np.nan, 80.0], "n": [3.0, 0.0, 12.0], "status": ["ok", "missing", "ok"],
        "weight": [0.2, 0.1, 0.3], "weight_used": [0.2, 0.0, 0.3],
        "contribution": [14.3, 0.0, 24.0], "note": ["", "no evidence", "shrunk"],
        "scores": [[70.0, 73.0], None, {"plain": 81.0}]})
    outs = pd.DataFrame({
        "kind": ["training", "corrective"], "employee_id": ["e1", "e2"], "team": ["A", None],
        "family": [None, "engineer"], "competency": ["C3", None], "score": [55.0, None],
        "team_mean": [61.2, None], "rank": pd.array([1, pd.NA], dtype="Int64"),
        "modules": ["m1, m2", None], "due_on": [date(2027, 1, 30), None],
        "reason": ["below the line", "violation"]})

    def read(model, run):
        cols = [c for c in model.__table__.columns if c.name != "id"]
        with Session(home.engine) as s:
            return [tuple(r) for r in s.execute(
                select(*cols).where(model.run_id == run).order_by(model.id))]

    from core.cycles import open_cycle
    from graders.results.models import GradeRun

    with home.transaction() as s:
        cycle = open_cycle(s, "2026-Q4")
        runs = []
        for _ in range(2):
            run = GradeRun(cycle_id=cycle.id, computed_at=pd.Timestamp.now(tz="UTC"),
                           computed_by="test", schemes={}, inputs_sha256="x",
                           results_sha256="y", evidence_batches=[], graded=0, incomplete=0,
                           excluded=0, checks=[], current=False)
            s.add(run)
            s.flush()
            runs.append(run.id)
        orm, bulk = runs
        for model, frame in ((GradeComponent, comps), (GradeOutcome, outs)):
            records = frame.astype(object).where(frame.notna(), None).to_dict("records")
            s.execute(insert(model), [dict(r, run_id=orm) for r in records])
            assert insert_frame(s, model, frame, run_id=bulk) == len(frame)
    for model in (GradeComponent, GradeOutcome):
        a, b = read(model, orm), read(model, bulk)
        assert len(a) == len(b) > 1
        assert [r[1:] for r in a] == [r[1:] for r in b]  # all but run_id
    with Session(home.engine) as s:  # JSON as stored: None is the JSON text null, not NULL
        stored = {run: [r[0] for r in s.execute(
            select(cast(GradeComponent.scores, Text)).where(GradeComponent.run_id == run)
            .order_by(GradeComponent.id))] for run in (orm, bulk)}
    assert stored[orm] == stored[bulk] and "null" in stored[bulk]


def test_does_a_parallel_grade_store_the_same_run_as_a_sequential_one(home, monkeypatch,
                                                                      tmp_path):
    """On each backend, does `grade_cycle` with two workers (sources and fingerprints in forked
    processes, the staff threshold lowered) store a run whose fingerprints a sequential grade
    then finds unchanged, with the fingerprints in the run and its audit line, never blank?"""
    from sqlalchemy import select

    from core.cycles import Cycle
    from graders.engine.schemes import home_schemes
    from graders.results.models import GradeAudit, GradeRun
    from graders.results.store import grade_cycle

    from graders.engine import grading as g

    _company(home)
    monkeypatch.setattr(source_load, "PARALLEL_MIN_STAFF", 0)
    where = tmp_path / "fingerprinted-in"
    inner = g.GradeResult.sha256

    def recording(self):
        with open(where, "a") as f:
            f.write(f"{os.getpid()}\n")
        return inner(self)

    monkeypatch.setattr(g.GradeResult, "sha256", recording)
    with home.transaction() as s:
        name = s.query(Cycle).order_by(Cycle.opens_on.desc()).first().name
        two = grade_cycle(s, name, home_schemes(home), by="test", workers=2)
    with home.transaction() as s:
        one = grade_cycle(s, name, home_schemes(home), by="test", workers=1)
        run = s.get(GradeRun, two.run_id)
        audit = s.scalars(select(GradeAudit).where(GradeAudit.action == "grade")).all()
    assert not two.unchanged and one.unchanged and one.run_id == two.run_id
    assert (two.inputs_sha256, two.results_sha256) == (one.inputs_sha256, one.results_sha256)
    assert (run.inputs_sha256, run.results_sha256) == (two.inputs_sha256, two.results_sha256)
    assert len(two.results_sha256) == 64 and len(two.inputs_sha256) == 64
    assert len(audit) == 1 and two.results_sha256[:12] in audit[0].reason
    first, second = where.read_text().split()
    assert first != str(os.getpid()) and second == str(os.getpid())  # forked, then in-process
