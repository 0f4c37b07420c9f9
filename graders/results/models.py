"""Tables of final grades: grading runs with provenance, results per person with the component and
competency detail behind them, outcomes (awards, actions, training plans), publication state,
overrides and the audit trail of every change.

Importing this module also installs the publication lock on evidence: a new evidence batch for a
published cycle is refused at flush time (see graders.results.publishing).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class GradeRun(Base):
    """One computation of a cycle's grades: which schemes and inputs produced them, and when."""

    __tablename__ = "grade_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    computed_by: Mapped[str] = mapped_column(String(200))
    #: family -> {scheme, version, sha256, source}
    schemes: Mapped[dict] = mapped_column(JSON)
    inputs_sha256: Mapped[str] = mapped_column(String(64))
    results_sha256: Mapped[str] = mapped_column(String(64))
    #: ids of the evidence batches that were current when the grades were computed
    evidence_batches: Mapped[list] = mapped_column(JSON)
    graded: Mapped[int] = mapped_column(Integer)
    incomplete: Mapped[int] = mapped_column(Integer)
    excluded: Mapped[int] = mapped_column(Integer)
    checks: Mapped[list] = mapped_column(JSON)
    #: last-month average pay per employee id given with `--pay` (kept for later re-grades)
    reference_pay: Mapped[dict | None] = mapped_column(JSON)
    #: the cycle's current results; older runs keep only this row (their detail is replaced)
    current: Mapped[bool] = mapped_column(Boolean, default=True)


class GradeResult(Base):
    """A person's final grade in a cycle (the roster fields as they were when it was computed)."""

    __tablename__ = "grade_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("grade_runs.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    employee_id: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    team: Mapped[str] = mapped_column(String(200))
    role_code: Mapped[str] = mapped_column(String(64))
    family: Mapped[str] = mapped_column(String(32))
    scheme: Mapped[str] = mapped_column(String(64))
    scheme_version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    computed_score: Mapped[float | None] = mapped_column(Float)
    final_score: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(32))
    band_override: Mapped[str | None] = mapped_column(String(32))
    overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    rank_team: Mapped[int | None] = mapped_column(Integer)
    rank_company: Mapped[int | None] = mapped_column(Integer)
    team_size: Mapped[int] = mapped_column(Integer)
    weight_present: Mapped[float] = mapped_column(Float)
    missing: Mapped[str] = mapped_column(Text)
    insufficient: Mapped[str] = mapped_column(Text)
    critical_flags: Mapped[int] = mapped_column(Integer)
    kpi: Mapped[float | None] = mapped_column(Float)
    reference_pay: Mapped[float | None] = mapped_column(Float)
    base_pay: Mapped[float | None] = mapped_column(Float)
    performance_pay: Mapped[float | None] = mapped_column(Float)
    total_pay: Mapped[float | None] = mapped_column(Float)
    individual_award: Mapped[bool] = mapped_column(Boolean)
    team_award: Mapped[bool] = mapped_column(Boolean)
    promotion: Mapped[bool] = mapped_column(Boolean)
    corrective: Mapped[bool] = mapped_column(Boolean)


class GradeComponent(Base):
    """One weighted component behind a final score: its input, weight and contribution."""

    __tablename__ = "grade_components"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("grade_runs.id"), index=True)
    employee_id: Mapped[str] = mapped_column(String(32))
    component: Mapped[str] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    weight: Mapped[float] = mapped_column(Float)
    weight_used: Mapped[float] = mapped_column(Float)
    contribution: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    #: every score the component's variants offer, e.g. practical {"raw": 78.2, "fair": 71.5}
    #: (graders.engine.schemes VARIANTS), whichever one the scheme graded on (migration 0011)
    scores: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class GradeCompetency(Base):
    """A person's score in one competency, with the team's mean."""

    __tablename__ = "grade_competencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("grade_runs.id"), index=True)
    employee_id: Mapped[str] = mapped_column(String(32))
    competency: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    sources: Mapped[int] = mapped_column(Integer)
    team_mean: Mapped[float] = mapped_column(Float)


class GradeOutcome(Base):
    """What follows from the grades, each with its reason: an individual or team award, a
    promotion signal, a corrective action, or one weak competency of a training plan."""

    __tablename__ = "grade_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("grade_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    employee_id: Mapped[str | None] = mapped_column(String(32))
    team: Mapped[str | None] = mapped_column(String(200))
    family: Mapped[str | None] = mapped_column(String(32))
    competency: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    team_mean: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    modules: Mapped[str | None] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)


class GradePublication(Base):
    """Whether a cycle's results are published (locked) and since when, by whom."""

    __tablename__ = "grade_publications"

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # published | reopened
    run_id: Mapped[int] = mapped_column(ForeignKey("grade_runs.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(200))


class GradeOverride(Base):
    """A standing correction of one person's result by a trainer or manager, with the reason."""

    __tablename__ = "grade_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    employee_id: Mapped[str] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(32))  # final_score | band
    value: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class GradeAudit(Base):
    """Every change to a cycle's grades: grading, publishing, reopening, overriding."""

    __tablename__ = "grade_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    employee_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))  # grade | publish | reopen | override
    field: Mapped[str | None] = mapped_column(String(32))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
