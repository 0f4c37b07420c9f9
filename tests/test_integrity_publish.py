"""Published grades under attack (issue 19, case 3): a publish racing a grade in flight, and
writers of evidence that never imported the publishing module, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from conftest import DATA
from sqlalchemy import select
from test_grade_commands import CYCLE, add_evidence

from core.cycles import get_cycle
from graders.engine import grading
from graders.engine.schemes import load_schemes
from graders.evidence import Evidence, new_batch
from graders.results.models import GradePublication, GradeRun
from graders.results.publishing import CyclePublishedError, publish
from graders.results.store import grade_cycle
from roster.store import import_roster_file

WAIT = 120


@pytest.fixture
def graded_home(home):
    import_roster_file(home, DATA / "roster_small.csv")
    add_evidence(home)
    with home.transaction() as s:
        grade_cycle(s, CYCLE, load_schemes(), by="manager1")
    # new evidence: the next grade makes a different run
    with home.transaction() as s:
        cycle = get_cycle(s, CYCLE)
        b = new_batch(s, cycle.id, "theory", "exam-1", "trainer")
        s.add_all(Evidence(batch_id=b.id, cycle_id=cycle.id, source="theory", employee_id=e,
                           item="exam-1/q1", competency="knowledge", raw=raw, max_raw=10,
                           score=10.0 * raw) for e, raw in (("000103", 2), ("000104", 10)))
    return home


def _in_thread(fn) -> tuple[threading.Thread, list]:
    out: list = []

    def run():
        try:
            out.append(("ok", fn()))
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out.append(("error", exc))

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def test_does_a_publish_during_a_grade_in_flight_publish_the_run_that_is_current(graded_home, monkeypatch):
    """`academy grade` is computing when `academy publish` runs: does publish wait for the grade
    in flight and then publish exactly the run that grade stored, so that the published run and
    the current run are the same (never "published; run N+1")?"""
    home = graded_home
    in_grade, go = threading.Event(), threading.Event()
    real_grade = grading.grade

    def slow_grade(*args, **kwargs):
        in_grade.set()
        assert go.wait(WAIT)
        return real_grade(*args, **kwargs)

    monkeypatch.setattr(grading, "grade", slow_grade)

    def do_grade():
        with home.transaction() as s:
            return grade_cycle(s, CYCLE, load_schemes(), by="grader").run_id

    def do_publish():
        with home.transaction() as s:
            return publish(s, get_cycle(s, CYCLE).id, by="publisher")

    grader, graded = _in_thread(do_grade)
    assert in_grade.wait(WAIT)
    publisher, published = _in_thread(do_publish)
    publisher.join(3)  # without the lock, the publish is done by now
    go.set()
    grader.join(WAIT)
    publisher.join(WAIT)
    assert graded and graded[0][0] == "ok", graded
    assert published and published[0][0] == "ok", published
    with home.transaction() as s:
        cid = get_cycle(s, CYCLE).id
        current = s.scalar(select(GradeRun).where(GradeRun.cycle_id == cid, GradeRun.current.is_(True)))
        pub = s.get(GradePublication, cid)
        assert pub.state == "published"
        assert pub.run_id == current.id == graded[0][1] == published[0][1]


def test_is_a_grade_that_waits_for_a_publish_refused_with_nothing_changed(graded_home, monkeypatch):
    """The other order: publish holds the cycle first and a grade starts meanwhile: is the grade
    refused once the publish has committed, and is the published run still the current one?"""
    home = graded_home
    import graders.results.publishing as publishing

    in_publish, go = threading.Event(), threading.Event()
    real_audit = publishing.utcnow

    def slow_now():
        in_publish.set()
        assert go.wait(WAIT)
        return real_audit()

    with home.transaction() as s:
        cid = get_cycle(s, CYCLE).id
        before = s.scalar(select(GradeRun.id).where(GradeRun.cycle_id == cid, GradeRun.current.is_(True)))
    monkeypatch.setattr(publishing, "utcnow", slow_now)

    def do_publish():
        with home.transaction() as s:
            return publish(s, cid, by="publisher")

    publisher, published = _in_thread(do_publish)
    assert in_publish.wait(WAIT)
    monkeypatch.setattr(publishing, "utcnow", real_audit)

    def do_grade():
        with home.transaction() as s:
            return grade_cycle(s, CYCLE, load_schemes(), by="grader").run_id

    grader, graded = _in_thread(do_grade)
    grader.join(3)
    go.set()
    publisher.join(WAIT)
    grader.join(WAIT)
    assert published == [("ok", before)]
    assert graded and graded[0][0] == "error" and isinstance(graded[0][1], CyclePublishedError)
    with home.transaction() as s:
        current = s.scalar(select(GradeRun.id).where(GradeRun.cycle_id == cid, GradeRun.current.is_(True)))
        assert current == before == s.get(GradePublication, cid).run_id


WRITER = """
import sys
from core.home import open_home
from core.cycles import get_cycle
from graders.evidence import Evidence, new_batch
assert "graders.results.publishing" not in sys.modules
h = open_home(sys.argv[1])
try:
    with h.transaction() as s:
        c = get_cycle(s, sys.argv[2])
        b = new_batch(s, c.id, "theory", "exam-1", "trainer")
        s.add(Evidence(batch_id=b.id, cycle_id=c.id, source="theory", employee_id="000103",
                       item="exam-1/q1", competency="knowledge", raw=1, max_raw=10, score=10.0))
except Exception as exc:
    print(type(exc).__name__, exc)
    sys.exit(3)
print("written")
"""


def test_does_a_writer_that_never_imports_publishing_still_honour_the_published_lock(graded_home):
    """`academy exam scores EXAM --cycle C` stores theory evidence through new_batch in a process
    that never imports the publishing module: on a published cycle, is it refused with the
    reopen hint, and is no batch superseded?"""
    from graders.evidence import EvidenceBatch

    home = graded_home
    with home.transaction() as s:
        cid = get_cycle(s, CYCLE).id
        grade_cycle(s, CYCLE, load_schemes(), by="manager1")
        publish(s, cid, by="manager1")
        batches = sorted((b.id, b.superseded_by) for b in s.scalars(select(EvidenceBatch)))
    import os

    env = dict(os.environ, ACADEMY_DB_URL=home.db_url)
    proc = subprocess.run([sys.executable, "-c", WRITER, str(home.root), CYCLE], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "CyclePublishedError" in proc.stdout and "academy reopen" in proc.stdout
    with home.transaction() as s:
        assert sorted((b.id, b.superseded_by) for b in s.scalars(select(EvidenceBatch))) == batches
