"""`academy careers ...`: career tracks, eligibility, the promotion pipeline, the talent pipeline
(梯队) and mentoring pairs (传帮带). Thin: options in, one call of graders.ladder.careers_store, a table
out. The actor of each step is ACADEMY_USER (or the login): an employee id, or an identity such
as admin:hr named in careers.yaml."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from academy.cli_common import console, open_from

app = typer.Typer(help="Career paths: eligibility, promotion pipeline, talent pipeline, mentoring.",
                  no_args_is_help=True)
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (recorded with who and when).")]
AsOfOpt = Annotated[Optional[str], typer.Option("--as-of", help="Evaluate as of YYYY-MM-DD.")]


def _date(value: str | None, option: str) -> date | None:
    from academy.cli_violations import _date as parse

    return parse(value, option)


def _cfg(h):
    from graders.ladder.careers import load_careers_config

    return load_careers_config(h.assessments_dir)


def _table(title: str, headers: list[str], rows: list[list]) -> None:
    tab = RichTable(title=title)
    for hd in headers:
        tab.add_column(hd)
    for r in rows:
        tab.add_row(*["" if v is None else str(v) for v in r])
    console.print(tab)


@app.command("tracks")
def tracks(ctx: typer.Context) -> None:
    """Tracks, their levels and entry criteria (careers.yaml)."""
    from core.labels import t

    h = open_from(ctx)
    cfg, loc = _cfg(h), h.settings.locale
    rows = []
    for tr in cfg.tracks:
        for lv in tr.levels:
            c = lv.criteria
            rows.append([cfg.name(tr.code, locale=loc), cfg.name(tr.code, lv.code, loc),
                         f"{c.min_band or '-'} x{c.cycles}", ", ".join(c.courses),
                         ", ".join(c.exams), c.tenure_months,
                         t("yes" if c.no_open_violation else "no", loc)])
    _table(t("career_tracks", loc), [t(k, loc) for k in (
        "track", "career_level", "min_band", "courses", "exams", "tenure_months",
        "no_open_violation")], rows)
    h.close()


@app.command("eligibility")
def eligibility(ctx: typer.Context, track: Annotated[Optional[str], typer.Option()] = None,
                team: Annotated[Optional[str], typer.Option()] = None, as_of: AsOfOpt = None
                ) -> None:
    """Everyone against the next level of each track: ready now, ready soon or not yet, and why."""
    from core.labels import t
    from graders.ladder import careers_store as cs

    h = open_from(ctx)
    cfg, loc = _cfg(h), h.settings.locale
    with h.transaction() as s:
        e = cs.load(s, cfg, _date(as_of, "--as-of")).eligibility
    if track:
        cfg.track(track)
        e = e[e["track"] == track]
    if team:
        e = e[e["team"] == team]
    _table(t("eligibility", loc), [t(k, loc) for k in (
        "employee_id", "name", "team", "track", "career_level", "readiness", "detail")],
        [[r.employee_id, r.name, r.team, cfg.name(r.track, locale=loc),
          cfg.name(r.track, r.level, loc), t(r.readiness, loc),
          r.detail_zh if loc == "zh" else r.detail] for r in e.itertuples()])
    h.close()


@app.command("scan")
def scan(ctx: typer.Context, as_of: AsOfOpt = None) -> None:
    """Open an `eligible` promotion case for everyone who meets a level's entry criteria now."""
    from graders.ladder import careers_store as cs
    from roster.store import current_user

    h = open_from(ctx)
    with h.transaction() as s:
        opened = cs.scan(s, _cfg(h), current_user(), _date(as_of, "--as-of"))
    console.print(f"{len(opened)} new eligible case(s)" + (f": {', '.join(opened)}" if opened
                                                           else "."))
    h.close()


@app.command("eligible")
def eligible(ctx: typer.Context, employee_id: str,
             track: Annotated[str, typer.Option(help="technical_expert, management, broad ...")],
             as_of: AsOfOpt = None) -> None:
    """Open a promotion case for one person (refused unless they meet the criteria now)."""
    from graders.ladder import careers_store as cs
    from roster.store import current_user

    h = open_from(ctx)
    with h.transaction() as s:
        cid = cs.mark_eligible(s, _cfg(h), employee_id, track, current_user(),
                               _date(as_of, "--as-of"))
    console.print(f"{cid}: {employee_id} eligible on {track}.")
    h.close()


def _step(ctx, case_id: str, action: str, reason: str, outcome: str | None = None) -> None:
    from graders.ladder import careers_store as cs
    from roster.store import current_user

    h = open_from(ctx)
    with h.transaction() as s:
        c = cs.case_step(s, _cfg(h), case_id, action, current_user(), reason, outcome)
    console.print(f"{case_id} ({c['employee_id']}, {c['track']}/{c['level']}): {action}"
                  + (f", {outcome}" if outcome else "") + ".")
    h.close()


@app.command("nominate")
def nominate(ctx: typer.Context, case_id: str, reason: ReasonOpt) -> None:
    """Nominate an eligible person (their supervisor or manager)."""
    _step(ctx, case_id, "nominated", reason)


@app.command("review")
def review(ctx: typer.Context, case_id: str,
           outcome: Annotated[str, typer.Argument(help="supported or not_supported")],
           reason: ReasonOpt) -> None:
    """Review a nomination (someone other than the nominator)."""
    _step(ctx, case_id, "reviewed", reason, outcome)


@app.command("decide")
def decide(ctx: typer.Context, case_id: str,
           outcome: Annotated[str, typer.Argument(help="promoted or declined")],
           reason: ReasonOpt) -> None:
    """Decide a reviewed case (someone other than the reviewer)."""
    _step(ctx, case_id, "decided", reason, outcome)


@app.command("cases")
def cases(ctx: typer.Context, all_: Annotated[bool, typer.Option(
        "--all", help="Include decided cases.")] = False) -> None:
    """Promotion cases and the step each is at."""
    from core.labels import t
    from graders.ladder import careers_store as cs

    h = open_from(ctx)
    cfg, loc = _cfg(h), h.settings.locale
    with h.transaction() as s:
        c = cs.cases(s)
    if not all_ and len(c):
        c = c[c["open"]]
    _table(t("promotion_cases", loc), [t(k, loc) for k in (
        "case_id", "employee_id", "track", "career_level", "pipeline_step", "outcome", "by",
        "reason")],
        [[r.case_id, r.employee_id, cfg.name(r.track, locale=loc),
          cfg.name(r.track, r.level, loc), t("step_" + r.step, loc),
          t(r.outcome, loc) if r.outcome else "", getattr(r, f"{r.step}_by"), r.reason]
         for r in c.itertuples()])
    h.close()


@app.command("history")
def history(ctx: typer.Context, case_id: str) -> None:
    """Every step of one promotion case or mentoring pair: what, who, when, why."""
    from core.labels import t
    from graders.ladder import store as ladder_store

    h = open_from(ctx)
    loc = h.settings.locale
    with h.transaction() as s:
        ev = ladder_store.events(s, subject=case_id)
    ev = ev[ev["domain"].isin(["promotion", "mentoring"])]
    if ev.empty:
        from core.errors import AcademyError

        raise AcademyError(f"no promotion case or mentoring pair {case_id!r}")
    _table(case_id, [t(k, loc) for k in ("when", "by", "action", "details", "reason")],
           [[f"{e.at:%Y-%m-%d %H:%M}", e.by, t("step_" + e.action, loc),
             ", ".join(f"{k}={v}" for k, v in (e.data or {}).items() if v is not None), e.reason]
            for e in ev.itertuples()])
    h.close()


@app.command("bench")
def bench(ctx: typer.Context, as_of: AsOfOpt = None) -> None:
    """The talent pipeline (梯队) per track and level: ready now, ready soon, in the pipeline,
    gaps."""
    from core.labels import t
    from graders.ladder import careers_store as cs

    h = open_from(ctx)
    cfg, loc = _cfg(h), h.settings.locale
    with h.transaction() as s:
        b = cs.load(s, cfg, _date(as_of, "--as-of")).bench
    _table(t("talent_pipeline", loc), [t(k, loc) for k in (
        "track", "career_level", "ready_now", "ready_soon", "in_pipeline", "ready_now_names",
        "common_gaps")],
        [[cfg.name(r.track, locale=loc), cfg.name(r.track, r.level, loc), r.ready_now,
          r.ready_soon, r.in_pipeline, r.ready_now_names, r.common_gaps]
         for r in b.itertuples()])
    h.close()


mentor_app = typer.Typer(help="Mentoring pairs (传帮带).", no_args_is_help=True)
app.add_typer(mentor_app, name="mentor")


@mentor_app.command("start")
def mentor_start(ctx: typer.Context, mentor: str, mentee: str,
                 goal: Annotated[str, typer.Option(help="What the mentee should be able to do.")],
                 start: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD (today)")] = None,
                 end: Annotated[Optional[str], typer.Option(help="Planned end, YYYY-MM-DD")] = None,
                 ) -> None:
    """Pair an experienced mentor with a mentee."""
    from graders.ladder import careers_store as cs
    from roster.store import current_user

    h = open_from(ctx)
    with h.transaction() as s:
        pid = cs.start_pair(s, mentor, mentee, goal, _date(start, "--start") or date.today(),
                            _date(end, "--end"), current_user())
    console.print(f"{pid}: {mentor} mentors {mentee}.")
    h.close()


@mentor_app.command("end")
def mentor_end(ctx: typer.Context, pair_id: str, reason: ReasonOpt,
               on: Annotated[Optional[str], typer.Option("--on", help="YYYY-MM-DD (today)")] = None
               ) -> None:
    """End a mentoring pair, with its outcome as the reason."""
    from graders.ladder import careers_store as cs
    from roster.store import current_user

    h = open_from(ctx)
    with h.transaction() as s:
        cs.end_pair(s, pair_id, _date(on, "--on") or date.today(), current_user(), reason)
    console.print(f"{pair_id} ended.")
    h.close()


@mentor_app.command("list")
def mentor_list(ctx: typer.Context) -> None:
    """Mentoring pairs, active first."""
    from core.labels import t
    from graders.ladder import careers_store as cs

    h = open_from(ctx)
    loc = h.settings.locale
    with h.transaction() as s:
        p = cs.pairs(s)
    if len(p):
        p = p.sort_values(["active", "pair_id"], ascending=[False, True])
    _table(t("mentoring", loc), [t(k, loc) for k in (
        "pair_id", "mentor", "mentee", "goal", "starts_on", "ends_on", "active")],
        [[r.pair_id, r.mentor_id, r.mentee_id, r.goal, r.starts_on, r.ended_on or r.ends_on,
          t("yes" if r.active else "no", loc)] for r in p.itertuples()])
    h.close()


@app.command("export")
def export(ctx: typer.Context, to: Annotated[Path, typer.Option(help="An .xlsx workbook.")],
           as_of: AsOfOpt = None) -> None:
    """Violations, corrective plans, promotion cases, talent pipeline, mentoring and the honour
    board in one workbook (headers in the home's language)."""
    from graders.ladder.export import export_ladder

    h = open_from(ctx)
    with h.transaction() as s:
        path = export_ladder(s, h.assessments_dir, to, h.settings.locale,
                             _date(as_of, "--as-of") or date.today())
    console.print(f"Written {path}.")
    h.close()
