"""The evidence store: every score from every source, per cycle and trainee, with provenance.

A *batch* is one delivery of evidence (an import file, an exam's grading run, a form session).
Batches of the same source and key replace each other: the newest is current, the older ones are
kept, marked as superseded, for history. Scores are stored raw and normalised to 0-100.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, utcnow
from graders.results.cycle_lock import (
    PUBLISHED,
    CyclePublishedError,
    assert_unpublished,
    published_message,
)
from graders.sources import BATCH_SOURCES

#: the sources whose rows arrive as batches, from the one registry (graders.sources SOURCES)
SOURCES = BATCH_SOURCES


class EvidenceBatch(Base):
    __tablename__ = "evidence_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    source: Mapped[str] = mapped_column(String(32))
    #: what this batch replaces when re-delivered: e.g. the exam name, the rubric id, a file's stem
    key: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(String(64))
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("evidence_batches.id"))
    note: Mapped[str | None] = mapped_column(Text)
    #: the definitions in force when the batch was entered (rubric, form, survey, behaviours)
    config: Mapped[dict | None] = mapped_column(JSON)


class Evidence(Base):
    """One score: who was scored, by whom, on which item and competency, raw and on 0-100."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_cycle_source", "cycle_id", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("evidence_batches.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("staff.employee_id"), index=True)
    #: the person who gave the score (trainer, peer, supervisor, customer id, or None for autograde)
    rater_id: Mapped[str | None] = mapped_column(String(64))
    #: what was scored: exam/question, rubric/criterion, form item, survey item ...
    item: Mapped[str] = mapped_column(String(300))
    competency: Mapped[str | None] = mapped_column(String(32))
    raw: Mapped[float | None] = mapped_column(Float)
    max_raw: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)  # 0-100
    details: Mapped[dict | None] = mapped_column(JSON)


class ServiceTicket(Base):
    """A closed service ticket: who served the customer and whether a survey was sent."""

    __tablename__ = "service_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("evidence_batches.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    ticket_id: Mapped[str] = mapped_column(String(64), index=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("staff.employee_id"), index=True)
    closed_on: Mapped[date | None] = mapped_column(Date)
    surveyed: Mapped[bool] = mapped_column(Boolean, default=False)


def new_batch(session: Session, cycle_id: int, source: str, key: str, entered_by: str,
              file_name: str | None = None, sha256: str | None = None,
              note: str | None = None, config: dict | None = None) -> EvidenceBatch:
    """Start a batch; the current batch of the same cycle, source and key becomes superseded by it."""
    if source not in SOURCES:
        raise ValueError(f"unknown evidence source {source!r}")
    # every writer of evidence: the cycle's lock, held until commit, and no published cycle
    assert_unpublished(session, cycle_id)
    batch = EvidenceBatch(cycle_id=cycle_id, source=source, key=key, entered_by=entered_by,
                          file_name=file_name, sha256=sha256, note=note, config=config,
                          entered_at=utcnow())
    session.add(batch)
    session.flush()
    for old in session.scalars(select(EvidenceBatch).where(
            EvidenceBatch.cycle_id == cycle_id, EvidenceBatch.source == source,
            EvidenceBatch.key == key, EvidenceBatch.superseded_by.is_(None),
            EvidenceBatch.id != batch.id)):
        old.superseded_by = batch.id
    session.flush()
    return batch


def current_evidence(session: Session, cycle_id: int, source: str | None = None):
    """A select of the evidence rows in current (not superseded) batches of a cycle."""
    q = (select(Evidence).join(EvidenceBatch, Evidence.batch_id == EvidenceBatch.id)
         .where(Evidence.cycle_id == cycle_id, EvidenceBatch.superseded_by.is_(None)))
    if source is not None:
        q = q.where(Evidence.source == source)
    return q


@event.listens_for(EvidenceBatch, "before_insert")
def _refuse_evidence_for_published_cycle(_mapper, connection, target: EvidenceBatch) -> None:
    """The safety net under the published lock: whatever writes a batch (even code that never
    imports graders.results.publishing), a published cycle refuses it."""
    row = connection.execute(
        text("SELECT p.state, c.name FROM grade_publications p JOIN cycles c ON c.id = p.cycle_id "
             "WHERE p.cycle_id = :cid"), {"cid": target.cycle_id}).first()
    if row is not None and row[0] == PUBLISHED:
        raise CyclePublishedError(published_message(row[1]))
