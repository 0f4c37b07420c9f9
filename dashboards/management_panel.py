"""The manager dashboard's drill-down for a supervisor or manager: the team figures their grade
rests on (value against target and score per indicator), and anyone's SMART goals and one-to-ones
(for the person's own managers only). Labels in English and Chinese; user text is shown escaped."""

from __future__ import annotations

import pandas as pd

from core.cycles import get_cycle
from dashboards import management_data as md
from dashboards.access import ADMIN, AccessDenied
from dashboards.labels import t
from graders.managers import goals
from graders.managers.export import management_sheets


def _pct(v) -> str:
    return "" if v is None or v != v else f"{100 * float(v):.1f}%"


def figures_table(fig: pd.DataFrame, loc: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("indicator", loc): [t(i, loc) for i in fig["indicator"]],
        t("value", loc): [_pct(v) for v in fig["value"]],
        t("target", loc): [_pct(v) for v in fig["target"]],
        t("score", loc): fig["score"].astype(float).round(1),
    })


def goals_table(goals: pd.DataFrame, loc: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("month", loc): goals["month"], t("goal", loc): goals["title"],
        t("measure", loc): goals["measure"], t("weight", loc): goals["weight"].astype(float),
        t("goal_state", loc): [t(s, loc) for s in goals["state"]],
        t("goal_achievement", loc): goals["achievement"].astype(float),
    })


def talks_table(talks: pd.DataFrame, names: dict[str, str], loc: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("talk_held_on", loc): [str(d) for d in talks["held_on"]],
        t("name", loc): [names.get(e, e) for e in talks["employee_id"]],
        t("manager_id", loc): [names.get(e, e) for e in talks["manager_id"]],
        t("notes", loc): talks["notes"].fillna(""),
    })


def person_extras(company, viewer, cycle: str, employee_id: str, loc: str, family: str,
                  targets: dict | None, heading, table) -> list:
    """Widgets to add under a person's drill-down (empty when there is nothing to show)."""
    items: list = []
    if family == "management":
        fig = md.team_figures(company, viewer, cycle, employee_id, targets)
        if len(fig):
            items += [heading(t("team_figures", loc), 4), table(figures_table(fig, loc))]
    try:
        goals, talks = md.goals_and_talks(company, viewer, cycle, employee_id)
    except AccessDenied:
        return items  # a team manager outside the person's chain: no goals or talks
    names = dict(zip(company.hierarchy["employee_id"], company.hierarchy["name"]))
    if len(goals):
        items += [heading(t("smart_goals", loc), 4), table(goals_table(goals, loc))]
    if len(talks):
        items += [heading(t("one_to_one", loc), 4), table(talks_table(talks, names, loc))]
    return items


def my_goals(company, viewer, cycle: str | None, loc: str, heading, table) -> list:
    """The trainee page's own goals and one-to-ones of the cycle (the viewer's own only)."""
    if cycle is None or viewer is None or viewer.employee_id is None:
        return []
    goals, talks = md.goals_and_talks(company, viewer, cycle, viewer.employee_id)
    names = dict(zip(company.hierarchy["employee_id"], company.hierarchy["name"]))
    items: list = []
    if len(goals):
        items += [heading(t("smart_goals", loc)), table(goals_table(goals, loc))]
    if len(talks):
        items += [heading(t("one_to_one", loc)), table(talks_table(talks, names, loc))]
    return items


def workbook_sheets(session, company, viewer, sl, loc: str) -> dict:
    """The management sheets of the dashboard's workbook download: team figures of the heads in
    the viewer's selection, goals and one-to-ones only of the viewer's own staff."""

    cycle = get_cycle(session, sl.cycle.name)
    scope = None if viewer.kind == ADMIN else goals.visible_to(session, viewer.user)
    return management_sheets(session, cycle, sl.result, sl.cycle.schemes, loc, scope)


__all__ = ["person_extras", "my_goals", "workbook_sheets", "figures_table", "goals_table", "talks_table"]
