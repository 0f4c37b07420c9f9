"""Tables of what a grade run was computed with besides the evidence itself: the evidence-quality
flags the sources raised (they are inputs to awards) and the fairness model fitted to the
practical ratings (trainer severity, fair scores, variance components). Written in the same
transaction as the run (graders.results.store.grade_cycle); the dashboards read them and never
recompute them."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from graders.results.models import GradeCompetency, GradeComponent, GradeOutcome, GradeResult

#: a dashboard page reads only the rows of the teams its viewer may see: one run's rows of a few
#: teams or people, found through these indexes (migration 0013)
VIEWER_INDEXES = (
    Index("ix_grade_results_run_team", GradeResult.run_id, GradeResult.team),
    # a person's row of a run (a corrective action's name: graders.ladder.coaching_store joins on both;
    # with the run index alone SQLite scanned the whole run for every action)
    Index("ix_grade_results_run_employee", GradeResult.run_id, GradeResult.employee_id),
    Index("ix_grade_components_run_employee", GradeComponent.run_id, GradeComponent.employee_id),
    Index("ix_grade_competencies_run_employee", GradeCompetency.run_id,
          GradeCompetency.employee_id),
    Index("ix_grade_outcomes_run_employee", GradeOutcome.run_id, GradeOutcome.employee_id),
    Index("ix_grade_outcomes_run_team", GradeOutcome.run_id, GradeOutcome.team),
)


class GradeRunFlag(Base):
    """One evidence-quality flag (graders.sources FLAG_COLUMNS) of the run that used it."""

    __tablename__ = "grade_run_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("grade_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)


class GradeRunFairness(Base):
    """The fairness model of a run's practical ratings (graders.engine.fair_record), or why none."""

    __tablename__ = "grade_run_fairness"

    run_id: Mapped[int] = mapped_column(ForeignKey("grade_runs.id"), primary_key=True)
    #: "rasch", or None when there was no fit (see `reason`)
    model: Mapped[str | None] = mapped_column(String(16))
    #: why there is no fit: fair_none (no or too few ratings), fair_disconnected
    reason: Mapped[str | None] = mapped_column(String(32))
    #: graders.engine.fair_record.to_record of the fitted FairResult
    fit: Mapped[dict | None] = mapped_column(JSON)
