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
from urllib.parse import parse_qs, quote

import ipywidgets as w
import pandas as pd

from core.competencies import CODES, competency_name
from dashboards import attention, charts, data, management_panel, phrases
from dashboards.access import (
    ADMIN,
    TRAINEE,
    TRAINER,
    AccessDenied,
    Viewer,
    require,
    viewer_from_env,
    visible_ids,
)
from dashboards.labels import t

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
.academy-table th {white-space: nowrap; vertical-align: bottom;}
.academy-table td {vertical-align: top;}
.academy-attention {margin: 6px 0 10px 0;}
.academy-card-head {font-size: 16px; font-weight: 600; margin: 6px 0;}
.academy-card {display: inline-block; vertical-align: top; width: 46%; min-width: 380px;
  margin: 0 12px 10px 0; padding: 6px 12px; background: #f7fafc; border-radius: 4px;
  font-size: 13px; line-height: 1.5;}
.academy-card ul {margin: 2px 0; padding-left: 18px;}
.academy-card-title {font-weight: 600; margin-bottom: 2px;}
.academy-card-title .academy-count {font-size: 20px; margin-left: 8px;}
.academy-badge {font-weight: 600;}
a.academy-link, .academy-plan a {color: #2b6cb0; text-decoration: underline; cursor: pointer;}
.academy-options {margin: 0; padding-left: 16px;}
.academy-key {color: #2f855a; font-weight: 600;}
.academy-items td:last-child, .academy-items td:nth-last-child(-n+4) {white-space: nowrap;}
</style>"""
#: above this many people the drill-down takes a typed employee id instead of a list
PICKER_LIMIT = 500
#: people per page of the staff x competency grid
HEATMAP_PAGE = 40
#: logged by every kernel once its data is loaded (academy.bench.dashboards waits for it)
PRELOADED = "academy: dashboard data preloaded in kernel"
HALF = dict(width="49%", min_width="400px")


# --- set-up -----------------------------------------------------------------------------------


def preload(home=None, page: str = "manager") -> data.Company:
    """Load what every page needs before anyone asks (in a preheated kernel this runs before the
    request arrives, off the critical path): the roster, the cycles, the latest run's head,
    flags and company means. People's results are read once the viewer is known, and only
    theirs (dashboards.data.teams_result), so a kernel stays small and a cold one is quick."""
    from dashboards.kernel_errors import keep_errors_off_the_page

    keep_errors_off_the_page()  # a crafted widget message gets no traceback back
    company = data.load_company(home)
    graded = data.graded_cycles(company)
    if graded:
        data.cycle_head(company, graded[-1])
        data.company_profile(company, graded[-1])
        data.flags(company, graded[-1])  # stored with the run: one small query
    published = data.graded_cycles(company, published_only=True)
    if page == "trainee" and published:
        data.peer_table(company, published[-1])  # peer aggregates: a whole cycle's reviews
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
    from dashboards.kernel_query import wait_for_request as _wait

    _wait()  # with the kernel's one-time secret: Voila's open socket is refused
    if os.environ.get("VOILA_PREHEAT") == "True":
        # preheated before the request: a grade run or roster change since then is shown
        for company in list(data._COMPANIES.values()):
            data.refresh_if_changed(company)


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


def _num(v) -> str:
    """A score with one decimal, or '-' when there is none (an incomplete result)."""
    return "-" if v is None or pd.isna(v) else f"{float(v):.1f}"


def _rank(me) -> str:
    """'rank / graded in team', or '-' for a person without a rank (an incomplete result)."""
    if pd.isna(me["rank_team"]):
        return "-"
    return f"{int(me['rank_team'])} / {int(me['team_size'])}"


def _band_names(schemes: dict, loc: str) -> dict[str, str]:
    return {code: (zh if loc == "zh" else en) for code, en, zh in charts.band_order(schemes)}


def _state(state: str, loc: str) -> str:
    return t(state, loc) if state in ("published", "draft", "reopened") else state


def viewer_name(company: data.Company, viewer: Viewer, loc: str) -> str:
    """How the page names its viewer: a roster person by name, a trainer or an administrator
    by their login name and what they are (never a bare employee id)."""
    if viewer.kind == TRAINER:
        return f"{viewer.user.split(':', 1)[-1]} ({t('trainer', loc)})"
    if viewer.kind == ADMIN:
        return f"{viewer.user.split(':', 1)[-1]} ({t('administrator', loc)})"
    h = company.hierarchy
    found = h.loc[h["employee_id"] == viewer.user, "name"]
    return str(found.iloc[0]) if len(found) else viewer.user


def header(title_key: str, viewer: Viewer, loc: str, extra: str = "",
           company: data.Company | None = None) -> w.HTML:
    who = viewer_name(company, viewer, loc) if company is not None else viewer.user
    return w.HTML(f"{STYLE}<div class='academy-head'>{html.escape(t(title_key, loc))}</div>"
                  f"<div class='academy-sub'>{html.escape(t('signed_in_as', loc))}: "
                  f"<b class='academy-viewer' data-user='{html.escape(viewer.user)}'>"
                  f"{html.escape(who)}</b>{extra}</div>")


# --- manager ----------------------------------------------------------------------------------


def manager_dashboard(company: data.Company, viewer: str | None = None, lang: str | None = None,
                      progressive: bool | None = None):
    """The manager's dashboard for the viewer. `progressive` (default: when served by Voila)
    returns a placeholder at once and builds the panels after the page's last cell, in the
    kernel's own event loop (`deferred`): Voila finishes the page without waiting for the build,
    and the browser loads its scripts while the kernel builds (the panels appear when both are
    done)."""
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

    return deferred(build, loc, progressive)


def served() -> bool:
    """Is this kernel rendering a page for Voila (rather than a test or a headless run)?"""
    return bool(os.environ.get("VOILA_KERNEL_ID"))


#: (placeholder, build) of the page's panels not built yet (`deferred`)
_PENDING: list[tuple[w.VBox, object]] = []
#: when the kernel last ended a cell (IPython's post_run_cell), and whether a build is scheduled
_QUIET = {"last": 0.0, "scheduled": False, "hooked": False}
#: no cell for this long: Voila has sent the page's last cell and is finishing the page
QUIET_SECONDS = 0.1


def deferred(build, loc: str, progressive: bool | None = None) -> w.Widget:
    """A panel of a served page: a loading placeholder at once, `build()`'s widget in it once the
    page's LAST cell has ended (no cell for QUIET_SECONDS), every pending panel in one go in the
    kernel's event loop. Voila finishes and sends the page without waiting for any panel; the
    browser loads its scripts meanwhile, and when it asks for the widgets' state the kernel,
    which answers nothing else while it builds, gives it the finished page, never half of it.
    Not served (`progressive` False: tests, headless runs): `build()` at once."""
    import time

    if progressive is None:
        progressive = served()
    if not progressive:
        return build()
    holder = w.VBox([w.HTML(f"{STYLE}<div class='academy-note academy-loading'>"
                            f"{html.escape(t('loading', loc))}</div>")])
    _PENDING.append((holder, build))
    _QUIET["last"] = time.monotonic()
    if not _QUIET["hooked"]:
        try:
            from IPython import get_ipython

            shell = get_ipython()
        except ImportError:
            shell = None
        if shell is not None:
            shell.events.register("post_run_cell",
                                  lambda *_a: _QUIET.update(last=time.monotonic()))
            _QUIET["hooked"] = True
    if not _QUIET["scheduled"]:
        _QUIET["scheduled"] = True
        after_cell(_build_when_quiet, QUIET_SECONDS)
    return holder


def _build_when_quiet() -> None:
    import asyncio
    import time

    wait = _QUIET["last"] + QUIET_SECONDS - time.monotonic()
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if wait > 0 and loop is not None:
        loop.call_later(wait, _build_when_quiet)
        return
    _QUIET["scheduled"] = False
    pending = list(_PENDING)
    _PENDING.clear()
    for holder, build in pending:
        holder.children = [build()]


def page_panel(build, loc: str) -> w.Widget:
    """A page's panel: `build()` guarded (graders' errors as a notice, never a traceback), built
    after the page's last cell when served (`deferred`)."""
    return deferred(lambda: guarded(build, loc), loc)


def after_cell(fn, delay: float = 0.01) -> None:
    """Run `fn` in the kernel's event loop `delay` seconds from now, once the running cell has
    ended (at once when there is no running loop). The kernel answers nothing else while `fn`
    runs."""
    import asyncio

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        fn()
        return
    loop.call_later(delay, fn)


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
            self.widget = w.VBox([header("manager_title", viewer, loc, company=company),
                                  _notice(t("no_grades", loc))])
            return
        self.cycle = w.Dropdown(options=cycles, value=cycles[-1], description=t("cycle", loc))
        self.teams = w.SelectMultiple(options=teams, value=tuple(teams), rows=min(6, len(teams)),
                                      description=t("teams", loc))
        h = company.hierarchy  # the roles of the people this viewer may see, nobody else's
        roles = sorted(h.loc[h["team"].isin(teams) & h["employee_id"].isin(
            list(visible_ids(h, viewer))), "role_code"].unique())
        self.role = w.Dropdown(options=[(t("all_roles", loc), "")] +
                               [(data.role_name(company, r, loc), r) for r in roles],
                               value="", description=t("role", loc))
        for c in (self.cycle, self.teams, self.role):
            c.observe(lambda _ch: self.redraw(), names="value")
        self.body = w.VBox()
        hint = (w.HTML(f"<div class='academy-note'>{html.escape(t('teams_hint', loc))}</div>")
                if len(teams) > 1 else w.HTML())
        self.widget = w.VBox([header("manager_title", viewer, loc, company=company),
                              w.HBox([self.cycle, self.teams, self.role]), hint, self.body])
        self.redraw()

    def redraw(self) -> None:
        self.body.children = [guarded(self._panels, self.loc)]

    def _state_line(self, sl: data.ManagerSlice, n: int) -> w.HTML:
        loc = self.loc
        return w.HTML(f"<div class='academy-sub academy-state'>{html.escape(t('state', loc))}: "
                      f"{html.escape(_state(sl.cycle.state, loc))} · {n} "
                      f"{html.escape(t('graded_people', loc))}</div>")

    def _empty_selection(self) -> w.VBox | None:
        """A page for a selection with nobody in it: no team chosen, or a role nobody in the
        teams holds a graded result for (managers and supervisors have no scheme by default)."""
        loc = self.loc
        if not self.teams.value:
            self.slice = None
            return w.VBox([_notice(t("no_one_selected", loc))])
        sl = data.manager_slice(self.company, self.viewer, self.cycle.value,
                                list(self.teams.value), self.role.value or None)
        self.slice = sl
        if len(sl.result.results):
            return None
        text = t("nobody_graded", loc)
        if self.role.value:
            text = t("not_graded_role", loc).format(
                role=data.role_name(self.company, self.role.value, loc))
        checks = sl.result.checks[sl.result.checks["check"] == "not_graded"]
        lines = [phrases.check_sentence(c, lv, m, f, loc, sl.cycle.schemes) for f, c, lv, m in
                 zip(checks["family"], checks["check"], checks["level"], checks["message"])]
        more = "".join(f"<div class='academy-note'>{html.escape(x)}</div>" for x in lines)
        return w.VBox([self._state_line(sl, 0), _notice(text),
                       w.HTML(f"<div style='margin:0 16px'>{more}</div>")])

    def _attention(self, sl: data.ManagerSlice) -> w.HTML:
        a = attention.summary(sl.result, sl.flags,
                              data.coaching_followups(self.company, sl.cycle.name))
        self.attention = a
        return w.HTML(attention.render(a, self.loc, sl.cycle.schemes,
                                       data.phrase_context(self.company, sl.ids),
                                       set(sl.teams)))

    def _heatmap(self, r, res: pd.DataFrame) -> w.VBox:
        """The staff x competency grid of everyone shown, weakest first, a page at a time."""
        loc, size = self.loc, HEATMAP_PAGE
        n = len(res)
        pages = max((n + size - 1) // size, 1)
        out = w.VBox()

        def label(p):
            return t("heatmap_page", loc).format(a=p * size + 1, b=min((p + 1) * size, n), n=n)

        pick = w.Dropdown(options=[(label(p), p) for p in range(pages)], value=0,
                          description=t("page", loc), layout=w.Layout(width="auto"))

        def show(_ch=None):
            out.children = [chart(charts.competency_heatmap(r.competencies, res, loc, size,
                                                            pick.value))]

        pick.observe(show, names="value")
        show()
        self.heatmap_pages = pick
        return w.VBox([pick, out] if pages > 1 else [w.HTML(
            f"<div class='academy-note'>{html.escape(label(0))}</div>"), out])

    def _panels(self) -> w.VBox:
        loc = self.loc
        empty = self._empty_selection()
        if empty is not None:
            return empty
        sl = self.slice
        r, schemes = sl.result, sl.cycle.schemes
        res = r.results
        team_prof = r.competencies.groupby("competency")["score"].mean()
        panels = [
            self._state_line(sl, len(res)),
            self._attention(sl),
            row(chart(charts.band_distribution(res, schemes, loc)),
                chart(charts.score_distribution(res, loc))),
            row(chart(charts.radar({t("selection", loc): team_prof,
                                    t("company", loc): sl.company_profile}, loc)),
                chart(charts.trend(sl.trend, loc))),
            self._heatmap(r, res),
            row(chart(charts.component_breakdown(r.components, res, loc)),
                chart(charts.training_needs(r.training, loc))),
            row(w.VBox([heading(t("awards_title", loc)), self._awards(r)]),
                w.VBox([heading(t("health", loc)), self._checks(r)])),
            heading(t("pay_title", loc)), self._pay(res),
            heading(t("quality", loc)), self._quality(sl),
            heading(t("fair_adjusted_title", loc)), self._adjusted(sl),
            heading(t("drilldown", loc)), self._drilldown(res),
            heading(t("team_course_progress", loc)), self._course_progress(sl),
            self._download(),
            heading(t("what_if", loc)), self._what_if(res),
        ]
        return w.VBox(panels)

    def _course_progress(self, sl: data.ManagerSlice) -> w.HTML:
        """The selection's progress through the course modules (training.progress)."""
        from dashboards.courses import team_progress

        h = self.company.hierarchy
        p = team_progress(self.company.home, sl.ids, dict(zip(h["employee_id"], h["name"])))
        p.columns = [t(c, self.loc) for c in p.columns]
        return w.HTML(f"<div class='academy-course-progress'>{table(p).value}</div>")

    def _awards(self, r) -> w.HTML:
        loc = self.loc
        if r.awards.empty:
            return w.HTML("<div class='academy-note'>-</div>")
        names = r.results.set_index("employee_id")["name"]
        a = r.awards.assign(name=r.awards["employee_id"].map(names).fillna(""))
        a["kind"] = a["kind"].map(lambda k: t(k, loc))
        a = a[["kind", "name", "team", "score", "rank"]]
        a.columns = [t(c, loc) for c in a.columns]
        return table(a)

    def _checks(self, r) -> w.HTML:
        loc, schemes = self.loc, self.slice.cycle.schemes
        c = r.checks
        shown = pd.DataFrame({
            t("family", loc): [phrases.family_name(f, loc, schemes) for f in c["family"]],
            t("status", loc): [t(lv, loc) for lv in c["level"]],
            t("checks", loc): [phrases.check_sentence(ch, lv, m, f, loc, schemes) for f, ch, lv, m
                               in zip(c["family"], c["check"], c["level"], c["message"])]})
        return table(shown)

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
            f, ctx, teams = sl.flags, data.phrase_context(self.company, sl.ids), set(sl.teams)
            parts.append(table(pd.DataFrame({
                t("kind", loc): [phrases.flag_kind(k, loc) for k in f["kind"]],
                t("source", loc): [charts.component_label(x, loc) for x in f["source"]],
                t("subject", loc): [phrases.flag_subject(k, x, subj, loc, ctx, teams) for k, x, subj
                                    in zip(f["kind"], f["source"], f["subject"])],
                t("detail", loc): [phrases.flag_detail(k, d, loc, ctx)
                                   for k, d in zip(f["kind"], f["detail"])]})))
        if len(counts):
            counts["component"] = counts["component"].map(lambda c: charts.component_label(c, loc))
            counts["status"] = counts["status"].map(lambda s: t(f"status_{s}", loc))
            counts.columns = [t("component", loc), t("status", loc), t("people", loc)]
            parts += [w.HTML(f"<b>{html.escape(t('insufficient_counts', loc))}</b>"),
                      table(counts)]
        return w.VBox(parts or [w.HTML(f"<div class='academy-note'>{t('no_warnings', loc)}</div>")])

    def _adjusted(self, sl: data.ManagerSlice) -> w.VBox:
        """Which practical scores of the people shown were adjusted for trainer severity, by how
        much, and whether the scheme graded on the fair score (from the results' provenance)."""
        from dashboards import fairness

        loc = self.loc
        tab, summ = fairness.adjusted_scores(sl.result.components, sl.result.results, loc)
        if not summ["n"]:
            return w.VBox([w.HTML(f"<div class='academy-note'>"
                                  f"{html.escape(t('fair_adjusted_none', loc))}</div>")])
        line = t("fair_adjusted_summary", loc).format(
            adjusted=summ["adjusted"], n=summ["n"], mean=f"{summ['mean_abs']:.1f}")
        return w.VBox([w.HTML(f"<div class='academy-note'>{html.escape(line)}</div>"), table(tab)])

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

        shown = set(res["employee_id"])

        def show(_ch=None):
            emp = (pick.value or "").strip()
            if not emp:
                out.children = []
                return
            if emp not in shown:  # a typed id that is not one of the people shown: say so
                out.children = [w.HTML(
                    f"<div class='academy-note academy-not-found'>"
                    f"{html.escape(t('person_not_found', loc))}</div>")]
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
            f"<div class='academy-kpi'>{t('final_score', loc)}<b>{_num(me['final_score'])}</b></div>"
            f"<div class='academy-kpi'>{t('band', loc)}<b>{html.escape(bands.get(me['band'], '-'))}</b></div>"
            f"<div class='academy-kpi'>{t('rank_team', loc)}<b>{_rank(me)}</b></div>")
        prof = p.competencies.set_index("competency")
        items = [head, row(chart(charts.person_components(p.components, loc, "components")),
                           chart(charts.radar({me["name"]: prof["score"],
                                               t("team_mean", loc): prof["team_mean"]}, loc,
                                              "my_radar")))]
        sch = self.slice.cycle.schemes.get(me["family"])  # a head's team figures, goals, talks
        items += management_panel.person_extras(
            self.company, self.viewer, self.cycle.value, employee_id, loc, me["family"],
            sch.management.targets if getattr(sch, "management", None) else None, heading, table)
        if len(p.training):
            tr = p.training[["competency", "score", "team_mean", "modules", "due_on"]].copy()
            tr["competency"] = tr["competency"].map(lambda c: competency_name(c, loc))
            titles = _module_titles(loc)
            tr["modules"] = tr["modules"].map(lambda ms: "; ".join(
                titles.get(m.strip(), m.strip()) for m in str(ms).split(";") if m.strip()))
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

        from graders.results.exports import role_names, write_workbook

        sl = self.slice
        with Session(self.company.home.engine) as s:
            names = role_names(s, self.loc)  # role names, as the command line's export shows
            extra = management_panel.workbook_sheets(s, self.company, self.viewer, sl, self.loc)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"grades_{sl.cycle.name}.xlsx"
            write_workbook(sl.result, sl.cycle.schemes, path, self.loc, sl.cycle.name,
                           {"state": sl.cycle.state, "teams": ", ".join(sl.teams),
                            "for": viewer_name(self.company, self.viewer, self.loc)},
                           names, extra)
            payload = base64.b64encode(path.read_bytes()).decode()
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return (f"<a class='academy-download academy-link' "
                f"download='grades_{sl.cycle.name}.xlsx' "
                f"href='data:{mime};base64,{payload}'>"
                f"{html.escape(t('workbook_ready', self.loc).format(cycle=sl.cycle.name))}</a>")

    def _what_if(self, res: pd.DataFrame) -> w.VBox:
        loc = self.loc
        schemes = self.slice.cycle.schemes
        present = set(res["family"])
        fams = [f for f in schemes if f in present] or list(schemes)
        if not fams:
            return w.VBox()
        fam = w.Dropdown(options=[(phrases.family_name(f, loc, schemes), f) for f in fams],
                         value=fams[0], description=t("family", loc))
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
            result.children = [self._weights_table({s.component: s.value for s in ss})]

        def recompute(_ch=None):
            weights = {fam.value: {s.component: s.value for s in sliders.children}}
            result.children = [guarded(lambda: self._what_if_result(weights), loc)]

        self.what_if_recompute = recompute

        fam.observe(build_sliders, names="value")
        build_sliders()
        self.what_if_sliders = sliders
        self.what_if_result = result
        return w.VBox([w.HTML(f"<div class='academy-note'>{t('what_if_note', loc)} "
                              f"{t('weights_normalised', loc)}</div>"), fam, sliders, result])

    def _weights_table(self, set_w: dict[str, float]) -> w.HTML:
        """Each component's weight as the slider sets it and as the engine uses it (the set
        weights normalised to sum to 100%)."""
        loc = self.loc
        total = sum(set_w.values())
        return table(pd.DataFrame({
            t("component", loc): [charts.component_label(c, loc) for c in set_w],
            t("weight_set", loc): [f"{v:.2f}" for v in set_w.values()],
            t("weight_normalised", loc): [f"{v / total:.0%}" if total > 0 else "-"
                                          for v in set_w.values()]}))

    def _what_if_result(self, weights) -> w.VBox:
        """The weights as set and as used (normalised to sum to 1), then who would change band
        or award, before and after, in the page's language."""
        loc = self.loc
        bands = _band_names(self.slice.cycle.schemes, loc)
        (_fam, set_w), = weights.items()
        items = [self._weights_table(set_w)]
        if not any(v > 0 for v in set_w.values()):  # nothing to normalise: say so, no error
            items.append(w.HTML(f"<div class='academy-whatif academy-note'>"
                                f"{html.escape(t('weights_all_zero', loc))}</div>"))
            return w.VBox(items)
        diff, _res = data.what_if(self.company, self.viewer, self.cycle.value, weights)
        diff = diff[diff["employee_id"].isin(self.slice.ids)]
        if diff.empty:
            items.append(w.HTML(f"<div class='academy-whatif'>{t('no_change', loc)}</div>"))
            return w.VBox(items)

        def award(v) -> str:
            return t("award_yes", loc) if bool(v) else t("award_no", loc)

        def score(v) -> str:
            return "-" if pd.isna(v) else f"{float(v):.1f}"

        d = diff.sort_values(["after_score", "employee_id"], na_position="last")
        shown = pd.DataFrame({
            t("name", loc): d["name"].fillna(""), t("team", loc): d["team"].fillna(""),
            t("before_score", loc): [score(v) for v in d["before_score"]],
            t("after_score", loc): [score(v) for v in d["after_score"]],
            t("before_band", loc): [bands.get(b, "-") for b in d["before_band"]],
            t("after_band", loc): [bands.get(b, "-") for b in d["after_band"]],
            t("before_award", loc): [award(v) for v in d["before_award"]],
            t("after_award", loc): [award(v) for v in d["after_award"]],
            t("change", loc): [t(f"change_{c}", loc) for c in d["change"]]})
        items += [w.HTML(f"<div class='academy-whatif'><b>{len(d)}</b> "
                         f"{html.escape(t('changes', loc))}</div>"), table(shown)]
        return w.VBox(items)


# --- trainee ----------------------------------------------------------------------------------


def trainee_dashboard(company: data.Company, viewer: str | None = None, lang: str | None = None):
    loc = resolve_locale(company, lang)
    v = resolve_viewer(viewer)
    if v is None:
        return _notice(t("not_signed_in", loc), "#b42318")
    return guarded(lambda: _trainee(company, v, loc), loc)


def _trainee(company: data.Company, viewer: Viewer, loc: str) -> w.VBox:
    rep = data.trainee_report(company, viewer)
    sub = f" · {html.escape(rep.team)}"
    items = [header("trainee_title", viewer, loc, sub, company=company)]
    if rep.result is None or rep.result.results.empty:
        return w.VBox(items + [_notice(t("no_grades", loc))])
    me = rep.result.results.iloc[0]
    bands = _band_names(rep.schemes, loc)
    score = "-" if pd.isna(me["final_score"]) else f"{me['final_score']:.1f}"
    items.append(w.HTML(
        f"<div class='academy-kpi'>{t('cycle', loc)}<b>{html.escape(rep.cycle)}</b></div>"
        f"<div class='academy-kpi'>{t('final_score', loc)}<b class='academy-score'>{score}</b></div>"
        f"<div class='academy-kpi'>{t('band', loc)}<b>{html.escape(bands.get(me['band'], '-'))}</b></div>"
        f"<div class='academy-kpi'>{t('rank_team', loc)}<b>{_rank(me)}</b></div>"))
    plan_first = not rep.result.training.empty  # what to do next, on the first screen
    if plan_first:
        items += [heading(t("my_plan", loc)), _plan(rep, loc)]
    mine = rep.result.competencies.set_index("competency")["score"]
    team = rep.team_profile.set_index("competency")["score"]
    items.append(row(chart(charts.person_components(rep.result.components, loc)),
                     chart(charts.radar({t("me", loc): mine, t("team_mean", loc): team}, loc,
                                        "my_radar"))))
    if len(rep.peer):
        p = rep.peer.copy()
        p["competency"] = p["competency"].map(lambda c: competency_name(c, loc))
        p.columns = [t("competency", loc), t("score", loc), t("raters_peer", loc)]
        items += [heading(t("peer", loc)),
                  w.HTML(f"<div class='academy-note'>{t('peer_note', loc)}</div>"), table(p)]
    items += [heading(t("exam_feedback", loc)), _exam_feedback(company, viewer, loc)]
    items += management_panel.my_goals(company, viewer, rep.cycle, loc, heading, table)
    if not plan_first:
        items += [heading(t("my_plan", loc)), _plan(rep, loc)]
    items += [heading(t("my_progress", loc)), _progress(company, viewer, loc)]
    return w.VBox(items)


def _exam_feedback(company: data.Company, viewer: Viewer, loc: str) -> w.HTML:
    from dashboards.exams import my_exam_results

    f = my_exam_results(company.home, viewer.employee_id)
    if f.empty:
        return w.HTML(f"<div class='academy-note'>{html.escape(t('nothing_yet', loc))}</div>")
    f["competency"] = f["competency"].map(lambda c: competency_name(c, loc) if c in CODES else c)
    f.columns = [t(c, loc) for c in f.columns]
    return table(f)


def _module_titles(loc: str) -> dict[str, str]:
    """'course/module' -> the module's title in `loc` (graders.engine.course_catalog)."""
    from graders.engine.course_catalog import module_catalog

    cat = module_catalog().drop_duplicates(["course", "module"])
    title = cat["title_zh"] if loc == "zh" else cat["title_en"]
    return {f"{c}/{m}": str(x) for c, m, x in zip(cat["course"], cat["module"], title)}


def lab_base(employee_id: str) -> str:
    """Where `employee_id`'s JupyterLab is, for their plan links: ACADEMY_LAB_URL (set by the
    serving side: `academy serve --trainee ID` gives that trainee's lab, the hub
    `/hub/user-redirect/`, which leads each person to their own server); empty (no links) for
    anyone but ACADEMY_LAB_TRAINEE when a single trainee's lab is served."""
    only = os.environ.get("ACADEMY_LAB_TRAINEE", "")
    if only and only != employee_id:
        return ""
    return os.environ.get("ACADEMY_LAB_URL", "")


def lab_link(module_key: str, loc: str, titles: dict[str, str] | None = None,
             base: str | None = None) -> str:
    """A training-plan module as a link that opens it in the trainee's JupyterLab (ACADEMY_LAB_URL,
    set by the serving side): its title, underlined like a link, in a new tab. The path is the one
    of the trainee's workspace (academy.trainee_lab), where each module is `<module>.ipynb` in
    English and `<module>.zh.ipynb` in Chinese; `?lang=` makes the lab speak the page's language.
    The link never carries a login: a page shown to a trainee holds no server's token (the lab
    asks the trainee to sign in). With no lab served, the title alone."""
    key = module_key.strip()
    course, _, module = key.partition("/")
    label = html.escape((titles or {}).get(key, key))
    base = os.environ.get("ACADEMY_LAB_URL", "") if base is None else base
    if not base:
        return f"<span class='academy-module'>{label}</span>"
    name = f"{module}.zh.ipynb" if loc == "zh" else f"{module}.ipynb"
    href = (f"{base.rstrip('/')}/lab/tree/courses/{quote(course)}/{quote(name)}"
            f"?lang={'zh' if loc == 'zh' else 'en'}")
    return (f"<a class='academy-link' href='{html.escape(href)}' target='_blank' "
            f"rel='noopener' title='{html.escape(t('open_module', loc))}'>{label}</a>")


def _plan(rep: data.TraineeReport, loc: str) -> w.HTML:
    tr = rep.result.training
    if tr.empty:
        return w.HTML("<div class='academy-note'>-</div>")
    titles = _module_titles(loc)
    base = lab_base(rep.employee_id)
    rows = []
    for _, r in tr.iterrows():  # a handful of rows: one person's plan
        links = "<br>".join(lab_link(m, loc, titles, base) for m in str(r["modules"]).split(";")
                            if m.strip())
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
    items = [header("trainer_title", viewer, loc, company=company)]
    prog = exams.grading_progress(company.home)
    items.append(heading(t("grading_progress", loc)))
    if len(prog):
        titles = exams.exam_titles(company.home)
        items.append(chart(exams.progress_figure(prog, loc, titles)))
        shown = prog.assign(exam=prog["exam"].map(lambda e: titles.get(e, e)))
        shown.columns = [t(c, loc) for c in shown.columns]
        items.append(table(shown))
    else:
        items.append(w.HTML(f"<div class='academy-note'>{t('nothing_yet', loc)}</div>"))
    items += [heading(t("item_analysis", loc)), _item_table(exams.flagged_items(company.home), loc)]
    cycles = list(company.cycles["name"])
    if cycles:
        scen, raters = exams.practical_agreement(company.home, cycles[-1])
        titles = exams.scenario_titles(company.home, loc)
        floor = exams.agreement_floor(company.home)
        items += [heading(t("agreement", loc)), row(
            chart(charts.bars([titles.get(r, r) for r in scen["rubric"]],
                              [round(a, 2) for a in scen["alpha"]], t("alpha", loc), loc,
                              t("alpha", loc), refs=[(floor, f"{t('floor', loc)} {floor:g}")])),
            chart(charts.bars(list(raters["rater_id"]), [round(b, 1) for b in raters["bias"]],
                              t("rater_effects", loc), loc, t("effect", loc), "#dd6b20")))]
        s2 = scen.copy()
        s2["rubric"] = s2["rubric"].map(lambda r: titles.get(r, r))
        s2["status"] = s2["status"].map(lambda x: t(x, loc))
        s2.columns = [t(c, loc) if c != "rubric" else t("scenario", loc) for c in s2.columns]
        r2 = raters.copy()
        r2["status"] = r2["status"].map(lambda x: t(x, loc))
        r2.columns = [t(c, loc) if c != "rater_id" else t("trainer", loc) for c in r2.columns]
        items.append(row(table(s2), table(r2)))
        items += _severity_panel(company, cycles[-1], loc)
    items += _exam_statistics_panel(company, loc)
    items += [heading(t("scoring_form", loc)), _scoring_form(company, viewer, loc)]
    return w.VBox(items)


def _severity_panel(company: data.Company, cycle: str, loc: str) -> list:
    """Trainer view: each trainer's severity with its standard error and fit, their effect in
    points, the variance of practical scores by source and the trainers needed (issue 16)."""
    from dashboards import fairness

    res, reason = fairness.trainer_severity(company.home, cycle)
    items = [heading(t("fair_title", loc))]
    if res is None:
        return items + [w.HTML(f"<div class='academy-note'>{html.escape(t(reason, loc))}</div>")]
    tr = res.trainers.sort_values("severity")
    items += [row(chart(charts.bars(list(tr["rater_id"]), [round(p, 1) for p in tr["points"]],
                                    t("fair_points", loc), loc, t("fair_points", loc),
                                    "#805ad5")),
                  table(fairness.severity_table(res, loc))),
              w.HTML(f"<div class='academy-note'>{html.escape(t('fair_note', loc))}</div>")]
    if len(res.variance):
        items += [heading(t("fair_variance_title", loc), 4),
                  row(table(fairness.variance_table(res, loc)),
                      w.HTML(f"<div class='academy-note'>"
                             f"{html.escape(fairness.reliability_sentence(res, loc))}</div>"))]
    return items


def _exam_statistics_panel(company: data.Company, loc: str) -> list:
    """Trainer view: each graded exam's figures and every question's (issue 16)."""
    from dashboards import fairness

    exams_t, qs_t = fairness.exam_summary(company.home, loc)
    if exams_t.empty:
        return []
    return [heading(t("exam_stats_title", loc)), table(exams_t),
            heading(t("question_stats_title", loc), 4), table(qs_t)]


def _item_table(items: list[dict], loc: str) -> w.HTML:
    """Each flagged question beside its statistics: the stem, every option with how many chose
    it (the key marked), responses, facility, discrimination and the flag, in `loc`."""
    if not items:
        return w.HTML(f"<div class='academy-note'>{t('nothing_yet', loc)}</div>")
    cols = ("exam", "question", "options", "responses", "facility", "discrimination", "flag")
    head = "".join(f"<th>{html.escape(t(c, loc))}</th>" for c in cols)
    rows = []
    for i in items:
        opts = "".join(
            f"<li{' class=academy-key' if key else ''}>{html.escape(str(text))} · {n}"
            f"{' ✓' if key else ''}</li>" for text, n, key in i["options"])
        key = i.get("key")
        if not opts and key:
            kind, value = key
            value = t(f"key_{value}", loc) if kind == "bool" else value
            opts = (f"<span class='academy-key'>{html.escape(t('key', loc) + t('colon', loc))}"
                    f"{html.escape(value)}</span>")
        elif opts:
            opts = f"<ul class='academy-options'>{opts}</ul>"
        opts = opts or "-"
        num = (lambda v: "-" if v is None else f"{v:.2f}")
        flags = "; ".join(t(f, loc) for f in i["flags"])
        rows.append(f"<tr><td>{html.escape(i['exam_title'])}</td>"
                    f"<td><b>{html.escape(i['question'])}</b> {html.escape(i['stem'])}</td>"
                    f"<td>{opts}</td><td>{i['n']}</td><td>{num(i['facility'])}</td>"
                    f"<td>{num(i['discrimination'])}</td><td>{html.escape(flags)}</td></tr>")
    return w.HTML(f"<table class='academy-table academy-items'><thead><tr>{head}</tr></thead>"
                  f"<tbody>{''.join(rows)}</tbody></table>")


def _scoring_form(company: data.Company, viewer: Viewer, loc: str):
    """The practical scoring form in the page's language, for the open cycle; where no cycle is
    open, or its results are published (no new evidence), a notice in the page's language."""
    from graders.notebook_forms.evidence_forms import PracticalScoringForm

    cyc = company.cycles
    open_now = cyc[cyc["status"] == "open"]
    if open_now.empty:
        return w.HTML(f"<div class='academy-note academy-form-closed'>"
                      f"{html.escape(t('no_open_cycle', loc))}</div>")
    current = open_now.iloc[-1]
    if current["state"] == "published":
        return w.HTML(f"<div class='academy-note academy-form-closed'>"
                      f"{html.escape(t('scoring_closed', loc).format(cycle=current['name']))}</div>")
    who = viewer.user.split(":", 1)[-1]
    try:
        form = PracticalScoringForm(company.home, cycle=current["name"], trainer=who, locale=loc)
        form.widget.form = form  # for tests that fill and save it as a trainer would
        return form.widget
    except Exception:  # noqa: BLE001
        _log_exception()
        return _notice(t("error", loc), "#b42318")
