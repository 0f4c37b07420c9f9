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

from dashboards import charts, data
from dashboards.access import ADMIN, TRAINEE, AccessDenied, require, visible_ids
from dashboards.ui import STYLE, chart, guarded, heading, resolve_locale, resolve_viewer, table
from graders.training_impact import analysis as impact
from graders.training_impact.store import KPIS, load_impact
from training.catalog import all_modules, load_courses

__all__ = ["impact_panel", "compute", "summary", "event_chart", "cohort_table", "overview_table",
           "LABELS", "kpi_name", "reason_text", "verdict_word"]

LABELS: dict[str, tuple[str, str]] = {
    "title": ("Training impact on the job (Kirkpatrick levels 3 and 4)",
              "培训对工作的影响（柯氏评估第三、四级）"),
    "note": ("What completing a course changed in a job figure, compared with colleagues of the "
             "same team, role and length of service who had not yet completed it "
             "(a difference in differences over months).",
             "完成课程后工作指标的变化，与同团队、同岗位、同司龄段且尚未完成该课程的同事相比（按月的双重差分）。"),
    "course": ("Course", "课程"), "kpi": ("Figure", "指标"), "show": ("Show", "查看"),
    "effect": ("Effect", "效果"), "interval": ("95% interval", "95%置信区间"),
    "low": ("Interval low", "区间下限"), "high": ("Interval high", "区间上限"),
    "cohort": ("Completed in", "完成月份"), "people": ("People", "人数"),
    "months_since": ("Months since completion", "完成后月数"),
    "chart": ("Effect by months since completion", "按完成后月数的效果"),
    "treated": ("Trained people compared", "参与比较的已培训人数"),
    "controls": ("Peers not yet trained", "尚未培训的对照同事"),
    "pretrend": ("Before completion (pre-trend test)", "完成前趋势检验"),
    "placebo": ("Placebo (fake earlier dates)", "安慰剂检验（虚构提前日期）"),
    "increase": ("increased", "提高了"), "decrease": ("decreased", "降低了"),
    "better": ("an improvement", "有改善"), "worse": ("a deterioration", "变差"),
    "not_enough_evidence": ("Not enough evidence: the interval includes zero.",
                            "证据不足：置信区间包含零。"),
    "pre_ok": ("no difference in trends before completion (p = {p})",
               "完成前趋势无差异（p = {p}）"),
    "pre_bad": ("trends differed already before completion (p = {p}): read the effect with care",
                "完成前趋势已有差异（p = {p}）：请谨慎解读效果"),
    "pre_none": ("too few months before completion to test", "完成前月份太少，无法检验"),
    "placebo_ok": ("no effect at fake dates ({est})", "虚构日期下无效果（{est}）"),
    "placebo_bad": ("an 'effect' at fake dates ({est}): read the effect with care",
                    "虚构日期下出现“效果”（{est}）：请谨慎解读效果"),
    "placebo_none": ("too little data for a placebo", "数据太少，无法做安慰剂检验"),
    "verdict": ("Completing the course {dir} {kpi} by {est} {unit} ({interval}): {judge}.",
                "完成课程后{kpi}{dir}{est}{unit}（{interval}）：{judge}。"),
    "none": ("No course results to show.", "没有可显示的课程结果。"),
    "overview": ("All courses", "全部课程"), "verdict_col": ("Verdict", "结论"),
    "short_better": ("Improvement", "有改善"), "short_worse": ("Deterioration", "变差"),
    "short_unclear": ("Not enough evidence", "证据不足"),
    "short_no_data": ("Too little data", "数据不足"),
}

KPI_NAMES: dict[str, tuple[str, str]] = {
    "fcr": ("first-contact resolution", "一次解决率"),
    "commitments": ("commitment compliance", "服务承诺达成率"),
    "csat": ("customer satisfaction", "客户满意度"),
    "deductions": ("key-behaviour deductions", "关键行为扣分"),
    "practical": ("practical exam score", "实操考核成绩"),
    "review": ("review score", "360评价得分"),
}
UNITS: dict[str, tuple[str, str]] = {
    "%": ("percentage points", "个百分点"), "0-100": ("points", "分"),
    "points": ("points", "分"),
}
REASONS: dict[str, tuple[str, str]] = {
    "no_data": ("No data for this figure yet.", "该指标暂无数据。"),
    "one_period": ("The data cover only one period: nothing to compare.",
                   "数据只有一个期间，无法比较。"),
    "no_treated": ("Nobody with this figure has completed the course.",
                   "有该指标数据的人中还没有人完成该课程。"),
    "no_base": ("Nobody who completed the course has data from before completing it.",
                "完成课程的人都没有完成前的数据。"),
    "too_few_treated": ("Too few trained people with an untrained peer of the same team, role "
                        "and length of service ({matched}; at least {needed} needed).",
                        "有同团队、同岗位、同司龄段未培训同事可比的已培训人数太少（{matched}人，至少需要{needed}人）。"),
    "too_few_controls": ("Too few peers not yet trained to compare with ({controls}; at least "
                         "{needed} needed).",
                         "可比较的未培训同事太少（{controls}人，至少需要{needed}人）。"),
    "no_post": ("No data from after completing the course yet.", "还没有完成课程后的数据。"),
}


def _t(key: str, loc: str) -> str:
    en, zh = LABELS[key]
    return zh if loc == "zh" else en


def kpi_name(code: str, loc: str) -> str:
    en, zh = KPI_NAMES[code]
    return zh if loc == "zh" else en


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
            unit=UNITS[spec.unit][1 if loc == "zh" else 0], interval=interval,
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
    return visible_ids(company.hierarchy, viewer)


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

    return guarded(build, loc)
