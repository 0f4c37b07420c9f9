"""The database side of training impact: who completed a course and when, the job figures per
person and period, the roster's team, role and hire date; handed to the pure graders.training_impact.analysis.

Job figures (`KPIS`), each per person and month unless said otherwise:

* `fcr`: first-contact resolution rate of the person's tickets, in percent;
* `commitments`: mean of the response, arrival and fix commitment compliance rates, in percent;
* `csat`: mean customer satisfaction (0-100) of survey responses, dated by their ticket;
* `deductions`: key-behaviour deduction points (lower is better);
* `practical`: mean practical-exam score (0-100) per assessment cycle;
* `review`: mean of the supervisor review score and the peer review score (0-100) per assessment
  cycle; peer scores only where enough peers rated (graders.sources.reviews.peer_summary).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cycles import Cycle
from core.errors import AcademyError
from core.rows import frame as rows_frame
from graders.evidence import EvidenceBatch, ServiceTicket
from graders.service_kpis import kpis as operations
from graders.service_kpis.config import OperationsConfig
from graders.sources import behaviour, details_frame, practical, reviews, surveys
from graders.sources.load import evidence_frame
from graders.sources.operations import batch_config
from graders.tickets import current_tickets
from graders.training_impact import analysis as impact
from roster.models import Staff, Team
from training.progress import ModuleProgress


@dataclass(frozen=True)
class Kpi:
    code: str
    grain: str  # "month" or "cycle"
    higher_is_better: bool
    unit: str


KPIS: dict[str, Kpi] = {k.code: k for k in [
    Kpi("fcr", "month", True, "%"),
    Kpi("commitments", "month", True, "%"),
    Kpi("csat", "month", True, "0-100"),
    Kpi("deductions", "month", False, "points"),
    Kpi("practical", "cycle", True, "0-100"),
    Kpi("review", "cycle", True, "0-100"),
]}


def roster_frame(session: Session) -> pd.DataFrame:
    """DataFrame[employee_id, team, role_code, hire_date] of everyone (leavers too: their past
    months count)."""
    rows = session.execute(select(Staff.employee_id, Team.name, Staff.role_code, Staff.hire_date)
                           .join(Team, Staff.team_id == Team.id).order_by(Staff.employee_id))
    return rows_frame(rows, ["employee_id", "team", "role_code", "hire_date"])


def course_modules(course: str, modules: list[tuple[str, str]]) -> list[str]:
    mods = [m for c, m in modules if c == course]
    if not mods:
        known = sorted({c for c, _ in modules})
        raise AcademyError(f"unknown course {course!r}; the courses are: {', '.join(known)}")
    return mods


def completions(session: Session, course: str, modules: list[str]) -> pd.DataFrame:
    """DataFrame[employee_id, completed_at]: people who completed every module of the course
    (practice done and self-check taken), and when the last of them was completed."""
    rows = session.execute(select(ModuleProgress.employee_id, ModuleProgress.module,
                                  ModuleProgress.practice_done_at, ModuleProgress.self_check_at)
                           .where(ModuleProgress.course == course)).all()
    df = pd.DataFrame(rows, columns=["employee_id", "module", "practice", "check"])
    df = df[df["module"].isin(modules) & df["practice"].notna() & df["check"].notna()]
    if df.empty:
        return pd.DataFrame(columns=["employee_id", "completed_at"])
    # stored with a zone on PostgreSQL, naive on SQLite: compare as naive UTC
    for c in ("practice", "check"):
        df[c] = pd.to_datetime(df[c], utc=True).dt.tz_localize(None)
    df["done"] = df[["practice", "check"]].max(axis=1)
    g = df.groupby("employee_id").agg(modules=("module", "nunique"), completed_at=("done", "max"))
    g = g[g["modules"] == len(set(modules))].reset_index()
    return g[["employee_id", "completed_at"]].sort_values("employee_id").reset_index(drop=True)


# --- job figures ---------------------------------------------------------------------------------


def _cycles(session: Session) -> list[Cycle]:
    return list(session.scalars(select(Cycle).order_by(Cycle.opens_on, Cycle.id)))


def ticket_figures(session: Session, kpi: str) -> pd.DataFrame:
    tk = current_tickets(session)
    if tk.empty:
        return pd.DataFrame(columns=["employee_id", "period", "y"])
    facts = operations.ticket_facts(tk, batch_config(session) or OperationsConfig())
    k = operations.kpis(facts, ["employee_id", "month"])
    k = k[k["month"] != _month_in_progress(tk)]
    if kpi == "fcr":
        y = k["fcr_rate"]
    else:
        y = k[["response_rate", "arrival_rate", "fix_rate"]].astype(float).mean(axis=1)
    return pd.DataFrame({"employee_id": k["employee_id"], "period": k["month"],
                         "y": 100.0 * y.astype(float)}).dropna().reset_index(drop=True)


def _month_in_progress(tk: pd.DataFrame) -> str | None:
    """The export's last month when its last repair call is before that month's last day: a
    month still in progress is left out (its figures are of a few days)."""
    last = tk["reported_at"].max()
    if pd.isna(last):
        return None
    return None if last.day == last.days_in_month else last.strftime("%Y-%m")


def _ticket_months(session: Session) -> dict[str, str]:
    """ticket id -> month: the operations export's repair-call month, else the survey ticket
    log's closing month."""
    out = {t: d.strftime("%Y-%m") for t, d in session.execute(
        select(ServiceTicket.ticket_id, ServiceTicket.closed_on)
        .join(EvidenceBatch, ServiceTicket.batch_id == EvidenceBatch.id)
        .where(EvidenceBatch.superseded_by.is_(None), ServiceTicket.closed_on.is_not(None)))}
    tk = current_tickets(session)
    out.update(zip(tk["ticket_id"], tk["month"]))
    return out


def csat_figures(session: Session) -> pd.DataFrame:
    months = None
    parts = []
    for c in _cycles(session):
        ev = evidence_frame(session, c.id, "customer")
        if ev.empty:
            continue
        resp = surveys.responses(ev)
        months = months if months is not None else _ticket_months(session)
        resp["period"] = resp["rater_id"].map(months)
        parts.append(resp.dropna(subset=["period"]))
    if not parts:
        return pd.DataFrame(columns=["employee_id", "period", "y"])
    r = pd.concat(parts, ignore_index=True)
    return (r.groupby(["employee_id", "period"])["satisfaction"].mean().rename("y").reset_index())


def deduction_figures(session: Session) -> pd.DataFrame:
    parts = []
    for c in _cycles(session):
        batch = session.scalars(select(EvidenceBatch).where(
            EvidenceBatch.cycle_id == c.id, EvidenceBatch.source == "key_behaviour",
            EvidenceBatch.superseded_by.is_(None)).order_by(EvidenceBatch.id.desc())).first()
        if batch is None:
            continue
        families = (batch.config or {}).get("behaviours", {}).get("families") or []
        ev = evidence_frame(session, c.id, "key_behaviour")
        fam = behaviour.family_index(session)
        people = sorted({e for e, f in fam.items() if f in families} | set(ev["employee_id"]))
        d = details_frame(ev) if len(ev) else pd.DataFrame({"month": []})
        ded = pd.DataFrame({"employee_id": ev["employee_id"].to_numpy(),
                            "month": d["month"].to_numpy() if len(ev) else [],
                            "points": ev["raw"].astype(float).to_numpy()})
        m = behaviour.monthly_scores(ded, people, behaviour.cycle_months(c), np.inf)
        parts.append(pd.DataFrame({"employee_id": m["employee_id"], "period": m["month"],
                                   "y": m["deducted"].astype(float)}))
    if not parts:
        return pd.DataFrame(columns=["employee_id", "period", "y"])
    return pd.concat(parts, ignore_index=True).groupby(
        ["employee_id", "period"])["y"].sum().reset_index()


def cycle_figures(session: Session, kpi: str) -> pd.DataFrame:
    parts = []
    for c in _cycles(session):
        if kpi == "practical":
            r = practical.ratings(evidence_frame(session, c.id, "practical"))
            if r.empty:
                continue
            y = r.groupby("employee_id")["score"].mean()
        else:  # supervisor mean and peer mean (only where enough peers rated: peer_summary)
            sup = evidence_frame(session, c.id, "supervisor")
            sup = sup.dropna(subset=["score"]) if len(sup) else sup
            halves = [reviews.peer_summary(session, c.id).groupby("employee_id")["score"].mean()]
            if len(sup):
                halves.append(sup.assign(score=sup["score"].astype(float))
                              .groupby("employee_id")["score"].mean())
            kept = [h.astype(float) for h in halves if len(h)]
            if not kept:
                continue
            y = pd.concat(kept).groupby(level=0).mean()
        parts.append(pd.DataFrame({"employee_id": y.index, "period": c.name,
                                   "y": y.to_numpy(dtype=float)}))
    if not parts:
        return pd.DataFrame(columns=["employee_id", "period", "y"])
    return pd.concat(parts, ignore_index=True)


def figures(session: Session, kpi: str) -> pd.DataFrame:
    """DataFrame[employee_id, period, y] of one job figure (KPIS)."""
    if kpi not in KPIS:
        raise AcademyError(f"unknown figure {kpi!r}; choose from {', '.join(KPIS)}")
    if kpi in ("fcr", "commitments"):
        return ticket_figures(session, kpi)
    if kpi == "csat":
        return csat_figures(session)
    if kpi == "deductions":
        return deduction_figures(session)
    return cycle_figures(session, kpi)


# --- periods and the panel -----------------------------------------------------------------------


def _month_label(ts) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m")


def periods_of(session: Session, kpi: Kpi, fig: pd.DataFrame) -> tuple[list[str], date | None]:
    """The period labels in time order, and the first period's first day (for tenure)."""
    if kpi.grain == "cycle":
        cycles = [c for c in _cycles(session) if c.name in set(fig["period"])]
        return [c.name for c in cycles], (cycles[0].opens_on if cycles else None)
    if fig.empty:
        return [], None
    months = operations.months_between(f"{fig['period'].min()}-01", f"{fig['period'].max()}-01")
    return months, date.fromisoformat(f"{months[0]}-01")


def completion_periods(session: Session, kpi: Kpi, done: pd.DataFrame,
                       periods: list[str]) -> pd.DataFrame:
    """DataFrame[employee_id, period]: the period of each completion (a cycle: the one holding
    the day, else the next one to open); impact.BEFORE when it lies before the first period,
    impact.AFTER when after the last."""
    if done.empty or not periods:
        return pd.DataFrame(columns=["employee_id", "period"])
    if kpi.grain == "month":
        labels = [_month_label(ts) for ts in done["completed_at"]]
        labels = [impact.BEFORE if m < periods[0] else impact.AFTER if m > periods[-1] else m
                  for m in labels]
    else:
        cycles = [c for c in _cycles(session) if c.name in set(periods)]
        labels = []
        for ts in done["completed_at"]:
            day = pd.Timestamp(ts).date()
            if day < cycles[0].opens_on:
                labels.append(impact.BEFORE)
                continue
            labels.append(next((c.name for c in cycles if day <= c.closes_on), impact.AFTER))
    return pd.DataFrame({"employee_id": done["employee_id"], "period": labels})


@dataclass
class ImpactData:
    course: str
    kpi: Kpi
    periods: list[str]
    panel: pd.DataFrame
    completed: int  # people who completed the course (whenever)
    people: int  # people with the figure


def load_impact(session: Session, course: str, kpi: str, modules: list[tuple[str, str]],
                match: tuple[str, ...] = impact.MATCH_FIELDS) -> ImpactData:
    """Everything the estimator needs for one course and one figure."""
    mods = course_modules(course, modules)
    if kpi not in KPIS:
        raise AcademyError(f"unknown figure {kpi!r}; choose from {', '.join(KPIS)}")
    spec = KPIS[kpi]
    fig = figures(session, kpi)
    periods, first_day = periods_of(session, spec, fig)
    done = completions(session, course, mods)
    cohorts = completion_periods(session, spec, done, periods)
    panel = impact.build_panel(fig, periods, cohorts, roster_frame(session), match,
                               tenure_on=first_day)
    return ImpactData(course, spec, periods, panel, len(done), int(fig["employee_id"].nunique())
                      if len(fig) else 0)
