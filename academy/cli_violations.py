"""`academy violations ...`: the penalty ladder (graders.ladder.violations). Thin: options in, one call
of graders.ladder.violations_store, a table out. Every step records who (ACADEMY_USER or the login),
when and why; nothing is ever changed or deleted."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from academy.cli_common import console, open_from

app = typer.Typer(help="Penalties as a ladder: violations, warning levels, corrective plans.",
                  no_args_is_help=True)

ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (recorded with who and when).")]
DateOpt = Annotated[Optional[str], typer.Option(help="A date, YYYY-MM-DD.")]
TodayOpt = Annotated[Optional[str], typer.Option(
    "--today", help="Act as of this date (YYYY-MM-DD; default: today).")]


def _date(value: str | None, option: str) -> date | None:
    from core.errors import AcademyError
    from core.tabular import parse_date

    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise AcademyError(f"{option}: {exc}") from exc


def _step(ctx, violation_id: str, action: str, reason: str, today: str | None, **data) -> None:
    from graders.ladder import violations as vio
    from graders.ladder import violations_store as vs
    from roster.store import current_user

    h = open_from(ctx)
    cfg = vio.load_violations_config(h.assessments_dir)
    loc = h.settings.locale
    with h.transaction() as s:
        v = vs.step(s, cfg, violation_id, action, current_user(), reason,
                    today=_date(today, "--today"), **data)
    plan = f"; plan due {v['plan_due']}" if v["state"] == vio.PLAN else ""
    console.print(f"{violation_id} ({v['employee_id']}): {action} recorded; now {v['state']}, "
                  f"{cfg.level_name(v['level'], loc)}{plan}.")
    h.close()


@app.command("types")
def types_(ctx: typer.Context) -> None:
    """The catalogue of violation types and the warning ladder (violations.yaml)."""
    from core.labels import t
    from graders.ladder import violations as vio

    h = open_from(ctx)
    cfg, loc = vio.load_violations_config(h.assessments_dir), h.settings.locale
    tab = RichTable(title=t("violation_types", loc))
    for k in ("violation_type", "name", "start_level"):
        tab.add_column(t(k, loc))
    for ty in cfg.types:
        tab.add_row(ty.code, cfg.type_name(ty.code, loc), cfg.level_name(ty.start_level, loc))
    console.print(tab)
    console.print(t("ladder", loc) + ": " + " -> ".join(cfg.level_name(lv.code, loc)
                                                        for lv in cfg.levels)
                  + f" ({cfg.window_days} d)")
    h.close()


@app.command("record")
def record(
    ctx: typer.Context,
    employee_id: Annotated[str, typer.Argument(help="Whose violation.")],
    vtype: Annotated[str, typer.Option("--type", help="A type code of the catalogue "
                                                      "(`academy violations types`).")],
    on: Annotated[str, typer.Option("--date", help="When it happened, YYYY-MM-DD.")],
    evidence: Annotated[str, typer.Option(help="What happened and where it is written down.")],
    evidence_file: Annotated[Optional[str], typer.Option(
        help="A file or document reference (a file's sha256 is recorded).")] = None,
    reason: Annotated[Optional[str], typer.Option(help="Why it is recorded.")] = None,
    today: TodayOpt = None,
) -> None:
    """Record a violation; its warning level follows from the person's earlier ones."""
    from graders.ladder import violations as vio
    from graders.ladder import violations_store as vs
    from roster.store import current_user

    h = open_from(ctx)
    cfg = vio.load_violations_config(h.assessments_dir)
    with h.transaction() as s:
        vid = vs.record(s, cfg, employee_id, vtype, _date(on, "--date"), evidence, current_user(),
                        reason, evidence_file, today=_date(today, "--today"))
        v = vs.get_violation(s, vid)
    console.print(f"{vid} recorded for {employee_id}: {cfg.type_name(vtype, h.settings.locale)}, "
                  f"{cfg.level_name(v['level'], h.settings.locale)}.")
    h.close()


@app.command("correct")
def correct(ctx: typer.Context, violation_id: str, reason: ReasonOpt,
            vtype: Annotated[Optional[str], typer.Option("--type")] = None,
            on: Annotated[Optional[str], typer.Option("--date")] = None,
            evidence: Annotated[Optional[str], typer.Option()] = None,
            evidence_file: Annotated[Optional[str], typer.Option()] = None,
            today: TodayOpt = None) -> None:
    """Correct a violation's facts (recorded as a new event; the old facts stay in the history)."""
    _step(ctx, violation_id, "corrected", reason, today, type=vtype,
          occurred_on=_date(on, "--date"), evidence=evidence, evidence_ref=evidence_file)


@app.command("void")
def void(ctx: typer.Context, violation_id: str, reason: ReasonOpt, today: TodayOpt = None) -> None:
    """Mark a violation as recorded in error: it counts for nothing from now on (kept in the
    history)."""
    _step(ctx, violation_id, "voided", reason, today)


@app.command("plan")
def plan(ctx: typer.Context, violation_id: str, goal: Annotated[str, typer.Option(
            help="What the person will do, measurably.")], reason: ReasonOpt,
         due: DateOpt = None, today: TodayOpt = None) -> None:
    """Set the corrective plan of a violation, with its due date (default: due_days from today)."""
    _step(ctx, violation_id, "plan_set", reason, today, goal=goal, due_on=_date(due, "--due"))


@app.command("followup")
def followup(ctx: typer.Context, violation_id: str,
             outcome: Annotated[str, typer.Argument(help="met, extended or escalated")],
             reason: ReasonOpt, due: DateOpt = None, today: TodayOpt = None) -> None:
    """Record the follow-up of a plan: met (closes it), extended (--due), escalated (one level
    up)."""
    from core.errors import AcademyError

    actions = {"met": "plan_met", "extended": "plan_extended", "escalated": "plan_escalated"}
    if outcome not in actions:
        raise AcademyError(f"the follow-up is met, extended or escalated, not {outcome!r}")
    if outcome == "extended" and due is None:
        raise AcademyError("an extension needs the new due date (--due YYYY-MM-DD)")
    data = {"due_on": _date(due, "--due")} if outcome == "extended" else {}
    _step(ctx, violation_id, actions[outcome], reason, today, **data)


@app.command("list")
def list_(ctx: typer.Context,
          employee: Annotated[Optional[str], typer.Option(help="Only this person.")] = None,
          open_only: Annotated[bool, typer.Option("--open", help="Only open violations.")] = False,
          ) -> None:
    """Violations with their level, state and plan."""
    from core.labels import t
    from graders.ladder import violations as vio
    from graders.ladder import violations_store as vs

    h = open_from(ctx)
    loc = h.settings.locale
    with h.transaction() as s:
        v = vs.all_violations(s, [employee] if employee else None)
        cfg = vs.ladder_config(s)
    if open_only:
        v = v[v["state"].isin([vio.OPEN, vio.PLAN])]
    tab = RichTable(title=f"{t('violations', loc)} ({len(v)})")
    for k in ("violation_id", "employee_id", "violation_type", "occurred_on", "warning_level",
              "state", "due_on", "evidence"):
        tab.add_column(t(k, loc))
    for r in v.itertuples():
        tab.add_row(r.violation_id, r.employee_id, cfg.type_name(r.type, loc), str(r.occurred_on),
                    cfg.level_name(r.level, loc), t("vstate_" + r.state, loc),
                    str(r.plan_due or ""), r.evidence)
    console.print(tab)
    h.close()


@app.command("history")
def history_(ctx: typer.Context, violation_id: str) -> None:
    """Every recorded step of one violation: what, who, when, why."""
    from core.labels import t
    from graders.ladder import violations_store as vs

    h = open_from(ctx)
    loc = h.settings.locale
    with h.transaction() as s:
        ev = vs.history(s, violation_id)
    tab = RichTable(title=f"{violation_id}")
    for k in ("when", "by", "action", "details", "reason"):
        tab.add_column(t(k, loc))
    for e in ev.itertuples():
        d = {k: v for k, v in (e.data or {}).items() if k != "ladder"}
        tab.add_row(f"{e.at:%Y-%m-%d %H:%M}", e.by, t("vstep_" + e.action, loc),
                    ", ".join(f"{k}={v}" for k, v in d.items()), e.reason)
    console.print(tab)
    h.close()


@app.command("standing")
def standing_(ctx: typer.Context, as_of: DateOpt = None) -> None:
    """Open violations and the warning level standing per person."""
    from core.labels import t
    from graders.ladder import violations_store as vs

    h = open_from(ctx)
    loc = h.settings.locale
    with h.transaction() as s:
        st = vs.standing(s, _date(as_of, "--as-of") or date.today())
        cfg = vs.ladder_config(s)
    tab = RichTable(title=t("violation_standing", loc))
    for k in ("employee_id", "open_violations", "warning_level", "plans_due"):
        tab.add_column(t(k, loc))
    for r in st.itertuples():
        tab.add_row(r.employee_id, str(r.open_violations), cfg.level_name(r.level, loc),
                    str(r.plans_due))
    console.print(tab)
    h.close()


@app.command("due")
def due(ctx: typer.Context, as_of: DateOpt = None) -> None:
    """Corrective plans due (or due within the warning days), the most overdue first."""
    from core.labels import t
    from graders.ladder import violations as vio
    from graders.ladder import violations_store as vs

    h = open_from(ctx)
    loc = h.settings.locale
    day = _date(as_of, "--as-of") or date.today()
    with h.transaction() as s:
        cfg = vs.ladder_config(s)
        p = vio.due_plans(vs.all_violations(s), cfg, day)
    tab = RichTable(title=f"{t('plans_due', loc)} ({len(p)})")
    for k in ("violation_id", "employee_id", "plan_goal", "due_on", "overdue_days"):
        tab.add_column(t(k, loc))
    for r in p.itertuples():
        tab.add_row(r.violation_id, r.employee_id, r.plan_goal or "", str(r.plan_due),
                    str(r.overdue))
    console.print(tab)
    h.close()
