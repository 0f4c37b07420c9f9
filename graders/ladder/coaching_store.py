"""The database shell of the corrective actions' follow-up (graders.ladder.coaching): read the corrective
actions of published cycles from the grade store, record follow-ups as events of the ladder log
(domain `coaching`), read them back folded. Nothing is updated or deleted."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from core.cycles import Cycle, get_cycle
from core.errors import AcademyError
from core.rows import frame as rows_frame
from graders.engine.grading import CORRECTIVE
from graders.ladder import coaching as co
from graders.ladder import store
from graders.ladder.careers_store import people_frame
from graders.results.models import GradeOutcome, GradePublication, GradeResult
from graders.results.publishing import PUBLISHED


def corrective_actions(session: Session, cycle: str | None = None) -> pd.DataFrame:
    """The corrective actions of the published results of every published cycle (or one):
    DataFrame[cycle, employee_id, name, team, due_on, reason]."""
    q = (select(Cycle.name, GradeOutcome.employee_id, GradeResult.name, GradeOutcome.team,
                GradeOutcome.due_on, GradeOutcome.reason)
         .join(GradePublication, GradePublication.run_id == GradeOutcome.run_id)
         .join(Cycle, Cycle.id == GradePublication.cycle_id)
         .outerjoin(GradeResult, and_(GradeResult.run_id == GradeOutcome.run_id,
                                      GradeResult.employee_id == GradeOutcome.employee_id))
         .where(GradeOutcome.kind == CORRECTIVE, GradePublication.state == PUBLISHED)
         .order_by(Cycle.opens_on, GradeOutcome.employee_id))
    if cycle is not None:
        q = q.where(Cycle.name == cycle)
    f = rows_frame(session.execute(q), co.ACTION_COLUMNS)
    return f.drop_duplicates(["cycle", "employee_id"]).reset_index(drop=True)


def followups(session: Session, cycle: str | None = None) -> pd.DataFrame:
    """Every corrective action of published cycles as its follow-ups make it now."""
    return co.fold(corrective_actions(session, cycle), store.events(session, co.DOMAIN))


def follow_up(session: Session, cycle: str, employee_id: str, action: str, by: str, why: str,
              until: date | None = None) -> dict:
    """Record one follow-up (met, extended until a new date, escalated) of a person's corrective
    action in a published cycle; refused when it does not fit. Returns the action as it now
    stands."""
    store.lock(session, co.DOMAIN)
    c = get_cycle(session, cycle)
    pub = session.get(GradePublication, c.id)
    if pub is None or pub.state != PUBLISHED:
        raise AcademyError(f"cycle {cycle} is not published: its corrective actions are not final "
                           "yet (publish it first)")
    f = followups(session, cycle)
    hit = f[f["employee_id"] == employee_id]
    row = hit.iloc[0].to_dict() if len(hit) else None
    data = {"due_on": until} if action == co.EXTENDED else {}
    co.check_step(row, action, data, cycle, employee_id)
    co.check_recorder(by, employee_id, people_frame(session))
    data["cycle"] = cycle
    if action == co.EXTENDED:
        data["previous_due"] = row["due_on"]
    store.append(session, co.DOMAIN, co.subject(cycle, employee_id), employee_id, action, data,
                 by, why)
    f = followups(session, cycle)
    return f[f["employee_id"] == employee_id].iloc[0].to_dict()


def history(session: Session, cycle: str, employee_id: str) -> pd.DataFrame:
    """Every follow-up recorded on a person's corrective action, oldest first (who, when, why)."""
    return store.events(session, co.DOMAIN, subject=co.subject(cycle, employee_id))
