"""The database shell around graders.managers.grading: read the roster and its history, tickets,
customer surveys, course progress, goals, one-to-ones and churn of a cycle into a TeamData, and
hand the management indicators to graders.sources as components (a group aggregator).

Component scores are computed here with the indicators' default targets; the grading engine
re-scores them with the targets of the person's own scheme (`rescore`), from the raw values kept
as the "value" variant (graders.sources VARIANT_COLUMNS), so a what-if scheme with other targets
needs no new evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cycles import Cycle
from core.rows import frame as rows_frame
from graders.engine.course_catalog import module_catalog
from graders.ladder import violations_store
from graders.managers import goals as goal_store
from graders.managers import grading as m
from graders.managers.goal_models import CustomerChurn
from graders.sources import (
    COMPETENCY_COLUMNS,
    COMPONENT_COLUMNS,
    VARIANT_COLUMNS,
    SourceFrames,
    SourceResult,
    surveys,
)
from graders.sources.operations import cycle_months, load_operations_kpis
from roster.models import Role, RosterChange, RosterImport, Staff, Team
from training.progress import ModuleProgress, module_status

#: extra data of indicators added later: name -> loader(session, cycle, months) -> DataFrame,
#: stored in TeamData.extra[name] (the ladder's `violations` for `violation_free`)
EXTRA_LOADERS: dict[str, Callable[[Session, Cycle, list[str]], pd.DataFrame]] = {
    "violations": violations_store.violation_months}
VALUE = "value"  # the variant holding an indicator's raw value (a rate)


def roster_state(session: Session) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """(current state, changes, role levels) for graders.managers.grading.monthly_links."""
    q = (select(Staff.employee_id, Team.name, Staff.role_code, Role.level, Staff.supervisor_id,
                Staff.active, Team.manager_id)
         .join(Team, Staff.team_id == Team.id).join(Role, Staff.role_code == Role.code))
    current = rows_frame(session.execute(q), m.STATE_COLUMNS)
    q = (select(RosterChange.employee_id, RosterChange.field, RosterChange.before,
                RosterChange.after, RosterImport.imported_at)
         .join(RosterImport, RosterChange.import_id == RosterImport.id)
         .where(RosterChange.field.in_(["created", "team", "role_code", "supervisor_id", "active"]))
         .order_by(RosterImport.imported_at, RosterChange.id))
    changes = rows_frame(session.execute(q), m.CHANGE_COLUMNS)
    levels = dict(session.execute(select(Role.code, Role.level)).all())
    return current, changes, levels


def promotions(changes: pd.DataFrame, levels: dict[str, str], months: list[str]) -> pd.DataFrame:
    """[employee_id, month]: role changes to a role of a higher level within `months`."""
    c = changes[changes["field"] == "role_code"]
    if c.empty:
        return pd.DataFrame(columns=["employee_id", "month"])
    up = (c["after"].map(levels).map(m.LEVEL_RANK).fillna(0)
          > c["before"].map(levels).map(m.LEVEL_RANK).fillna(0))
    at = pd.to_datetime(c["at"], utc=True)
    out = pd.DataFrame({"employee_id": c["employee_id"], "month": at.dt.strftime("%Y-%m")})[up]
    return out[out["month"].isin(months)].reset_index(drop=True)


#: above this many people, training_progress reads every progress row and filters here rather
#: than sending the ids as an IN list (one bound parameter each)
IN_LIST_MAX = 10_000


def training_progress(session: Session, employee_ids: list[str]) -> pd.DataFrame:
    """[employee_id, completed, required]: course modules completed of every catalogued module."""

    cat = module_catalog()
    keys = set(zip(cat["course"], cat["module"])) if len(cat) else set()
    if not keys:
        return pd.DataFrame(columns=["employee_id", "completed", "required"])
    done: dict[str, int] = {}
    wanted = set(employee_ids)
    q = select(ModuleProgress)
    if len(wanted) <= IN_LIST_MAX:  # PostgreSQL takes at most 65,535 parameters a statement
        q = q.where(ModuleProgress.employee_id.in_(employee_ids))
    for r in session.scalars(q):
        if r.employee_id in wanted and (r.course, r.module) in keys \
                and module_status(r) == "completed":
            done[r.employee_id] = done.get(r.employee_id, 0) + 1
    return pd.DataFrame({"employee_id": employee_ids,
                         "completed": [done.get(e, 0) for e in employee_ids],
                         "required": len(keys)})


def survey_answers(session: Session, cycle_id: int,
                   answers: pd.DataFrame | None = None) -> pd.DataFrame:
    """[employee_id, satisfaction]: each customer response's satisfaction (0-100) over the items
    attributed to the person (graders.sources.surveys.responses); from `answers` (graders.sources.surveys
    ANSWER_COLUMNS) when given, else read."""
    resp = surveys.answer_responses(surveys.answer_frame(session, cycle_id) if answers is None
                                    else answers)
    if resp.empty:
        return pd.DataFrame(columns=["employee_id", "satisfaction"])
    return resp[["employee_id", "satisfaction"]].reset_index(drop=True)


def load_team_data(session: Session, cycle: Cycle, today: date | None = None,
                   answers: pd.DataFrame | None = None) -> m.TeamData:
    today = today or date.today()
    months = cycle_months(cycle)
    current, changes, levels = roster_state(session)
    links = m.monthly_links(current, changes, months, levels)
    if links.empty:
        return m.TeamData(links)
    people = sorted(links["employee_id"].unique())
    ops = load_operations_kpis(session, months)
    churn_rows = session.execute(select(CustomerChurn.team, CustomerChurn.month,
                                        CustomerChurn.customers, CustomerChurn.lost)
                                 .where(CustomerChurn.month.in_(months))).all()
    g = goal_store.goals_frame(session, months)
    goals = pd.DataFrame({"employee_id": g["employee_id"], "month": g["month"],
                          "agreed": g["state"].isin(["agreed", "scored"]),
                          "scored": g["state"] == "scored"})
    return m.TeamData(
        links=links, tickets=ops.people, surveys=survey_answers(session, cycle.id, answers),
        training=training_progress(session, people),
        promotions=promotions(changes, levels, months),
        churn=pd.DataFrame(churn_rows, columns=["team", "month", "customers", "lost"])
        if churn_rows else None,
        goals=goals, follow_up_due=[mo for mo in months if goal_store.month_over(mo, today)],
        one_to_ones=goal_store.one_to_ones_frame(session, months),
        extra={name: load(session, cycle, months) for name, load in EXTRA_LOADERS.items()})


def figures_components(fig: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(components, variants) from graders.managers.grading FIGURE_COLUMNS."""
    comp = pd.DataFrame({"employee_id": fig["head_id"], "component": fig["indicator"],
                         "score": fig["score"].astype(float), "n": fig["n"].astype(int),
                         "status": "ok", "note": fig["note"]})
    var = pd.DataFrame({"employee_id": fig["head_id"], "component": fig["indicator"],
                        "variant": VALUE, "score": fig["value"].astype(float), "note": fig["note"]})
    return comp[COMPONENT_COLUMNS], var[VARIANT_COLUMNS]


def aggregate(session: Session | None, cycle_id: int | None,
              employee_ids: list[str] | None = None, today: date | None = None) -> SourceResult:
    """graders.sources group aggregator: every management indicator of every supervisor and
    manager, and the `goals` component of everyone with scored goals."""
    empty = SourceResult(pd.DataFrame(columns=COMPONENT_COLUMNS),
                         pd.DataFrame(columns=COMPETENCY_COLUMNS))
    if session is None or cycle_id is None:
        return empty
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        return empty
    months = cycle_months(cycle)
    return management_result(goal_store.goals_frame(session, months),
                             load_team_data(session, cycle, today))


def load_frames(session: Session, frames: SourceFrames) -> SourceFrames:
    """graders.sources loader of the management source: goals and the team data of the cycle."""
    cycle = session.get(Cycle, frames.cycle.id) if frames.cycle is not None else None
    if cycle is not None:
        frames.extra["goals"] = goal_store.goals_frame(session, cycle_months(cycle))
        frames.extra["team_data"] = load_team_data(session, cycle,
                                                   answers=frames.shared.get("customer_answers"))
    return frames


def aggregate_frames(frames: SourceFrames) -> SourceResult:
    """graders.sources aggregation of the management source (pure): every management indicator
    of every supervisor and manager, and everyone's `goals` component."""
    if "team_data" not in frames.extra:
        return SourceResult(pd.DataFrame(columns=COMPONENT_COLUMNS),
                            pd.DataFrame(columns=COMPETENCY_COLUMNS))
    return management_result(frames.extra["goals"], frames.extra["team_data"])


def management_result(goals: pd.DataFrame, data: m.TeamData) -> SourceResult:
    """Pure: the `goals` component from the goals frame and the indicators from the team data."""
    own = goal_store.goal_component(goals)
    fig = m.indicator_scores(data, list(m.INDICATORS))
    comp, var = figures_components(fig)
    comps = [c for c in (own, comp) if len(c)]
    return SourceResult(pd.concat(comps, ignore_index=True) if comps
                        else pd.DataFrame(columns=COMPONENT_COLUMNS),
                        pd.DataFrame(columns=COMPETENCY_COLUMNS), variants=var)


COMPONENTS = ("goals", *m.INDICATORS)


def team_figures(session: Session, cycle: Cycle, targets: dict[str, float] | None = None,
                 heads: list[str] | None = None, today: date | None = None) -> pd.DataFrame:
    """FIGURE_COLUMNS of the given heads (all when None): for dashboards and exports."""
    data = load_team_data(session, cycle, today)
    return m.indicator_scores(data, list(m.INDICATORS), targets, heads)


def team_sizes(session: Session, cycle: Cycle) -> pd.DataFrame:
    """[head_id, people, direct]: how many people counted for each head in the cycle."""
    current, changes, levels = roster_state(session)
    links = m.monthly_links(current, changes, cycle_months(cycle), levels)
    if links.empty:
        return pd.DataFrame(columns=["head_id", "people", "direct"])
    g = links.groupby("head_id")
    out = g["employee_id"].nunique().rename("people").to_frame()
    out["direct"] = links[links["direct"]].groupby("head_id")["employee_id"].nunique()
    out["direct"] = out["direct"].fillna(0).astype(int)
    return out.reset_index()

