"""`academy goals ...`, `academy one-to-ones ...` and `academy management ...`: SMART goals,
one-to-one talks, and the team figures supervisors and managers are graded on.

The acting person is `$ACADEMY_USER` (else the login name): an employee id sets, agrees and scores
as that person, and sees only their own and their staff's goals and talks; anyone else at the shell
of the home (an administrator) sees everything. Imports are all-or-nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from academy.cli_common import console, in_transaction

goals_app = typer.Typer(help="SMART goals per person and month: set, agree (both), score next "
                             "month, list, import.", no_args_is_help=True)
talks_app = typer.Typer(help="Monthly one-to-one talks: record, list, import.",
                        no_args_is_help=True)
management_app = typer.Typer(help="Team figures of supervisors and managers; customer churn.",
                             no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="CSV or .xlsx file.")]
SheetOpt = Annotated[Optional[str], typer.Option(help="Sheet of an .xlsx workbook.")]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing.")]
TodayOpt = Annotated[Optional[str], typer.Option(
    help="Act as of this date (YYYY-MM-DD; default: today).")]


def _today(text: str | None) -> date:
    from core.tabular import parse_date

    return parse_date(text) if text else date.today()


def _actor() -> str:
    from roster.store import current_user

    return current_user()


def _viewer_scope(session) -> set[str] | None:
    """What the acting person may see: an employee id sees themself and their staff."""
    from graders.managers.goals import visible_to
    from roster.models import Staff

    me = _actor()
    return visible_to(session, me) if session.get(Staff, me) is not None else None


# --- goals ---------------------------------------------------------------------------------------


@goals_app.command("set")
def goals_set(ctx: typer.Context, employee_id: str, month: str, title: str,
              measure: Annotated[str, typer.Option(help="How achievement is measured.")],
              weight: Annotated[float, typer.Option(help="Weight among the month's goals.")] = 1.0,
              today: TodayOpt = None) -> None:
    """Set a goal for EMPLOYEE_ID and MONTH (YYYY-MM), as the person or a manager above them."""
    from graders.managers.goals import set_goal

    g = in_transaction(ctx, lambda s, h: set_goal(s, employee_id, month, title, measure, _actor(),
                                               weight, _today(today)).id)
    console.print(f"goal {g} set for {employee_id} in {month}; both the person and a manager "
                  "above them agree to it next (academy goals agree)")


@goals_app.command("agree")
def goals_agree(ctx: typer.Context, goal_id: int, today: TodayOpt = None) -> None:
    """Agree to a goal, as its person or as a manager above them."""
    from graders.managers.goals import agree_goal

    state = in_transaction(ctx, lambda s, h: _agreed(agree_goal(s, goal_id, _actor(), _today(today))))
    console.print(f"goal {goal_id}: {state}")


def _agreed(g) -> str:
    if g.person_agreed_at and g.manager_agreed_at:
        return "agreed by both"
    return "agreed by the person" if g.person_agreed_at else f"agreed by {g.manager_agreed_by}"


@goals_app.command("score")
def goals_score(ctx: typer.Context, goal_id: int,
                achievement: Annotated[str, typer.Argument(help="0-100, 85%, done/partly/not done.")],
                comment: Annotated[Optional[str], typer.Option()] = None,
                today: TodayOpt = None) -> None:
    """Score an agreed goal once its month is over, as a manager above the person."""
    from graders.managers.goals import parse_achievement, score_goal

    try:
        value = parse_achievement(achievement)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    in_transaction(ctx, lambda s, h: score_goal(s, goal_id, value, _actor(), comment, _today(today)))
    console.print(f"goal {goal_id} scored {value:g}")


@goals_app.command("list")
def goals_list(ctx: typer.Context,
               employee: Annotated[Optional[str], typer.Option(help="One person.")] = None,
               month: Annotated[Optional[str], typer.Option(help="YYYY-MM")] = None) -> None:
    """Goals you may see (yours and your staff's), with their state."""
    from core.labels import t
    from graders.managers.goals import goals_frame, parse_month

    months = [parse_month(month)] if month else None
    frame, loc = in_transaction(ctx, lambda s, h: (goals_frame(s, months, _viewer_scope(s)),
                                                h.settings.locale), dry_run=True)
    if employee:
        frame = frame[frame["employee_id"] == employee]
    table = RichTable("id", *[t(k, loc) for k in ("employee_id", "month", "goal", "measure",
                                                  "weight", "goal_state", "achievement")],
                      title=t("smart_goals", loc))
    for r in frame.itertuples():
        table.add_row(str(r.id), r.employee_id, r.month, r.title, r.measure, f"{r.weight:g}",
                      t(r.state, loc), "" if r.achievement != r.achievement
                      or r.achievement is None else f"{r.achievement:g}")
    console.print(table)


@goals_app.command("import")
def goals_import(ctx: typer.Context, file: FileArg, sheet: SheetOpt = None,
                 dry_run: DryOpt = False, today: TodayOpt = None) -> None:
    """Import goals: staff id, month, goal, measure, weight, manager, confirmations."""
    from graders.managers.goals import import_goals

    r = in_transaction(ctx, lambda s, h: import_goals(s, file, sheet, _today(today)), dry_run)
    console.print(f"{r.file}: {r.goals} goals set, {r.agreed} agreed by both"
                  + (" (dry run: nothing written)" if dry_run else ""))


@goals_app.command("scores")
def goals_scores(ctx: typer.Context, file: FileArg, sheet: SheetOpt = None,
                 dry_run: DryOpt = False, today: TodayOpt = None) -> None:
    """Import scores of last month's agreed goals: staff id, month, goal, achievement, manager."""
    from graders.managers.goals import import_scores

    r = in_transaction(ctx, lambda s, h: import_scores(s, file, sheet, _today(today)), dry_run)
    console.print(f"{r.file}: {r.scored} goals scored"
                  + (" (dry run: nothing written)" if dry_run else ""))


# --- one-to-ones ---------------------------------------------------------------------------------


@talks_app.command("record")
def talks_record(ctx: typer.Context, employee_id: str,
                 held_on: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
                 manager: Annotated[Optional[str], typer.Option(
                     help="The manager (default: you).")] = None,
                 notes: Annotated[Optional[str], typer.Option()] = None,
                 today: TodayOpt = None) -> None:
    """Record a one-to-one talk held with EMPLOYEE_ID on a day."""
    from core.tabular import parse_date
    from graders.managers.goals import record_one_to_one

    try:
        day = parse_date(held_on)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    in_transaction(ctx, lambda s, h: record_one_to_one(s, employee_id, manager or _actor(), day,
                                                    _actor(), notes, _today(today)))
    console.print(f"one-to-one with {employee_id} on {day.isoformat()} recorded")


@talks_app.command("list")
def talks_list(ctx: typer.Context,
               month: Annotated[Optional[str], typer.Option(help="YYYY-MM")] = None) -> None:
    """One-to-ones you may see (yours and your staff's)."""
    from core.labels import t
    from graders.managers.goals import one_to_ones_frame, parse_month

    months = [parse_month(month)] if month else None
    frame, loc = in_transaction(ctx, lambda s, h: (one_to_ones_frame(s, months, _viewer_scope(s)),
                                                h.settings.locale), dry_run=True)
    table = RichTable(*[t(k, loc) for k in ("employee_id", "manager_id", "held_on", "notes")],
                      title=t("one_to_one", loc))
    for r in frame.itertuples():
        table.add_row(r.employee_id, r.manager_id, str(r.held_on),
                      r.notes if isinstance(r.notes, str) else "")
    console.print(table)


@talks_app.command("import")
def talks_import(ctx: typer.Context, file: FileArg, sheet: SheetOpt = None,
                 dry_run: DryOpt = False, today: TodayOpt = None) -> None:
    """Import one-to-ones: staff id, manager, date, notes."""
    from graders.managers.goals import import_one_to_ones

    r = in_transaction(ctx, lambda s, h: import_one_to_ones(s, file, _actor(), sheet, _today(today)),
                    dry_run)
    console.print(f"{r.file}: {r.talks} one-to-ones recorded"
                  + (" (dry run: nothing written)" if dry_run else ""))


# --- management figures --------------------------------------------------------------------------


@management_app.command("figures")
def management_figures(ctx: typer.Context, cycle: str,
                       head: Annotated[Optional[str], typer.Option(
                           help="One supervisor or manager.")] = None,
                       today: TodayOpt = None) -> None:
    """Each supervisor's and manager's team figures in CYCLE, against the scheme's targets."""
    from core.cycles import get_cycle
    from core.errors import AcademyError
    from graders.engine.schemes import home_schemes
    from graders.managers.store import team_figures

    def run(s, h):
        c = get_cycle(s, cycle)
        if c is None:
            raise AcademyError(f"no cycle {cycle!r}")
        sch = home_schemes(h).get("management")
        targets = sch.management.targets if sch is not None and sch.management else None
        scope = _viewer_scope(s)
        heads = [head] if head else None
        fig = team_figures(s, c, targets, heads, _today(today))
        return (fig if scope is None else fig[fig["head_id"].isin(scope)]), h.settings.locale

    from core.labels import t

    fig, loc = in_transaction(ctx, run, dry_run=True)
    table = RichTable(*[t(k, loc) for k in ("head", "indicator", "value", "target", "score")],
                      title=f"{t('team_figures', loc)} {cycle}")
    for r in fig.itertuples():
        table.add_row(r.head_id, t(r.indicator, loc), f"{r.value:.1%}", f"{r.target:.0%}",
                      f"{r.score:.1f}")
    console.print(table)


@management_app.command("churn")
def management_churn(ctx: typer.Context, file: FileArg, sheet: SheetOpt = None,
                     dry_run: DryOpt = False) -> None:
    """Import customer churn per team and month: team, month, customers, customers lost."""
    from graders.managers.churn import import_churn

    r = in_transaction(ctx, lambda s, h: import_churn(s, file, _actor(), sheet), dry_run)
    console.print(f"{file.name}: {r} team months of churn"
                  + (" (dry run: nothing written)" if dry_run else ""))


def register(app: typer.Typer) -> None:
    app.add_typer(goals_app, name="goals")
    app.add_typer(talks_app, name="one-to-ones")
    app.add_typer(management_app, name="management")
