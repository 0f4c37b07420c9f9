"""The database shell around the operational KPIs: read the current tickets of some months, the
roster's teams and roles, and hand them to the pure functions of graders.service_kpis.kpis and
graders.service_kpis.monthly_pay. Also the `operations` grade component (graders.sources)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cycles import Cycle
from core.rows import frame as rows_frame
from graders.engine.schemes import Scheme
from graders.service_kpis import kpis as operations
from graders.service_kpis import monthly_pay
from graders.service_kpis.config import OperationsConfig
from graders.sources import COMPETENCY_COLUMNS, COMPONENT_COLUMNS, SourceFrames, SourceResult
from graders.ticket_models import TicketBatch
from graders.tickets import current_tickets
from roster.models import Role, Staff, Team

ROSTER_COLUMNS = ["employee_id", "name", "team", "role_code", "family"]


def staff_frame(session: Session, active_only: bool = True) -> pd.DataFrame:
    q = (select(Staff.employee_id, Staff.name, Team.name, Staff.role_code, Role.family)
         .join(Team, Staff.team_id == Team.id).join(Role, Staff.role_code == Role.code)
         .order_by(Staff.employee_id))
    if active_only:
        q = q.where(Staff.active.is_(True))
    return rows_frame(session.execute(q), ROSTER_COLUMNS)


def batch_config(session: Session) -> OperationsConfig | None:
    """The operations settings stored with the newest current ticket batch."""
    cfg = session.scalar(select(TicketBatch.config).where(TicketBatch.superseded_by.is_(None))
                         .order_by(TicketBatch.id.desc()).limit(1))
    return OperationsConfig.model_validate(cfg) if cfg else None


def cycle_months(cycle: Cycle) -> list[str]:
    return operations.months_between(cycle.opens_on, cycle.closes_on)


@dataclass
class Operations:
    months: list[str]
    facts: pd.DataFrame  # graders.service_kpis.kpis.ticket_facts
    people: pd.DataFrame  # KPIs per employee_id and month
    teams: pd.DataFrame  # KPIs per team and month
    breaches: pd.DataFrame
    roster: pd.DataFrame
    as_of: datetime | None


def load_operations_kpis(session: Session, months: list[str], cfg: OperationsConfig | None = None,
                         as_of: datetime | None = None,
                         employee_ids: list[str] | None = None) -> Operations:
    """Facts, KPIs per person and team by month, and breaches, of the tickets reported in
    `months` (optionally only some people's)."""
    cfg = cfg or batch_config(session) or OperationsConfig()
    roster = staff_frame(session, active_only=False)
    tk = current_tickets(session, months, employee_ids)
    facts = operations.ticket_facts(tk, cfg, as_of, roster.set_index("employee_id")["team"])
    people = operations.kpis(facts, ["employee_id", "month"])
    people = people[people["month"].isin(months)].reset_index(drop=True)
    teams = operations.kpis(facts, ["team", "month"])
    teams = teams[teams["month"].isin(months)].reset_index(drop=True)
    return Operations(months, facts, people, teams, operations.breaches(facts), roster,
                      as_of or operations.default_as_of(tk))


def cycle_pay(session: Session, cycle: Cycle, schemes: dict[str, Scheme],
              reference_pay: pd.Series | None = None, ops: Operations | None = None):
    """(pay, items, checks) of every month of a cycle (graders.service_kpis.monthly_pay)."""
    months = cycle_months(cycle)
    ops = ops or load_operations_kpis(session, months)
    roster = staff_frame(session)
    return monthly_pay.monthly_pay(ops.people, roster, schemes, months, reference_pay)


# --- the `operations` grade component --------------------------------------------------------

#: the KPI rates averaged into the operations component
COMPONENT_RATES = ("response_rate", "arrival_rate", "fix_rate", "fcr_rate")


def component_scores(people_cycle: pd.DataFrame) -> pd.DataFrame:
    """Operations component on 0-100: the mean of a person's commitment compliance rates
    (response, arrival, fix) and FCR rate over the whole cycle, those with data only."""
    if people_cycle.empty:
        return pd.DataFrame(columns=COMPONENT_COLUMNS)
    rates = people_cycle[list(COMPONENT_RATES)].astype(float)
    score = 100.0 * rates.mean(axis=1, skipna=True)
    parts = [", ".join(f"{c.removesuffix('_rate')} {v:.0%}" for c, v in zip(COMPONENT_RATES, row)
                       if not np.isnan(v)) for row in rates.to_numpy()]
    out = pd.DataFrame({
        "employee_id": people_cycle["employee_id"], "component": "operations", "score": score,
        "n": people_cycle["tickets"].astype(int),
        "status": np.where(score.notna(), "ok", "insufficient"),
        "note": [f"{n} tickets: {p}" for n, p in zip(people_cycle["tickets"], parts)]})
    return out[COMPONENT_COLUMNS].reset_index(drop=True)


def aggregate(session: Session | None, cycle_id: int | None, ev: pd.DataFrame) -> SourceResult:
    """graders.sources aggregator: the operations component of a cycle from its months' tickets
    (evidence rows play no part)."""
    empty = SourceResult(pd.DataFrame(columns=COMPONENT_COLUMNS),
                         pd.DataFrame(columns=COMPETENCY_COLUMNS))
    if session is None or cycle_id is None:
        return empty
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        return empty
    return operations_result(load_operations_kpis(session, cycle_months(cycle)))


def load_frames(session: Session, frames: SourceFrames) -> SourceFrames:
    """graders.sources loader of the operations source: the cycle's tickets and KPIs."""
    cycle = session.get(Cycle, frames.cycle.id) if frames.cycle is not None else None
    if cycle is not None:
        frames.extra["operations"] = load_operations_kpis(session, cycle_months(cycle))
    return frames


def aggregate_frames(frames: SourceFrames) -> SourceResult:
    """graders.sources aggregation of the operations source (pure)."""
    return operations_result(frames.extra.get("operations"))


def operations_result(ops: Operations | None) -> SourceResult:
    """Pure: the operations component from a cycle's Operations (None or no tickets: none)."""
    if ops is None or ops.facts.empty:
        return SourceResult(pd.DataFrame(columns=COMPONENT_COLUMNS),
                            pd.DataFrame(columns=COMPETENCY_COLUMNS))
    whole = operations.kpis(ops.facts, ["employee_id"])
    return SourceResult(component_scores(whole), pd.DataFrame(columns=COMPETENCY_COLUMNS))
