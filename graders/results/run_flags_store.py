"""The database shell of what a grade run was computed with besides its evidence: the evidence
flags and the fitted fairness model (graders.results.run_flags_models). Written by
graders.results.store.grade_cycle in the run's own transaction; read by the dashboards and the
command line, one indexed query per run."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from graders.engine import fair_record
from graders.results.run_flags_models import GradeRunFairness, GradeRunFlag
from graders.sources import FLAG_COLUMNS


def write_flags(session: Session, run_id: int, flags: pd.DataFrame) -> None:
    """Store `flags` (FLAG_COLUMNS) as the run's flags, replacing any it had."""
    session.execute(delete(GradeRunFlag).where(GradeRunFlag.run_id == run_id))
    f = flags[FLAG_COLUMNS]
    f = f.astype(object).where(f.notna(), None)
    rows = [{"run_id": run_id, "kind": str(k), "source": str(s),
             "subject": None if sub is None else str(sub), "detail": None if d is None else str(d)}
            for k, s, sub, d in f.itertuples(index=False, name=None)]
    if rows:
        session.execute(insert(GradeRunFlag), rows)


def read_flags(session: Session, run_id: int) -> pd.DataFrame:
    """The flags stored with a run, in the order the engine produced them."""
    q = (select(GradeRunFlag.kind, GradeRunFlag.source, GradeRunFlag.subject, GradeRunFlag.detail)
         .where(GradeRunFlag.run_id == run_id).order_by(GradeRunFlag.id))
    return pd.DataFrame(list(map(tuple, session.execute(q))), columns=FLAG_COLUMNS, dtype=object)


def has_flags_record(session: Session, run_id: int) -> bool:
    """Whether the run's extras were written (its fairness row is written with its flags)."""
    return session.get(GradeRunFairness, run_id) is not None


def write_fairness(session: Session, run_id: int, fit, reason: str | None) -> None:
    """Store the fairness model a run used (a FairResult), or the reason it has none."""
    session.execute(delete(GradeRunFairness).where(GradeRunFairness.run_id == run_id))
    session.add(GradeRunFairness(
        run_id=run_id, model=None if fit is None else fit.model,
        reason=reason if fit is None else None,
        fit=None if fit is None else fair_record.to_record(fit)))


def read_fairness(session: Session, run_id: int):
    """(StoredFair, None) of a run, or (None, reason code) when it had no fit; (None, None) for a
    run stored before fits were kept."""
    row = session.get(GradeRunFairness, run_id)
    if row is None:
        return None, None
    if row.fit is None:
        return None, row.reason or fair_record.NO_RATINGS
    return fair_record.from_record(row.fit), None


def write_run_extras(session: Session, run_id: int, flags: pd.DataFrame, fits: dict) -> None:
    """Everything of this module for one run (the practical fit is `fits["practical"]`, a pair
    (FairResult or None, reason or None))."""
    write_flags(session, run_id, flags)
    fit, reason = fits.get("practical", (None, fair_record.NO_RATINGS))
    write_fairness(session, run_id, fit, reason)
    session.flush()
