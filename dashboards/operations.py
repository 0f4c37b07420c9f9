"""Service operations panel of the dashboards: commitment compliance, first-contact resolution and
response times per team and person by month, the missed commitments behind each figure, and the
month's performance pay sheet. The manager sees the teams under them; a trainee sees their own.

Access follows dashboards.access: every function takes the viewer and filters inside the kernel,
so nothing outside the viewer's people is ever loaded into a figure. Figures come from the scoring
code (graders.service_kpis.kpis, graders.service_kpis.monthly_pay); nothing is computed here but the selection.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

import ipywidgets as w
import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from dashboards import charts, data
from dashboards.access import ADMIN, TRAINEE, AccessDenied, Viewer, require
from dashboards.labels import t
from dashboards.ui import (
    _notice,
    chart,
    guarded,
    heading,
    page_panel,
    resolve_locale,
    resolve_viewer,
    table,
)
from graders.engine.schemes import home_schemes
from graders.service_kpis import kpis as operations
from graders.service_kpis.monthly_pay import monthly_pay
from graders.sources.operations import load_operations_kpis, staff_frame
from roster.models import Role

#: months shown: this many, ending with the current month
MONTHS_SHOWN = 6
RATES = ("response_rate", "arrival_rate", "fix_rate", "fcr_rate")


@dataclass
class OpsView:
    months: list[str]
    teams: pd.DataFrame  # KPIs per team and month (over the visible people only)
    people: pd.DataFrame  # KPIs per person and month, with name and team
    breaches: pd.DataFrame
    pay: pd.DataFrame  # graders.service_kpis.monthly_pay PAY_COLUMNS
    checks: pd.DataFrame
    role_names: dict  # role code -> (English name, Chinese name)


def default_months(today: date | None = None) -> list[str]:
    today = today or date.today()
    first = (pd.Timestamp(today).to_period("M") - (MONTHS_SHOWN - 1)).to_timestamp()
    return operations.months_between(first, today)


def _load(company: data.Company, ids: np.ndarray | None, months: list[str]) -> OpsView:
    """Figures of the people `ids` (None: everyone). Every ticket of the months is read, so that a
    repeat call served by someone else still counts against the first ticket; only the chosen
    people's tickets reach a figure."""

    with Session(company.home.engine) as s:
        ops = load_operations_kpis(s, months)
        roster = staff_frame(s)
        roles = {c: (en, zh) for c, en, zh in s.query(Role.code, Role.name_en, Role.name_zh)}
    facts = ops.facts if ids is None else ops.facts[ops.facts["employee_id"].isin(list(ids))]
    people = operations.kpis(facts, ["employee_id", "month"])
    people = people[people["month"].isin(months)]
    teams = operations.kpis(facts, ["team", "month"])
    teams = teams[teams["month"].isin(months)].reset_index(drop=True)
    names = ops.roster.set_index("employee_id")
    people = people.assign(name=people["employee_id"].map(names["name"]),
                           team=people["employee_id"].map(names["team"])).reset_index(drop=True)
    mine = roster if ids is None else roster[roster["employee_id"].isin(list(ids))]
    pay, _items, checks = monthly_pay(people, mine, home_schemes(company.home), months)
    return OpsView(months, teams, people, operations.breaches(facts), pay, checks, roles)


def manager_operations(company: data.Company, viewer: Viewer | None,
                       months: list[str] | None = None,
                       team: str | None = None) -> OpsView:
    """What a manager (or admin) sees: the teams under them, or one of them."""
    v = require(viewer, (TRAINEE, ADMIN))
    allowed = data.allowed_teams(company, v)
    if not allowed:
        raise AccessDenied("no teams are under you in the roster")
    if team is not None and team not in allowed:
        raise AccessDenied(f"team {team!r} is not under you")
    h = company.hierarchy
    ids = data.visible(company, v)
    chosen = [team] if team else allowed
    ids = np.intersect1d(ids, h.loc[h["team"].isin(chosen), "employee_id"].to_numpy(dtype=object))
    return _load(company, ids, months or default_months())


def trainee_operations(company: data.Company, viewer: Viewer | None,
                       months: list[str] | None = None) -> OpsView:
    """What a trainee sees: their own tickets' figures, breaches and pay, nobody else's."""
    v = require(viewer, (TRAINEE,))
    if v.employee_id not in set(company.hierarchy["employee_id"]):
        raise AccessDenied(f"{v.user} is not an active member of staff")
    return _load(company, np.array([v.employee_id], dtype=object), months or default_months())


# --- presentation -----------------------------------------------------------------------------

_KPI_SHOWN = ["tickets", "closed", "response_rate", "arrival_rate", "fix_rate",
              "response_avg_minutes", "response_p90_minutes", "handling_avg_hours", "fcr_rate",
              "complaints", "complaint_resolution_rate", "repeats", "open_at_month_end"]
_HEAD = {"closed": "closed_tickets"}


def _pct(v) -> str:
    return "" if v is None or pd.isna(v) else f"{100 * v:.1f}%"


def kpi_table(frame: pd.DataFrame, key: list[str], loc: str) -> pd.DataFrame:
    """KPI rows with localised headers, rates as percentages."""
    out = pd.DataFrame({t(k if k != "name" else "name", loc): frame[k] for k in key})
    for c in _KPI_SHOWN:
        v = frame[c]
        out[t(_HEAD.get(c, c), loc)] = v.map(_pct) if c.endswith("_rate") else (
            v.round(1) if v.dtype.kind == "f" else v)
    return out


def breach_table(b: pd.DataFrame, loc: str, names: dict | None = None) -> pd.DataFrame:
    """Each missed commitment with who served it, by name beside the employee id."""
    unit = b["unit"].map(lambda u: t(u, loc))
    took = [f"{e:.1f} {u}" if not pd.isna(e) else t("not yet", loc)
            for e, u in zip(b["elapsed"], unit)]
    return pd.DataFrame({
        t("ticket_id", loc): b["ticket_id"], t("employee_id", loc): b["employee_id"],
        t("name", loc): b["employee_id"].map(names or {}).fillna(""),
        t("team", loc): b["team"], t("channel", loc): b["channel"].map(lambda c: t(c, loc)),
        t("commitment", loc): b["commitment"].map(lambda c: t(c, loc)),
        t("reported_at", loc): b["reported_at"].dt.strftime("%Y-%m-%d %H:%M"),
        t("clock_start", loc): b["clock_start"].dt.strftime("%Y-%m-%d %H:%M"),
        t("elapsed", loc): took,
        t("target", loc): [f"{x:g} {u}" for x, u in zip(b["target"], unit)]})


def pay_table(p: pd.DataFrame, loc: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("employee_id", loc): p["employee_id"], t("name", loc): p["name"],
        t("team", loc): p["team"], t("tickets", loc): p["tickets"],
        t("kpi", loc): p["kpi"].round(2), t("status", loc): p["status"].map(lambda s: t(s, loc)),
        t("reference_pay", loc): p["reference_pay"], t("base_pay", loc): p["base_pay"],
        t("performance_pay", loc): p["performance_pay"], t("total_pay", loc): p["total_pay"]})


def trend_chart(teams: pd.DataFrame, months: list[str], loc: str) -> charts.Chart:
    """Commitment compliance and FCR by month (pooled over the shown tickets), in percent."""
    pooled = teams.groupby("month")[["response_met", "response_due", "arrival_met", "arrival_due",
                                     "fix_met", "fix_due", "fcr", "fcr_due"]].sum()
    pooled = pooled.reindex(months)
    series = []
    for name, num, den in (("response_rate", "response_met", "response_due"),
                           ("arrival_rate", "arrival_met", "arrival_due"),
                           ("fix_rate", "fix_met", "fix_due"), ("fcr_rate", "fcr", "fcr_due")):
        vals = (100 * pooled[num] / pooled[den].where(pooled[den] > 0)).tolist()
        series.append((t(name, loc), vals))
    return charts.line_chart("operations_trend", t("operations_trend", loc), months, series,
                             y_title="%", y_range=(0, 100))


def _html_table(frame: pd.DataFrame, max_rows: int = 200) -> w.HTML:
    return table(frame, max_rows)


def _panel(view: OpsView, loc: str, month: str, team_level: bool) -> w.VBox:
    items = [chart(trend_chart(view.teams, view.months, loc))]
    if team_level:
        tm = view.teams[view.teams["month"] == month]
        items += [heading(f"{t('teams', loc)} · {month}"),
                  _html_table(kpi_table(tm, ["team"], loc))]
    pm = view.people[view.people["month"] == month].sort_values(["team", "employee_id"])
    items += [heading(f"{t('person', loc)} · {month}"),
              _html_table(kpi_table(pm, ["employee_id", "name", "team"], loc))]
    b = view.breaches[view.breaches["month"] == month]
    items += [heading(f"{t('breaches', loc)} · {month}: {len(b)}"),
              _html_table(breach_table(b, loc, dict(zip(view.people["employee_id"],
                                                        view.people["name"])))) if len(b)
              else w.HTML(f"<div class='academy-note'>{html.escape(t('no_breaches', loc))}</div>")]
    p = view.pay[view.pay["month"] == month]
    items.append(heading(f"{t('monthly_pay', loc)} · {month}"))
    if p.empty:
        note = html.escape(t("no_kpi_items", loc))
        items.append(w.HTML(f"<div class='academy-note'>{note}</div>"))
    else:
        items += [_html_table(pay_table(p, loc)),
                  w.HTML(f"<div class='academy-note'>{html.escape(t('pay_formula', loc))}</div>")]
        for c in view.checks[view.checks["month"] == month].itertuples():
            colour = "#b42318" if c.level == "revise" else "#2f855a"
            role = view.role_names.get(c.role_code, (c.role_code, c.role_code))
            text = t("health_line", loc).format(role=role[1] if loc == "zh" else role[0],
                                                below=c.below_one, staff=c.staff,
                                                share=f"{c.share:.0%}")
            if c.level == "revise":
                text += " " + t("revise_scheme", loc)
            items.append(w.HTML(f"<div style='color:{colour}'>{html.escape(text)}</div>"))
    return w.VBox(items)


def _month_default(view: OpsView, today: date | None = None) -> str:
    """The last complete month with tickets (the month a pay sheet is made for), else the
    latest month with tickets, else the latest month."""
    have = sorted(set(view.teams.loc[view.teams["tickets"] > 0, "month"]))
    current = (today or date.today()).strftime("%Y-%m")
    done = [m for m in have if m < current]
    return done[-1] if done else (have[-1] if have else view.months[-1])


def manager_panel(company: data.Company, viewer: str | None = None, lang: str | None = None,
                  months: list[str] | None = None):
    """The operations panel of the manager dashboard (a month and a team picker)."""
    loc = resolve_locale(company, lang)
    v = resolve_viewer(viewer)
    if v is None:
        return _notice(t("not_signed_in", loc), "#b42318")

    def build():
        view = manager_operations(company, v, months)
        teams = data.allowed_teams(company, v)
        month = w.Dropdown(options=view.months, value=_month_default(view),
                           description=t("month", loc))
        team = w.Dropdown(options=[(t("all_teams", loc), "")] + [(x, x) for x in teams], value="",
                          description=t("team", loc))
        body = w.VBox([_panel(view, loc, month.value, True)])
        state = {"view": view}

        def redraw(_ch=None):
            if _ch is not None and _ch.get("owner") is team:
                state["view"] = manager_operations(company, v, view.months, team.value or None)
            body.children = [guarded(lambda: _panel(state["view"], loc, month.value,
                                                    not team.value), loc)]

        month.observe(redraw, names="value")
        team.observe(redraw, names="value")
        return w.VBox([heading(t("operations_title", loc), 2), w.HBox([month, team]), body],
                      layout=w.Layout(width="100%"))

    return page_panel(build, loc)


def trainee_panel(company: data.Company, viewer: str | None = None, lang: str | None = None,
                  months: list[str] | None = None):
    """The trainee's own operations: their figures by month, their missed commitments, their pay."""
    loc = resolve_locale(company, lang)
    v = resolve_viewer(viewer)
    if v is None:
        return _notice(t("not_signed_in", loc), "#b42318")

    def build():
        view = trainee_operations(company, v, months)
        month = w.Dropdown(options=view.months, value=_month_default(view),
                           description=t("month", loc))
        body = w.VBox([_panel(view, loc, month.value, False)])

        def redraw(_ch=None):
            body.children = [guarded(lambda: _panel(view, loc, month.value, False), loc)]

        month.observe(redraw, names="value")
        return w.VBox([heading(t("my_operations", loc), 2), month, body],
                      layout=w.Layout(width="100%"))

    return guarded(build, loc)
