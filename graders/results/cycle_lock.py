"""The published lock of a cycle, taken inside the writer's own transaction.

Checking "is this cycle published?" and then writing is a race: `academy grade` reads the evidence
and computes for a while, and a `academy publish` that commits meanwhile would be followed by the
grade's new run (published run N, current run N+1). So every writer of a cycle's evidence or
grades, and publish and reopen themselves, first take the cycle's write lock with
`lock_cycle(session, cycle_id)` and only then read the publication state, all in one transaction:

- PostgreSQL: `UPDATE cycles SET id = id WHERE id = :cycle` locks the cycle's row until commit; a
  second writer of the same cycle waits for the first to commit, then reads what it committed.
- SQLite: the same statement takes the database's write lock (RESERVED) until commit; the second
  writer waits (busy timeout), then reads the committed state.

Holding the lock, `assert_unpublished` raises CyclePublishedError for a published cycle. Readers
are never blocked. Plain SQL, so the evidence module can use it without importing the grade models.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.errors import AcademyError

PUBLISHED = "published"


class CyclePublishedError(AcademyError):
    """The cycle's grades are published: reopen it explicitly before changing its inputs."""


def published_message(name: str) -> str:
    return (f"cycle {name} is published: its grades are locked and nothing was changed. "
            f"To change its evidence or grades, reopen it explicitly: "
            f"`academy reopen {name} --reason \"...\"`")


def lock_cycle(session: Session, cycle_id: int) -> None:
    """Hold the cycle's write lock until this session's transaction ends."""
    session.execute(text("UPDATE cycles SET id = id WHERE id = :cid"), {"cid": cycle_id})


def assert_unpublished(session: Session, cycle_id: int) -> None:
    """Take the cycle's lock, then raise CyclePublishedError if its grades are published."""
    lock_cycle(session, cycle_id)
    row = session.execute(
        text("SELECT c.name, p.state FROM cycles c LEFT JOIN grade_publications p "
             "ON p.cycle_id = c.id WHERE c.id = :cid"), {"cid": cycle_id}).first()
    if row is not None and row[1] == PUBLISHED:
        raise CyclePublishedError(published_message(row[0]))
