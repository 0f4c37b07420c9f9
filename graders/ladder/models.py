"""Tables of penalties, career paths and recognition: one append-only event log, and the skill
competition results imported from organisers' files.

Nothing here is ever updated or deleted. A violation, its warning level and corrective plan, a
promotion case, a mentoring pair and a person's honour-board choice are each the fold of their
events (graders.ladder.violations, graders.ladder.careers, graders.ladder.recognition); a correction is a new event
with who, when and why.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

#: the kinds of things the event log holds
DOMAINS = ("violation", "promotion", "mentoring", "honour", "coaching")


class LadderEvent(Base):
    """One recorded step: a violation recorded or corrected, a plan set or followed up, a
    promotion step, a mentoring pair started or ended, an honour-board opt-out."""

    __tablename__ = "ladder_events"
    __table_args__ = (Index("ix_ladder_events_domain_subject", "domain", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    domain: Mapped[str] = mapped_column(String(16))
    #: what the event is about: a violation id (V-1), a promotion case (P-1), a pair (M-1) ...
    subject: Mapped[str] = mapped_column(String(64))
    employee_id: Mapped[str] = mapped_column(ForeignKey("staff.employee_id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    #: the step's facts (type, date, evidence, due date, track, level, goal ...)
    data: Mapped[dict | None] = mapped_column(JSON)
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str] = mapped_column(Text)


class CompetitionImport(Base):
    """One accepted competition results file (a re-import of the same key supersedes it)."""

    __tablename__ = "competition_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    encoding: Mapped[str] = mapped_column(String(32))
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rows: Mapped[int] = mapped_column(Integer)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("competition_imports.id"))


class CompetitionResult(Base):
    """One entrant's result in one skill competition (an individual, or a team's entry)."""

    __tablename__ = "competition_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("competition_imports.id"), index=True)
    competition: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    #: None for a team entry
    employee_id: Mapped[str | None] = mapped_column(ForeignKey("staff.employee_id"))
    team: Mapped[str] = mapped_column(String(200))
    score: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
