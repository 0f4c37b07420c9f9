"""Penalties, career paths and recognition on the dashboards.

* Manager: corrective plans due (or due soon), violations, the promotion pipeline, the talent
  pipeline (梯队) per track and level, and mentoring pairs, for the people under them only.
* Trainee: their own violations and corrective plan, their progress on each career track, their
  mentoring pairs and their honour-board choice; nobody else's violations, ever.
* Honour board: everyone recognised, without people who opted out (and no excluded awards).

Access follows dashboards.access: the viewer comes from the server, every selection is made in the
kernel before anything is drawn. Figures come from graders.ladder.violations/careers/recognition; the
tables from graders.ladder.views (the same ones the workbook export writes).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

import ipywidgets as w
import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from dashboards import data
from dashboards.access import ADMIN, TRAINEE, AccessDenied, Viewer, require
from dashboards.labels import t
from dashboards.ui import (
    _notice,
    guarded,
    heading,
    page_panel,
    resolve_locale,
    resolve_viewer,
    table,
)
from graders.ladder import careers as car
from graders.ladder import careers_store, recognition_store, views, violations_store
from graders.ladder import violations as vio
from graders.ladder.recognition import load_recognition_config


@dataclass
class LadderView:
    names: dict  # employee id -> name
    violations: pd.DataFrame
    due: pd.DataFrame
    cases: pd.DataFrame
    eligibility: pd.DataFrame
    bench: pd.DataFrame
    pairs: pd.DataFrame
    vcfg: vio.ViolationsConfig
    ccfg: car.CareersConfig
    opted_out: bool = False


def _load(company: data.Company, ids: np.ndarray, as_of: date) -> LadderView:
    """Everything about the people `ids`, and nobody else (filtered before anything is drawn)."""
    keep = set(ids.tolist())
    home = company.home
    ccfg = car.load_careers_config(home.assessments_dir)
    with Session(home.engine) as s:
        vcfg = violations_store.ladder_config(s)
        v = violations_store.all_violations(s)
        c = careers_store.load(s, ccfg, as_of, list(keep))
        out = recognition_store.opted_out(s)
    v = v[v["employee_id"].isin(keep)].reset_index(drop=True)
    cases = c.cases[c.cases["employee_id"].isin(keep)].reset_index(drop=True) if len(c.cases) \
        else c.cases
    elig = c.eligibility[c.eligibility["employee_id"].isin(keep)].reset_index(drop=True)
    pairs = c.pairs
    if len(pairs):
        pairs = pairs[pairs["mentor_id"].isin(keep) | pairs["mentee_id"].isin(keep)]
    names = dict(zip(company.hierarchy["employee_id"], company.hierarchy["name"]))
    return LadderView(names, v, vio.due_plans(v, vcfg, as_of), cases, elig,
                      car.bench(elig, cases, ccfg), pairs.reset_index(drop=True), vcfg, ccfg,
                      len(keep) == 1 and next(iter(keep)) in out)


def manager_view(company: data.Company, viewer: Viewer | None, as_of: date | None = None
                 ) -> LadderView:
    """What a manager (or admin) sees: the people under them, not themself."""
    v = require(viewer, (TRAINEE, ADMIN))
    if not data.allowed_teams(company, v):
        raise AccessDenied("no teams are under you in the roster")
    ids = data.visible(company, v)
    ids = ids[ids != v.user]
    return _load(company, ids, as_of or date.today())


def trainee_view(company: data.Company, viewer: Viewer | None, as_of: date | None = None
                 ) -> LadderView:
    """What a trainee sees: their own violations, plan, tracks and mentoring; nobody else's."""
    v = require(viewer, (TRAINEE,))
    if v.employee_id not in set(company.hierarchy["employee_id"]):
        raise AccessDenied(f"{v.user} is not an active member of staff")
    return _load(company, np.array([v.employee_id], dtype=object), as_of or date.today())


def honour_board(company: data.Company, viewer: Viewer | None, loc: str,
                 as_of: date | None = None) -> pd.DataFrame:
    """The honour board as anyone signed in may see it (opt-outs and exclusions left out)."""
    if viewer is None:
        raise AccessDenied("not signed in")
    cfg = load_recognition_config(company.home.assessments_dir)
    with Session(company.home.engine) as s:
        _all, board = recognition_store.load(s, cfg, as_of or date.today())
    names = dict(zip(company.hierarchy["employee_id"], company.hierarchy["name"]))
    return views.board_table(board, cfg, names, loc)


# --- presentation -----------------------------------------------------------------------------


def _note(text: str) -> w.HTML:
    return w.HTML(f"<div class='academy-note'>{html.escape(text)}</div>")


def _section(title: str, frame: pd.DataFrame, loc: str) -> list:
    return [heading(f"{title} ({len(frame)})"),
            table(frame) if len(frame) else _note(t("nothing_here", loc))]


def _manager_body(view: LadderView, loc: str) -> w.VBox:
    items = _section(t("plans_due", loc), views.due_table(view.due, view.names, loc), loc)
    open_v = view.violations[view.violations["state"].isin([vio.OPEN, vio.PLAN])]
    items += _section(t("open_violations", loc),
                      views.violations_table(open_v, view.vcfg, view.names, loc), loc)
    open_c = view.cases[view.cases["open"]] if len(view.cases) else view.cases
    items += _section(t("promotion_cases", loc),
                      views.cases_table(open_c, view.ccfg, view.names, loc), loc)
    items += [heading(t("talent_pipeline", loc)), table(views.bench_table(view.bench, view.ccfg,
                                                                          loc))]
    items += _section(t("mentoring", loc), views.pairs_table(view.pairs, view.names, loc), loc)
    return w.VBox(items)


def honour_choice(company: data.Company, viewer: Viewer, loc: str, opted_out: bool) -> w.VBox:
    """The trainee's own switch: appear on the honour board or not (recorded as an event, by the
    viewer the server authenticated; nobody can switch it for someone else here)."""
    box = w.Checkbox(value=not opted_out, description=t("show_on_board", loc), indent=False)
    note = _note(t("honour_opted_out" if opted_out else "honour_shown", loc))

    def changed(change) -> None:
        with company.home.transaction() as s:
            recognition_store.set_honour_choice(s, viewer.employee_id, bool(change["new"]),
                                                viewer.employee_id, "chosen on the dashboard")
        note.value = _note(t("honour_shown" if change["new"] else "honour_opted_out",
                             loc)).value

    box.observe(changed, names="value")
    return w.VBox([box, note])


def _trainee_body(view: LadderView, loc: str) -> w.VBox:
    items = _section(t("my_violations", loc),
                     views.violations_table(view.violations, view.vcfg, view.names, loc), loc)
    items += _section(t("my_tracks", loc), views.eligibility_table(view.eligibility, view.ccfg,
                                                                   loc), loc)
    items += _section(t("mentoring", loc), views.pairs_table(view.pairs, view.names, loc), loc)
    return w.VBox(items)


def manager_panel(company: data.Company, viewer: str | None = None, lang: str | None = None,
                  as_of: date | None = None):
    """The manager dashboard's panel: plans due, violations, pipeline, 梯队, mentoring."""
    loc = resolve_locale(company, lang)
    v = resolve_viewer(viewer)
    if v is None:
        return _notice(t("not_signed_in", loc), "#b42318")
    return page_panel(lambda: w.VBox([heading(t("careers_title", loc), 2),
                                   _manager_body(manager_view(company, v, as_of), loc)]), loc)


def trainee_panel(company: data.Company, viewer: str | None = None, lang: str | None = None,
                  as_of: date | None = None):
    """The trainee dashboard's panel: my violations and plan, my tracks, my mentoring."""
    loc = resolve_locale(company, lang)
    v = resolve_viewer(viewer)
    if v is None:
        return _notice(t("not_signed_in", loc), "#b42318")
    def build():
        view = trainee_view(company, v, as_of)
        return w.VBox([heading(t("my_careers_title", loc), 2), _trainee_body(view, loc),
                       honour_choice(company, v, loc, view.opted_out)])

    return guarded(build, loc)


def honour_board_panel(company: data.Company, viewer: str | None = None, lang: str | None = None,
                       as_of: date | None = None, manager_page: bool = False):
    """The honour board page (both dashboards). On the manager dashboard (`manager_page`) it is
    drawn only for a viewer who may see that dashboard: a trainee who opens the manager page
    learns nothing there, not even the board."""
    loc = resolve_locale(company, lang)
    v = resolve_viewer(viewer)
    if v is None:
        return _notice(t("not_signed_in", loc), "#b42318")

    def build():
        if manager_page and not data.allowed_teams(company, v):
            raise AccessDenied("no teams are under this viewer in the roster")
        return w.VBox(_section(t("honour_board", loc), honour_board(company, v, loc, as_of), loc))

    # deferred on the manager page only: the trainee page is light, its panels are built at once
    return page_panel(build, loc) if manager_page else guarded(build, loc)
