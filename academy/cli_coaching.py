"""`academy coaching ...`: the follow-up of the grades' corrective actions (graders.ladder.coaching).
Thin: options in, one call of graders.ladder.coaching_store, a table out. Every follow-up records who
(ACADEMY_USER or the login), when and why; nothing is ever changed or deleted."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from academy.cli_common import console, open_from

app = typer.Typer(help="Follow up the grades' corrective actions: met, extended, escalated.",
                  no_args_is_help=True)


def _date(value: str | None, option: str):
    from core.errors import AcademyError
    from core.tabular import parse_date

    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise AcademyError(f"{option}: {exc}") from exc


def _state_key(state: str) -> str:
    return "cfu_due_state" if state == "due" else "cfu_" + state


@app.command("list")
def list_(
    ctx: typer.Context,
    due: Annotated[bool, typer.Option("--due", help="Only those awaiting follow-up whose due "
                                                    "date has come.")] = False,
    cycle: Annotated[Optional[str], typer.Option("--cycle", help="Only this cycle.")] = None,
    today: Annotated[Optional[str], typer.Option(
        "--today", help="With --due: as of this date (YYYY-MM-DD; default: today).")] = None,
) -> None:
    """The corrective actions of published cycles and where their follow-up stands."""
    from datetime import date

    from core.labels import t
    from graders.ladder import coaching as co
    from graders.ladder import coaching_store as cs

    h = open_from(ctx)
    loc = h.settings.locale
    with h.transaction() as s:
        f = cs.followups(s, cycle)
    if due:
        f = co.due(f, _date(today, "--today") or date.today())
    tab = RichTable(title=t("cfu_title", loc))
    for k in ("cycle", "employee_id", "name", "team", "cfu_due", "cfu_state",
              "cfu_extensions", "cfu_last"):
        tab.add_column(t(k, loc))
    for r in f.itertuples(index=False):
        last = f"{r.last_by}: {r.last_why}" if isinstance(r.last_by, str) else ""
        tab.add_row(r.cycle, r.employee_id, r.name or "", r.team or "", str(r.due_on or ""),
                    t(_state_key(r.state), loc), str(r.extensions), last)
    console.print(tab)
    h.close()


@app.command("follow-up")
def follow_up(
    ctx: typer.Context,
    cycle: Annotated[str, typer.Argument(help="The published cycle of the corrective action.")],
    employee_id: Annotated[str, typer.Argument(help="Whose corrective action.")],
    outcome: Annotated[str, typer.Argument(help="met | extended | escalated")],
    why: Annotated[str, typer.Option("--why", help="Why (recorded with who and when).")],
    until: Annotated[Optional[str], typer.Option(
        "--until", help="With extended: the new due date, YYYY-MM-DD.")] = None,
) -> None:
    """Record a corrective action's follow-up (by the person's line, a trainer or an admin)."""
    from core.labels import t
    from graders.ladder import coaching_store as cs
    from roster.store import current_user

    h = open_from(ctx)
    loc = h.settings.locale
    with h.transaction() as s:
        r = cs.follow_up(s, cycle, employee_id, outcome, current_user(), why,
                         _date(until, "--until"))
    console.print(f"{cycle} {employee_id}: {t(_state_key(r['state']), loc)}; "
                  f"{t('cfu_due', loc)} {r['due_on']} ({r['extensions']}/2).")
    h.close()
