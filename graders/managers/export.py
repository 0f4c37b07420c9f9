"""Sheets of the results workbook about supervisors and managers: their team figures (value,
target, the stored score and the weight it counted for), and the cycle's SMART goals and
one-to-ones. The upward review is never split out: it is only the component score the results
sheet already shows (empty below the rater minimum)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from core.labels import t
from graders.engine import grading as g
from graders.managers import goals as goal_store
from graders.managers.grading import INDICATORS
from graders.managers.store import team_figures
from graders.sources.operations import cycle_months


def management_sheets(session: Session, cycle, result: g.GradeResult, schemes: dict,
                      loc: str, goals_of: set[str] | None = None) -> dict[str, pd.DataFrame]:
    """{sheet title: frame}; empty when nobody was graded under a management scheme. Team
    figures of the heads in `result`; goals and one-to-ones of the people in `result`, and only
    of those in `goals_of` when given (a viewer's own staff: graders.managers.goals.visible_to)."""
    res = result.results
    heads = res.loc[res["family"] == "management", "employee_id"].tolist()
    names = dict(zip(res["employee_id"], res["name"]))
    out: dict[str, pd.DataFrame] = {}
    if heads:
        sch = schemes.get("management")
        targets = sch.management.targets if sch is not None and sch.management else None
        fig = team_figures(session, cycle, targets, heads)
        comp = result.components
        comp = comp[comp["component"].isin(list(INDICATORS)) & comp["employee_id"].isin(heads)]
        stored = comp.set_index(["employee_id", "component"])
        key = list(zip(fig["head_id"], fig["indicator"]))
        out[t("team_figures", loc)] = pd.DataFrame({
            t("employee_id", loc): fig["head_id"],
            t("name", loc): fig["head_id"].map(names),
            t("indicator", loc): [t(i, loc) for i in fig["indicator"]],
            t("value", loc): fig["value"].round(4),
            t("target", loc): fig["target"],
            t("score", loc): [stored["score"].get(k) for k in key],
            t("weight_used", loc): [stored["weight_used"].get(k) for k in key],
        })
    months = cycle_months(cycle)
    graded = set(res["employee_id"]) if goals_of is None else set(res["employee_id"]) & goals_of
    gl = goal_store.goals_frame(session, months, graded)
    if len(gl):
        out[t("smart_goals", loc)] = pd.DataFrame({
            t("employee_id", loc): gl["employee_id"], t("name", loc): gl["employee_id"].map(names),
            t("month", loc): gl["month"], t("goal", loc): gl["title"],
            t("measure", loc): gl["measure"], t("weight", loc): gl["weight"],
            t("goal_state", loc): [t(s, loc) for s in gl["state"]],
            t("goal_achievement", loc): gl["achievement"],
        })
    talks = goal_store.one_to_ones_frame(session, months, graded)
    if len(talks):
        out[t("one_to_one", loc)] = pd.DataFrame({
            t("employee_id", loc): talks["employee_id"],
            t("name", loc): talks["employee_id"].map(names),
            t("manager_id", loc): talks["manager_id"].map(names).fillna(talks["manager_id"]),
            t("talk_held_on", loc): talks["held_on"], t("notes", loc): talks["notes"],
        })
    return out
