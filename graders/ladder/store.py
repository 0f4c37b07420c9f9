"""The append-only event log behind penalties, promotion cases, mentoring pairs and honour-board
choices (`ladder_events`). Only `append` writes, and only ever inserts: nothing is updated or
deleted; readers fold the events (graders.ladder.violations, graders.ladder.careers, graders.ladder.recognition)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import AcademyError
from core.rows import frame as rows_frame
from graders.ladder.models import DOMAINS, LadderEvent
from roster.models import Staff

EVENT_COLUMNS = ["id", "domain", "subject", "employee_id", "action", "data", "by", "at", "reason"]


def lock(session: Session, domain: str) -> None:
    """Hold the write lock of a domain's log until this transaction ends, so that a step's check
    (read the state, refuse or accept) and its event, and a new subject's number, are never
    interleaved with another writer's: a PostgreSQL advisory lock per domain; on SQLite, the
    database's write lock (taken by a write statement that changes nothing)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                        {"k": 0x1ADDE000 + DOMAINS.index(domain)})
    else:
        session.execute(text("UPDATE ladder_events SET id = id WHERE id < 0"))


def _plain(v):
    return v.isoformat() if isinstance(v, date) else v


def append(session: Session, domain: str, subject: str, employee_id: str, action: str,
           data: dict | None, by: str, reason: str) -> int:
    """Record one event (who, when, why); returns its id."""
    if domain not in DOMAINS:
        raise AcademyError(f"unknown event domain {domain!r}")
    if not str(by or "").strip():
        raise AcademyError("who records this step is not known (set ACADEMY_USER)")
    if not str(reason or "").strip():
        raise AcademyError("give the reason for this step (--reason)")
    row = {"domain": domain, "subject": subject, "employee_id": employee_id, "action": action,
           "data": {k: _plain(v) for k, v in (data or {}).items()}, "by": by, "at": utcnow(),
           "reason": reason.strip()}
    return session.execute(insert(LadderEvent).returning(LadderEvent.id), [row]).scalar_one()


def events(session: Session, domain: str | None = None, subject: str | None = None,
           employee_ids: list[str] | None = None) -> pd.DataFrame:
    """Events in the order they were recorded."""
    q = select(*[getattr(LadderEvent, c) for c in EVENT_COLUMNS]).order_by(LadderEvent.id)
    if domain is not None:
        q = q.where(LadderEvent.domain == domain)
    if subject is not None:
        q = q.where(LadderEvent.subject == subject)
    if employee_ids is not None:
        q = q.where(LadderEvent.employee_id.in_(list(employee_ids)))
    return rows_frame(session.execute(q), EVENT_COLUMNS)


def next_subject(session: Session, domain: str, prefix: str) -> str:
    """A new subject id for `domain`: prefix + one more than the subjects it has."""
    n = session.scalar(select(func.count(func.distinct(LadderEvent.subject)))
                       .where(LadderEvent.domain == domain)) or 0
    return f"{prefix}-{n + 1}"


def active_person(session: Session, employee_id: str) -> Staff:
    """The active staff member `employee_id`, or a clear error."""
    person = session.get(Staff, employee_id)
    if person is None:
        raise AcademyError(f"no staff member with employee id {employee_id!r}")
    if not person.active:
        raise AcademyError(f"{employee_id} ({person.name}) is no longer active")
    return person
