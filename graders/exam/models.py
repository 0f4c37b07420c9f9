"""Per-submission grading results of theory exams (the evidence rows hold the per-question scores)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

#: graded: clean submission; repaired: tampering undone, then graded; error: could not be graded;
#: unknown_trainee: submitted under an id that is not in the roster, so not graded
STATUSES = ("graded", "repaired", "error", "unknown_trainee")


class ExamResult(Base):
    """The outcome of grading one trainee's submission of one exam, with the reasons behind it."""

    __tablename__ = "exam_results"
    __table_args__ = (UniqueConstraint("exam", "employee_id", name="uq_exam_results_exam_employee"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    exam: Mapped[str] = mapped_column(String(64), index=True)
    #: not a foreign key: ids missing from the roster are recorded too (status unknown_trainee)
    employee_id: Mapped[str] = mapped_column(String(64))
    in_roster: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list | None] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    late_seconds: Mapped[float | None] = mapped_column(Float)
    penalty_percent: Mapped[float | None] = mapped_column(Float)
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
