"""The manager dashboard's panel of customer feedback on the company: product quality, price,
delivery time and packaging as customers rated them (survey items with `attribution: company`),
per item for the whole company and for the viewer's own teams, with an Excel download.

These items are never charged to the engineer who served the customer (graders.sources.surveys); the
panel shows no person, only items, so a manager sees the company rows and their own teams' rows.
"""

from __future__ import annotations

import base64
import html
import tempfile
from pathlib import Path

import ipywidgets as w
import pandas as pd
from sqlalchemy.orm import Session

from core import labels
from core.cycles import get_cycle
from dashboards import data
from dashboards.access import ADMIN, TRAINEE, AccessDenied, require
from dashboards.ui import STYLE, guarded, heading, page_panel, resolve_locale, resolve_viewer, table
from graders.company_feedback import company_report, export_company_report

__all__ = ["LABELS", "company_feedback_frame", "company_items_panel"]

#: this panel's labels, as kept in the one table (core.labels)
LABELS = labels.section("company")
_t = labels.scoped("company")


def company_feedback_frame(company: data.Company, viewer, cycle: str) -> pd.DataFrame:
    """The company report of a cycle, kept to the company-wide rows and the viewer's teams."""

    teams = data.allowed_teams(company, viewer)
    if not teams and viewer.kind != ADMIN:
        raise AccessDenied("no teams are under you in the roster")
    with Session(company.home.engine) as s:
        c = get_cycle(s, cycle)
        report = company_report(s, c.id)
    if viewer.kind == ADMIN:
        return report
    return report[(report["team"] == "*") | report["team"].isin(teams)].reset_index(drop=True)


def _shown(report: pd.DataFrame, loc: str) -> pd.DataFrame:
    out = pd.DataFrame({
        _t("item", loc): report["item_zh" if loc == "zh" else "item_en"],
        _t("team", loc): report["team"].map(lambda x: _t("all_teams", loc) if x == "*" else x),
        _t("responses", loc): report["responses"].astype(int),
        _t("mean", loc): report["mean"].astype(float),
        _t("satisfied_share", loc): report["satisfied_share"].map(lambda x: f"{x:.0%}"),
    })
    return out


def _link(report: pd.DataFrame, loc: str, cycle: str) -> str:

    name = f"{_t('file', loc)} {cycle}.xlsx"  # the saved file's name, never shown on the page
    with tempfile.TemporaryDirectory() as tmp:
        path = export_company_report(report, Path(tmp) / name, loc)
        payload = base64.b64encode(path.read_bytes()).decode()
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return (f"<a class='academy-download' download='{name}' href='data:{mime};base64,{payload}'>"
            f"{html.escape(_t('download_cycle', loc).format(cycle=cycle))}</a>")


def company_items_panel(company: data.Company, viewer: str | None = None,
                        lang: str | None = None, open_now: bool = False) -> w.Widget:
    """The panel for the serving viewer (managers and administrators). It reads the survey
    evidence when asked (the button), so the manager's first view stays as fast as before."""
    loc = resolve_locale(company, lang)
    v = resolve_viewer(viewer)

    def build():
        require(v, (TRAINEE, ADMIN))
        if v.kind != ADMIN and not data.allowed_teams(company, v):
            raise AccessDenied("no teams are under you in the roster")
        cycles = list(company.cycles["name"])
        if not cycles:
            return w.HTML(f"<div class='academy-note'>{html.escape(_t('none', loc))}</div>")
        pick = w.Dropdown(options=cycles, value=cycles[-1], description=_t("cycle", loc))
        body = w.VBox()

        def draw(_ch=None):
            report = company_feedback_frame(company, v, pick.value)
            if report.empty:
                body.children = [w.HTML(f"<div class='academy-note'>"
                                        f"{html.escape(_t('none', loc))}</div>")]
                return
            body.children = [table(_shown(report, loc)), w.HTML(_link(report, loc, pick.value))]

        def safe_draw(_ch=None):
            got = guarded(lambda: draw() or body, loc)
            if got is not body:  # access denied or an error: the notice instead
                body.children = [got]

        show = w.Button(description=_t("show", loc), layout=w.Layout(width="auto"))
        show.on_click(safe_draw)
        pick.observe(lambda _ch: safe_draw() if body.children else None, names="value")
        if open_now:
            safe_draw()
        return w.VBox([w.HTML(STYLE), heading(_t("title", loc)),
                       w.HTML(f"<div class='academy-note'>{html.escape(_t('note', loc))}</div>"),
                       w.HBox([pick, show]), body])

    return page_panel(build, loc)
