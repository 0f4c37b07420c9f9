"""Training impact on the manager dashboard: per course and job figure, what completing the course
changed (graders.training_impact.analysis: staggered difference-in-differences against matched peers not yet
trained), with its interval, a plain verdict, the pre-trend and placebo checks and the event-study
chart (effect by months since completion). The words are here in both languages, for the page and
for `academy impact`.

A manager's estimate uses only the people under them (dashboards.access.visible_ids); an
administrator's uses everyone. It is computed when asked (the Show button): a bootstrap of a few
hundred draws takes about a second.
"""

from __future__ import annotations

import html
import math

import ipywidgets as w
import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from core import labels
from dashboards import charts, data
from dashboards.access import ADMIN, TRAINEE, AccessDenied, require
from dashboards.ui import (
    STYLE,
    chart,
    guarded,
    heading,
    page_panel,
    resolve_locale,
    resolve_viewer,
    table,
)
from graders.training_impact import analysis as impact
from graders.training_impact.store import KPIS, load_impact
from training.catalog import all_modules, load_courses

__all__ = ["impact_panel", "compute", "summary", "event_chart", "cohort_table", "overview_table",
           "LABELS", "kpi_name", "reason_text", "verdict_word"]

#: this panel's labels, as kept in the one table (core.labels)
LABELS = labels.section("impact")
REASONS = labels.section("impact_reason")
_t = labels.scoped("impact")


def kpi_name(code: str, loc: str) -> str:
    return labels.t(code, loc, "impact_kpi")


def reason_text(exc: impact.NotEnoughData, loc: str) -> str:
    en, zh = REASONS.get(exc.code, (str(exc), str(exc)))
    text = zh if loc == "zh" else en
    try:
        return text.format(**exc.figures)
    except (KeyError, IndexError):
        return text


def _num(v: float) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:+.1f}"


def summary(res: impact.ImpactResult, kpi: str, loc: str) -> list[str]:
    """The verdict sentence and the two checks, in `loc`."""
    spec = KPIS[kpi]
    o = res.overall
    interval = f"{o.low:+.1f} … {o.high:+.1f}"
    if res.verdict == impact.UNCLEAR:
        first = (f"{kpi_name(kpi, loc)}: {_num(o.est)} ({interval}). "
                 + _t("not_enough_evidence", loc))
    else:
        good = (res.verdict == impact.INCREASE) == spec.higher_is_better
        first = _t("verdict", loc).format(
            dir=_t(res.verdict, loc), kpi=kpi_name(kpi, loc), est=f"{abs(o.est):.1f}",
            unit=labels.t(spec.unit, loc, "impact_unit"), interval=interval,
            judge=_t("better" if good else "worse", loc))
    if res.pretrend_p is None:
        pre = _t("pre_none", loc)
    else:
        pre = _t("pre_bad" if res.pretrend_detected else "pre_ok", loc).format(
            p=f"{res.pretrend_p:.2f}")
    if res.placebo is None:
        plac = _t("placebo_none", loc)
    else:
        p = res.placebo
        plac = _t("placebo_bad" if p.verdict != impact.UNCLEAR else "placebo_ok", loc).format(
            est=f"{p.est:+.1f}, {p.low:+.1f} … {p.high:+.1f}")
    counts = (f"{_t('treated', loc)}: {res.matched}; {_t('controls', loc)}: {res.controls}")
    return [first, f"{_t('pretrend', loc)}: {pre}", f"{_t('placebo', loc)}: {plac}", counts]


def cohort_table(res: impact.ImpactResult, periods: list[str], loc: str) -> pd.DataFrame:
    c = res.cohorts
    return pd.DataFrame({
        _t("cohort", loc): [periods[int(g)] if 0 <= int(g) < len(periods) else str(g)
                            for g in c["cohort"]],
        _t("effect", loc): c["est"].round(1),
        _t("interval", loc): [f"{lo:+.1f} … {hi:+.1f}" for lo, hi in zip(c["low"], c["high"])],
        _t("people", loc): c["n"].astype(int)})


def event_chart(res: impact.ImpactResult, kpi: str, loc: str) -> charts.Chart:
    ev = res.event_study
    cats = [f"{int(e):+d}" if e else "0" for e in ev["event_time"]]
    vals = [ev["est"], ev["low"], ev["high"]]
    finite = [float(x) for s in vals for x in s if not pd.isna(x)] or [0.0]
    lo, hi = min(0.0, min(finite)), max(0.0, max(finite))
    pad = (hi - lo) * 0.05 or 1.0
    title = f"{_t('chart', loc)}: {kpi_name(kpi, loc)}"
    return charts.line_chart("impact_event_study", title, cats,
                             [(_t("effect", loc), list(ev["est"])),
                              (_t("low", loc), list(ev["low"])),
                              (_t("high", loc), list(ev["high"]))],
                             y_title=_t("effect", loc), y_range=(lo - pad, hi + pad),
                             loc=loc)


def _viewer_ids(company: data.Company, viewer) -> np.ndarray | None:
    if viewer.kind == ADMIN:
        return None
    if not data.allowed_teams(company, viewer):
        raise AccessDenied("no teams are under you in the roster")
    return data.visible(company, viewer)


def compute(company: data.Company, viewer, course: str, kpi: str, draws: int = 199):
    """(ImpactData, ImpactResult or NotEnoughData) for the people the viewer may see."""

    ids = _viewer_ids(company, viewer)
    mods = [(m.course_id, m.id) for m in all_modules()]
    with Session(company.home.engine) as s:
        d = load_impact(s, course, kpi, mods)
    if ids is not None:
        d.panel = d.panel[d.panel["unit"].isin(list(ids))].reset_index(drop=True)
    try:
        return d, impact.estimate(d.panel, draws=draws, seed=2026)
    except impact.NotEnoughData as exc:
        return d, exc


def verdict_word(res, kpi: str, loc: str) -> str:
    if isinstance(res, impact.NotEnoughData):
        return _t("short_no_data", loc)
    if res.verdict == impact.UNCLEAR:
        return _t("short_unclear", loc)
    good = (res.verdict == impact.INCREASE) == KPIS[kpi].higher_is_better
    return _t("short_better" if good else "short_worse", loc)


def overview_table(results: list[tuple[str, object]], kpi: str, loc: str) -> pd.DataFrame:
    """One row per course: (course title, ImpactResult or NotEnoughData)."""
    rows = []
    for title, res in results:
        ok = not isinstance(res, impact.NotEnoughData)
        rows.append({_t("course", loc): title,
                     _t("effect", loc): round(res.overall.est, 1) if ok else None,
                     _t("interval", loc): (f"{res.overall.low:+.1f} … {res.overall.high:+.1f}"
                                           if ok else ""),
                     _t("people", loc): res.matched if ok else None,
                     _t("verdict_col", loc): verdict_word(res, kpi, loc)})
    return pd.DataFrame(rows)


def _courses(loc: str) -> list[tuple[str, str]]:

    return [((c.spec.title_zh if loc == "zh" else c.spec.title_en), c.id) for c in load_courses()]


def impact_panel(company: data.Company, viewer: str | None = None, lang: str | None = None,
                 open_now: bool = False, course: str | None = None,
                 kpi: str = "fcr") -> w.Widget:
    loc = resolve_locale(company, lang)
    v = resolve_viewer(viewer)

    def build():
        require(v, (TRAINEE, ADMIN))
        if v.kind != ADMIN and not data.allowed_teams(company, v):
            raise AccessDenied("no teams are under you in the roster")
        courses = _courses(loc)
        if not courses:
            return w.HTML(f"<div class='academy-note'>{html.escape(_t('none', loc))}</div>")
        ids = [c for _n, c in courses]
        pick = w.Dropdown(options=courses, value=course if course in ids else ids[0],
                          description=_t("course", loc))
        fig = w.Dropdown(options=[(kpi_name(k, loc), k) for k in KPIS], value=kpi,
                         description=_t("kpi", loc))
        body = w.VBox()

        def draw(_ch=None):
            found = {c: compute(company, v, c, fig.value) for _n, c in courses}
            overview = [heading(f"{_t('overview', loc)}: {kpi_name(fig.value, loc)}", 4),
                        table(overview_table([(n, found[c][1]) for n, c in courses],
                                             fig.value, loc)),
                        heading(dict((c, n) for n, c in courses)[pick.value], 4)]
            d, res = found[pick.value]
            if isinstance(res, impact.NotEnoughData):
                body.children = [*overview, w.HTML(
                    f"<div class='academy-note academy-impact-reason'>"
                    f"{html.escape(reason_text(res, loc))}</div>")]
                return
            lines = "".join(f"<div class='academy-note'>{html.escape(s)}</div>"
                            for s in summary(res, fig.value, loc))
            body.children = [*overview,
                             w.HTML(f"<div class='academy-impact-summary'>{lines}</div>"),
                             chart(event_chart(res, fig.value, loc)),
                             table(cohort_table(res, d.periods, loc))]

        def safe_draw(_ch=None):
            got = guarded(lambda: draw() or body, loc)
            if got is not body:
                body.children = [got]

        show = w.Button(description=_t("show", loc), layout=w.Layout(width="auto"))
        show.on_click(safe_draw)
        for widget in (pick, fig):
            widget.observe(lambda _ch: safe_draw() if body.children else None, names="value")
        if open_now:
            safe_draw()
        return w.VBox([w.HTML(STYLE), heading(_t("title", loc)),
                       w.HTML(f"<div class='academy-note'>{html.escape(_t('note', loc))}</div>"),
                       w.HBox([pick, fig, show]), body])

    return page_panel(build, loc)
