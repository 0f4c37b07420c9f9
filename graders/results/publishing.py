"""Publishing a cycle's grades locks them: no import, grading or scheme change alters them silently.

`assert_cycle_writable(session, cycle_id)` is what every writer of a cycle's evidence or grades
calls first: it takes the cycle's write lock for the rest of the transaction
(graders.results.cycle_lock) and then checks, so a publish and a grade or import in flight are
serialised, never interleaved; `new_batch` takes the same lock itself, so an importer that forgets
the call (or a process that never imports this module) still cannot change a published cycle; the
`before_insert` hook on EvidenceBatch (in graders.evidence) is a further safety net. A cycle is
reopened only explicitly, with a reason, and that is recorded in the grade audit trail.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cycles import Cycle
from core.db import utcnow
from core.errors import AcademyError
from graders.results.cycle_lock import (
    CyclePublishedError,
    assert_unpublished,
    lock_cycle,
    published_message,
)
from graders.results.models import GradeAudit, GradePublication, GradeRun

__all__ = ["CyclePublishedError", "assert_cycle_writable", "is_published", "publication_state",
           "publish", "reopen"]

PUBLISHED, REOPENED = "published", "reopened"


_message = published_message


def is_published(session: Session, cycle_id: int) -> bool:
    state = session.scalar(select(GradePublication.state).where(
        GradePublication.cycle_id == cycle_id))
    return state == PUBLISHED


def assert_cycle_writable(session: Session, cycle_id: int) -> None:
    """Take the cycle's write lock (held until the transaction ends), then raise
    CyclePublishedError if the cycle's grades are published (locked)."""
    assert_unpublished(session, cycle_id)


def publish(session: Session, cycle_id: int, by: str) -> int:
    """Lock the cycle's current results; returns the id of the run that was published."""
    lock_cycle(session, cycle_id)  # a grade or import in flight finishes first; then we read its run
    name = session.get(Cycle, cycle_id).name
    run = session.scalar(select(GradeRun).where(GradeRun.cycle_id == cycle_id,
                                                GradeRun.current.is_(True)))
    if run is None:
        raise AcademyError(f"cycle {name} has no grades yet: run `academy grade {name}` first")
    pub = session.get(GradePublication, cycle_id)
    if pub is not None and pub.state == PUBLISHED:
        since = pub.changed_at.strftime("%Y-%m-%d %H:%M")
        raise AcademyError(f"cycle {name} is published already (since {since} by {pub.changed_by})")
    before = pub.state if pub else "draft"
    if pub is None:
        pub = GradePublication(cycle_id=cycle_id)
        session.add(pub)
    pub.state, pub.run_id, pub.changed_at, pub.changed_by = PUBLISHED, run.id, utcnow(), by
    session.add(GradeAudit(cycle_id=cycle_id, action="publish", field="state", before=before,
                           after=PUBLISHED, reason=f"run #{run.id} ({run.results_sha256[:12]})",
                           by=by, at=utcnow()))
    session.flush()
    return run.id


def reopen(session: Session, cycle_id: int, reason: str, by: str) -> None:
    """Unlock a published cycle, explicitly and with a reason that is recorded."""
    lock_cycle(session, cycle_id)
    name = session.get(Cycle, cycle_id).name
    if not reason or not reason.strip():
        raise AcademyError("reopening a cycle needs a reason (--reason)")
    pub = session.get(GradePublication, cycle_id)
    if pub is None or pub.state != PUBLISHED:
        raise AcademyError(f"cycle {name} is not published; there is nothing to reopen")
    pub.state, pub.changed_at, pub.changed_by = REOPENED, utcnow(), by
    session.add(GradeAudit(cycle_id=cycle_id, action="reopen", field="state", before=PUBLISHED,
                           after=REOPENED, reason=reason.strip(), by=by, at=utcnow()))
    session.flush()


def publication_state(session: Session, cycle_id: int) -> str:
    pub = session.get(GradePublication, cycle_id)
    return pub.state if pub else "draft"
