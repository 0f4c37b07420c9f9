"""The three dashboards as ipywidgets, built from dashboards.data (who may see what) and
dashboards.charts (figures). The notebooks only call `preload`, `wait_for_request` and one
`*_dashboard` function.

Errors never reach the page as tracebacks: AccessDenied shows a short notice, anything else a
generic message, with the traceback written to the server log (the kernel's own stderr).
"""

from __future__ import annotations

import base64
import html
import os
import sys
import tempfile
import traceback
from pathlib import Path
from urllib.parse import parse_qs

import ipywidgets as w
import pandas as pd
from IPython.display import display

from dashboards import charts, data
from dashboards.access import (ADMIN, TRAINEE, TRAINER, AccessDenied, Viewer, require,
                               viewer_from_env)
from dashboards.labels import t
from graders.competencies import CODES, competency_name

STYLE = """<style>
.academy-table {border-collapse: collapse; font-size: 12px; margin: 4px 0 12px 0;}
.academy-table th {background: #edf2f7; text-align: left; padding: 4px 8px;}
.academy-table td {border-top: 1px solid #e2e8f0; padding: 3px 8px;}
.academy-head {font-size: 20px; font-weight: 600; margin: 4px 0;}
.academy-sub {color: #4a5568; margin-bottom: 8px;}
.academy-kpi {display: inline-block; margin: 0 24px 8px 0;}
.academy-kpi b {font-size: 26px; display: block;}
.academy-note {color: #718096; font-size: 12px;}
.academy-warn {color: #b7791f;}
</style>"""
#: above this many people the drill-down takes a typed employee id instead of a list
PICKER_LIMIT = 500
#: logged by every kernel once its data is loaded (dashboards.bench waits for it)
PRELOADED = "academy: dashboard data preloaded in kernel"
HALF = dict(width="49%", min_width="400px")


# --- set-up -----------------------------------------------------------------------------------


def preload(home=None) -> data.Company:
    """Load the company (roster, cycles, the latest results) before anyone asks: in a preheated
    kernel this runs before the request arrives, off the critical path."""
    company = data.load_company(home)
    graded = data.graded_cycles(company)
    if graded:
        data.cycle_data(company, graded[-1])
        data.trend_frame(company)
        data.flags(company, graded[-1])
    _give_back_memory()
    # to the server log (the kernel's own stderr), never to the page: lets tools see warm kernels
    print(f"{PRELOADED} {os.getpid()}", file=sys.__stderr__, flush=True)
    return company


def _give_back_memory() -> None:
    """Return the loading's freed heap to the system (glibc keeps it otherwise)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def wait_for_request() -> None:
    """In a preheated Voila kernel: wait until the request (and the viewer) is known."""
    if os.environ.get("VOILA_PREHEAT") == "True":
        from voila.utils import wait_for_request as _wait

        _wait()


def resolve_viewer(param: str | None = None) -> Viewer | None:
    """The viewer: a notebook parameter when run headless (tests), else the server's identity."""
    if param:
        return Viewer(param)
    return viewer_from_env()


def resolve_locale(company: data.Company, lang: str | None = None) -> str:
    """`lang` if given, else `?lang=zh|en` in the address (a display preference, not identity),
    else the home's locale."""
    if lang in ("en", "zh"):
        return lang
    q = parse_qs(os.environ.get("QUERY_STRING", "")).get("lang", [""])[-1]
    return q if q in ("en", "zh") else company.locale


def _log_exception() -> None:
    # the kernel's real stderr goes to the server log, never to the page
    traceback.print_exc(file=sys.__stderr__)


def _notice(text: str, colour: str = "#4a5568") -> w.HTML:
    return w.HTML(f"{STYLE}<div class='academy-notice' style='color:{colour};font-size:15px;"
                  f"margin:16px'>{html.escape(text)}</div>")


def guarded(build, loc: str):
    """Run a builder; AccessDenied and errors become a short notice (no traceback)."""
    try:
        return build()
    except AccessDenied:
        return _notice(t("no_access", loc), "#b42318")
    except Exception:  # noqa: BLE001 - shown as a generic message, logged in full
        _log_exception()
        return _notice(t("error", loc), "#b42318")


# --- small building blocks -----------------------------------------------------------------------


def chart(fig: charts.Chart) -> w.HTML:
    """A chart drawn by dashboards.charts: its SVG, shown as it is (no chart library needed)."""
    return w.HTML(fig.svg, layout=w.Layout(overflow="hidden"))


def _cell(v) -> str:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        return ""
    return html.escape(f"{v:.2f}" if isinstance(v, float) else str(v))


def table(frame: pd.DataFrame, max_rows: int = 200) -> w.HTML:
    """The first `max_rows` rows as an HTML table (escaped; floats with two decimals; missing
    values empty), written directly: pandas' to_html took a quarter of the build for 10,000."""
    shown = frame.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    cols = [[_cell(v) for v in shown[c].tolist()] for c in shown.columns] if len(shown.columns) \
        else []
    rows = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>" for r in zip(*cols))
    more = (f"<div class='academy-note'>… {len(frame) - max_rows} more</div>"
            if len(frame) > max_rows else "")
    return w.HTML(f"<table class='academy-table'><thead><tr>{head}</tr></thead>"
                  f"<tbody>{rows}</tbody></table>{more}")


def heading(text: str, level: int = 3) -> w.HTML:
    return w.HTML(f"<h{level} style='margin:14px 0 4px 0'>{html.escape(text)}</h{level}>")


def row(*items) -> w.HBox:
    for it in items:
        it.layout = w.Layout(**HALF)
    return w.HBox(list(items), layout=w.Layout(flex_flow="row wrap", width="100%"))


def _band_names(schemes: dict, loc: str) -> dict[str, str]:
    return {code: (zh if loc == "zh" else en) for code, en, zh in charts.band_order(schemes)}


def _state(state: str, loc: str) -> str:
    return t(state, loc) if state in ("published", "draft", "reopened") else state


def header(title_key: str, viewer: Viewer, loc: str, extra: str = "") -> w.HTML:
    return w.HTML(f"{STYLE}<div class='academy-head'>{html.escape(t(title_key, loc))}</div>"
                  f"<div class='academy-sub'>{html.escape(t('signed_in_as', loc))}: "
                  f"<b class='academy-viewer'>{html.escape(viewer.user)}</b>{extra}</div>")


# --- manager ----------------------------------------------------------------------------------


def manager_dashboard(company: data.Company, viewer: str | None = None, lang: str | None = None,
                      progressive: bool | None = None):
    """The manager's dashboard for the viewer. `progressive` (default: when served by Voila)
    returns a placeholder at once and builds the panels right after the cell ends, in the
    kernel's own event loop: Voila finishes the page without waiting for the build, and the
    browser loads its scripts while the kernel builds (the panels appear when both are done).
    """
    import time

    start = time.perf_counter()
    loc = resolve_locale(company, lang)
    v = resolve_viewer(viewer)
    if v is None:
        return _notice(t("not_signed_in", loc), "#b42318")

    def build():
        widget = guarded(lambda: ManagerDashboard(company, v, loc).widget, loc)
        print(f"academy: manager dashboard built in {time.perf_counter() - start:.2f} s",
              file=sys.__stderr__, flush=True)
        return widget

    if progressive is None:
        progressive = bool(os.environ.get("VOILA_KERNEL_ID"))
    if not progressive:
        return build()
    holder = w.VBox([w.HTML(f"{STYLE}<div class='academy-note academy-loading'>"
                            f"{html.escape(t('loading', loc))}</div>")])

    def fill():
        holder.children = [build()]

    after_cell(fill)
    return holder


def after_cell(fn) -> None:
    """Run `fn` in the kernel's event loop once the running cell has ended (at once when there
    is no running loop). The kernel answers nothing else meanwhile, so a browser asking for the
    widgets' state gets the finished dashboard, never half of it."""
    import asyncio

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        fn()
        return
    loop.call_later(0.01, fn)


class ManagerDashboard:
    """Pickers (cycle, teams, role) and every panel of the manager's view, redrawn on change."""

    def __init__(self, company: data.Company, viewer: Viewer, loc: str):
        require(viewer, (TRAINEE, ADMIN))
        self.company, self.viewer, self.loc = company, viewer, loc
        teams = data.allowed_teams(company, viewer)
        if not teams:
            raise AccessDenied("no teams under this viewer")
        cycles = data.graded_cycles(company)
        if not cycles:
            self.widget = w.VBox([header("manager_title", viewer, loc),
                                  _notice(t("no_grades", loc))])
            return
        self.cycle = w.Dropdown(options=cycles, value=cycles[-1], description=t("cycle", loc))
        self.teams = w.SelectMultiple(options=teams, value=tuple(teams), rows=min(6, len(teams)),
                                      description=t("teams", loc))
        roles = sorted(company.hierarchy.loc[company.hierarchy["team"].isin(teams),
                                             "role_code"].unique())
        self.role = w.Dropdown(options=[(t("all_roles", loc), "")] + [(r, r) for r in roles],
                               value="", description=t("role", loc))
        for c in (self.cycle, self.teams, self.role):
            c.observe(lambda _ch: self.redraw(), names="value")
        self.body = w.VBox()
        self.widget = w.VBox([header("manager_title", viewer, loc),
                              w.HBox([self.cycle, self.teams, self.role]), self.body])
        self.redraw()

    def redraw(self) -> None:
        self.body.children = [guarded(self._panels, self.loc)]

    def _panels(self) -> w.VBox:
        loc = self.loc
        sl = data.manager_slice(self.company, self.viewer, self.cycle.value,
                                list(self.teams.value), self.role.value or None)
        self.slice = sl
        r, schemes = sl.result, sl.cycle.schemes
        res = r.results
        state = w.HTML(f"<div class='academy-sub academy-state'>{html.escape(t('state', loc))}: "
                       f"{html.escape(_state(sl.cycle.state, loc))} · {len(res)} "
                       f"{html.escape(t('people', loc))}</div>")
        team_prof = r.competencies.groupby("competency")["score"].mean()
        panels = [
            state,
            row(chart(charts.band_distribution(res, schemes, loc)),
                chart(charts.score_distribution(res, loc))),
            row(chart(charts.radar({t("selection", loc): team_prof,
                                    t("company", loc): sl.company_profile}, loc)),
                chart(charts.trend(sl.trend, loc))),
            chart(charts.competency_heatmap(r.competencies, res, loc)),
            row(chart(charts.component_breakdown(r.components, res, loc)),
                chart(charts.training_needs(r.training, loc))),
            row(w.VBox([heading(t("awards_title", loc)), self._awards(r)]),
                w.VBox([heading(t("health", loc)), self._checks(r)])),
            heading(t("pay_title", loc)), self._pay(res),
            heading(t("quality", loc)), self._quality(sl),
            heading(t("drilldown", loc)), self._drilldown(res),
            self._download(),
            heading(t("what_if", loc)), self._what_if(res),
        ]
        return w.VBox(panels)

    def _awards(self, r) -> w.HTML:
        loc = self.loc
        if r.awards.empty:
            return w.HTML(f"<div class='academy-note'>-</div>")
        names = r.results.set_index("employee_id")["name"]
        a = r.awards.assign(name=r.awards["employee_id"].map(names).fillna(""))
        a["kind"] = a["kind"].map(lambda k: t(k, loc))
        a = a[["kind", "employee_id", "name", "team", "score", "rank"]]
        a.columns = [t(c, loc) for c in a.columns]
        return table(a)

    def _checks(self, r) -> w.HTML:
        c = r.checks[["family", "level", "message"]].copy()
        c.columns = [t("family", self.loc), t("status", self.loc), t("checks", self.loc)]
        return table(c)

    def _pay(self, res: pd.DataFrame) -> w.HTML:
        cols = ["employee_id", "name", "team", "final_score", "kpi", "reference_pay", "base_pay",
                "performance_pay", "total_pay"]
        p = res[cols].sort_values(["team", "employee_id"])
        p.columns = [t(c, self.loc) for c in cols]
        return table(p)

    def _quality(self, sl: data.ManagerSlice) -> w.VBox:
        loc = self.loc
        comp = sl.result.components
        weak = comp[comp["status"].isin(["insufficient", "missing"])]
        counts = weak.groupby(["component", "status"]).size().reset_index(name="n")
        parts = []
        if len(sl.flags):
            f = sl.flags.copy()
            f.columns = [t(c, loc) if c != "detail" else t("reason", loc) for c in f.columns]
            parts.append(table(f))
        if len(counts):
            counts["component"] = counts["component"].map(lambda c: charts.component_label(c, loc))
            counts["status"] = counts["status"].map(lambda s: t(s, loc))
            counts.columns = [t("component", loc), t("status", loc), t("people", loc)]
            parts += [w.HTML(f"<b>{html.escape(t('insufficient_counts', loc))}</b>"),
                      table(counts)]
        return w.VBox(parts or [w.HTML(f"<div class='academy-note'>{t('no_warnings', loc)}</div>")])

    def _drilldown(self, res: pd.DataFrame) -> w.VBox:
        loc = self.loc
        out = w.VBox()
        if len(res) <= PICKER_LIMIT:
            opts = [(f"{n} ({e}, {tm})", e) for e, n, tm in
                    zip(res["employee_id"], res["name"], res["team"])]
            pick = w.Dropdown(options=[("-", "")] + opts, value="",
                              description=t("person", loc))
        else:  # a list of thousands helps nobody and weighs on the page: type the id instead
            pick = w.Text(value="", placeholder=t("employee_id", loc), continuous_update=False,
                          description=t("person", loc))

        def show(_ch=None):
            emp = (pick.value or "").strip()
            if not emp:
                out.children = []
                return
            out.children = [guarded(lambda: self._person(emp), loc)]

        pick.observe(show, names="value")
        self.person_picker, self.person_out = pick, out
        return w.VBox([pick, out])

    def _person(self, employee_id: str) -> w.VBox:
        loc = self.loc
        p = data.person(self.company, self.viewer, self.cycle.value, employee_id)
        me = p.results.iloc[0]
        bands = _band_names(self.slice.cycle.schemes, loc)
        head = w.HTML(
            f"<div class='academy-kpi'>{t('final_score', loc)}<b>{me['final_score']:.1f}</b></div>"
            f"<div class='academy-kpi'>{t('band', loc)}<b>{html.escape(bands.get(me['band'], str(me['band'])))}</b></div>"
            f"<div class='academy-kpi'>{t('rank_team', loc)}<b>{me['rank_team']} / {me['team_size']}</b></div>")
        prof = p.competencies.set_index("competency")
        items = [head, row(chart(charts.person_components(p.components, loc, "components")),
                           chart(charts.radar({me["name"]: prof["score"],
                                               t("team_mean", loc): prof["team_mean"]}, loc,
                                              "my_radar")))]
        if len(p.training):
            tr = p.training[["competency", "score", "team_mean", "modules", "due_on"]].copy()
            tr["competency"] = tr["competency"].map(lambda c: competency_name(c, loc))
            tr.columns = [t(c, loc) for c in tr.columns]
            items += [heading(t("training", loc), 4), table(tr)]
        return w.VBox(items)

    def _download(self) -> w.VBox:
        loc = self.loc
        button = w.Button(description=t("download", loc), layout=w.Layout(width="auto"))
        link = w.HTML()

        def make(_b=None):
            try:
                link.value = self._workbook_link()
            except Exception:  # noqa: BLE001
                _log_exception()
                link.value = html.escape(t("error", loc))

        button.on_click(make)
        return w.HBox([button, link])

    def _workbook_link(self) -> str:
        from sqlalchemy.orm import Session

        from graders.exports import role_names, write_workbook

        sl = self.slice
        with Session(self.company.home.engine) as s:
            names = role_names(s, self.loc)  # role names, as the command line's export shows
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"grades_{sl.cycle.name}.xlsx"
            write_workbook(sl.result, sl.cycle.schemes, path, self.loc, sl.cycle.name,
                           {"state": sl.cycle.state, "teams": ", ".join(sl.teams),
                            "for": self.viewer.user}, names)
            payload = base64.b64encode(path.read_bytes()).decode()
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return (f"<a class='academy-download' download='grades_{sl.cycle.name}.xlsx' "
                f"href='data:{mime};base64,{payload}'>grades_{sl.cycle.name}.xlsx</a>")

    def _what_if(self, res: pd.DataFrame) -> w.VBox:
        loc = self.loc
        schemes = self.slice.cycle.schemes
        present = set(res["family"])
        fams = [f for f in schemes if f in present] or list(schemes)
        if not fams:
            return w.VBox()
        fam = w.Dropdown(options=fams, value=fams[0], description=t("family", loc))
        sliders = w.VBox()
        result = w.VBox()

        def build_sliders(_ch=None):
            sch = schemes[fam.value]
            ss = []
            for comp, rule in sch.components.items():
                s = w.FloatSlider(value=round(rule.weight, 2), min=0, max=1, step=0.05,
                                  description=charts.component_label(comp, loc),
                                  continuous_update=False, readout_format=".2f",
                                  style={"description_width": "160px"},
                                  layout=w.Layout(width="480px"))
                s.component = comp
                s.observe(recompute, names="value")
                ss.append(s)
            sliders.children = ss
            result.children = []

        def recompute(_ch=None):
            weights = {fam.value: {s.component: s.value for s in sliders.children}}
            result.children = [guarded(lambda: self._what_if_result(weights), loc)]

        fam.observe(build_sliders, names="value")
        build_sliders()
        self.what_if_sliders = sliders
        self.what_if_result = result
        return w.VBox([w.HTML(f"<div class='academy-note'>{t('what_if_note', loc)}</div>"),
                       fam, sliders, result])

    def _what_if_result(self, weights) -> w.VBox:
        loc = self.loc
        diff, _res = data.what_if(self.company, self.viewer, self.cycle.value, weights)
        diff = diff[diff["employee_id"].isin(self.slice.ids)]
        if diff.empty:
            return w.HTML(f"<div class='academy-whatif'>{t('no_change', loc)}</div>")
        bands = _band_names(self.slice.cycle.schemes, loc)
        d = diff.copy()
        for c in ("before_band", "after_band"):
            d[c] = d[c].map(lambda b: bands.get(b, b))
        return w.VBox([w.HTML(f"<div class='academy-whatif'><b>{len(d)}</b> "
                              f"{html.escape(t('changes', loc))}</div>"), table(d)])


# --- trainee ----------------------------------------------------------------------------------


def trainee_dashboard(company: data.Company, viewer: str | None = None, lang: str | None = None):
    loc = resolve_locale(company, lang)
    v = resolve_viewer(viewer)
    if v is None:
        return _notice(t("not_signed_in", loc), "#b42318")
    return guarded(lambda: _trainee(company, v, loc), loc)


def _trainee(company: data.Company, viewer: Viewer, loc: str) -> w.VBox:
    rep = data.trainee_report(company, viewer)
    sub = f" · {html.escape(rep.name)} · {html.escape(rep.team)}"
    items = [header("trainee_title", viewer, loc, sub)]
    if rep.result is None or rep.result.results.empty:
        return w.VBox(items + [_notice(t("no_grades", loc))])
    me = rep.result.results.iloc[0]
    bands = _band_names(rep.schemes, loc)
    score = "-" if pd.isna(me["final_score"]) else f"{me['final_score']:.1f}"
    items.append(w.HTML(
        f"<div class='academy-kpi'>{t('cycle', loc)}<b>{html.escape(rep.cycle)}</b></div>"
        f"<div class='academy-kpi'>{t('final_score', loc)}<b class='academy-score'>{score}</b></div>"
        f"<div class='academy-kpi'>{t('band', loc)}<b>{html.escape(bands.get(me['band'], str(me['band'])))}</b></div>"
        f"<div class='academy-kpi'>{t('rank_team', loc)}<b>{me['rank_team']} / {me['team_size']}</b></div>"))
    mine = rep.result.competencies.set_index("competency")["score"]
    team = rep.team_profile.set_index("competency")["score"]
    items.append(row(chart(charts.person_components(rep.result.components, loc)),
                     chart(charts.radar({t("me", loc): mine, t("team_mean", loc): team}, loc,
                                        "my_radar"))))
    if len(rep.peer):
        p = rep.peer.copy()
        p["competency"] = p["competency"].map(lambda c: competency_name(c, loc))
        p.columns = [t("competency", loc), t("score", loc), t("n", loc)]
        items += [heading(t("peer", loc)),
                  w.HTML(f"<div class='academy-note'>{t('peer_note', loc)}</div>"), table(p)]
    items += [heading(t("exam_feedback", loc)), _exam_feedback(company, viewer, loc)]
    items += [heading(t("my_plan", loc)), _plan(rep, loc)]
    items += [heading(t("my_progress", loc)), _progress(company, viewer, loc)]
    return w.VBox(items)


def _exam_feedback(company: data.Company, viewer: Viewer, loc: str) -> w.HTML:
    from dashboards.exams import my_exam_results

    f = my_exam_results(company.home, viewer.employee_id)
    if f.empty:
        return w.HTML("<div class='academy-note'>-</div>")
    f["competency"] = f["competency"].map(lambda c: competency_name(c, loc) if c in CODES else c)
    f.columns = [t(c, loc) for c in f.columns]
    return table(f)


def _lab_link(module_key: str, loc: str) -> str:
    course, _, module = module_key.strip().partition("/")
    base = os.environ.get("ACADEMY_LAB_URL", "")
    suffix = ".zh.ipynb" if loc == "zh" else ".ipynb"
    label = html.escape(module_key.strip())
    if not base:
        return label
    return (f"<a href='{html.escape(base)}lab/tree/courses/{html.escape(course)}/"
            f"{html.escape(module)}{suffix}' target='_blank'>{label}</a>")


def _plan(rep: data.TraineeReport, loc: str) -> w.HTML:
    tr = rep.result.training
    if tr.empty:
        return w.HTML("<div class='academy-note'>-</div>")
    rows = []
    for _, r in tr.iterrows():  # a handful of rows: one person's plan
        links = ", ".join(_lab_link(m, loc) for m in str(r["modules"]).split(";") if m.strip())
        rows.append(f"<tr><td>{html.escape(competency_name(r['competency'], loc))}</td>"
                    f"<td>{r['score']:.1f}</td><td>{r['team_mean']:.1f}</td><td>{links}</td>"
                    f"<td>{html.escape(str(r['due_on']))}</td></tr>")
    head = "".join(f"<th>{html.escape(t(c, loc))}</th>" for c in
                   ("competency", "score", "team_mean", "modules", "due_on"))
    return w.HTML(f"<table class='academy-table academy-plan'><tr>{head}</tr>{''.join(rows)}"
                  f"</table>")


def _progress(company: data.Company, viewer: Viewer, loc: str) -> w.HTML:
    from dashboards.courses import my_progress

    p = my_progress(company.home, viewer.employee_id, loc)
    p["status"] = p["status"].map(lambda s: t(s, loc))
    p.columns = [t("course", loc), t("module", loc), t("progress_status", loc)]
    return table(p)


# --- trainer ----------------------------------------------------------------------------------


def trainer_dashboard(company: data.Company, viewer: str | None = None, lang: str | None = None):
    loc = resolve_locale(company, lang)
    v = resolve_viewer(viewer)
    if v is None:
        return _notice(t("not_signed_in", loc), "#b42318")
    return guarded(lambda: _trainer(company, v, loc), loc)


def _trainer(company: data.Company, viewer: Viewer, loc: str) -> w.VBox:
    from dashboards import exams

    require(viewer, (TRAINER, ADMIN))
    items = [header("trainer_title", viewer, loc)]
    prog = exams.grading_progress(company.home)
    items.append(heading(t("grading_progress", loc)))
    if len(prog):
        items.append(chart(exams.progress_figure(prog, loc)))
        shown = prog.copy()
        shown.columns = [t(c, loc) for c in shown.columns]
        items.append(table(shown))
    else:
        items.append(w.HTML(f"<div class='academy-note'>{t('nothing_yet', loc)}</div>"))
    items.append(heading(t("item_analysis", loc)))
    items.append(table(exams.items_to_fix(company.home, loc)))
    cycles = list(company.cycles["name"])
    if cycles:
        scen, raters = exams.practical_agreement(company.home, cycles[-1])
        items += [heading(t("agreement", loc)), row(
            chart(charts.bars(list(scen["rubric"]), [round(a, 2) for a in scen["alpha"]],
                              t("alpha", loc), loc, t("alpha", loc))),
            chart(charts.bars(list(raters["rater_id"]), [round(b, 1) for b in raters["bias"]],
                              t("rater_effects", loc), loc, t("effect", loc), "#dd6b20")))]
        s2 = scen.copy()
        s2.columns = [t(c, loc) if c != "rubric" else t("scenario", loc) for c in s2.columns]
        r2 = raters.copy()
        r2.columns = [t(c, loc) if c != "rater_id" else t("trainer", loc) for c in r2.columns]
        items.append(row(table(s2), table(r2)))
    items += [heading(t("scoring_form", loc)), _scoring_form(company, viewer, loc)]
    return w.VBox(items)


def _scoring_form(company: data.Company, viewer: Viewer, loc: str):
    from graders.forms import PracticalScoringForm

    from academy.errors import AcademyError

    who = viewer.user.split(":", 1)[-1]
    try:
        return PracticalScoringForm(company.home, trainer=who).widget
    except AcademyError as exc:  # e.g. the open cycle is published: say so, in the form's place
        return w.HTML(f"<div class='academy-note'>{html.escape(str(exc))}</div>")
    except Exception:  # noqa: BLE001
        _log_exception()
        return _notice(t("error", loc), "#b42318")
