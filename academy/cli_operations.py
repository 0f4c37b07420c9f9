"""`academy tickets ...` (service tickets and their operational KPIs) and `academy pay CYCLE`
(monthly performance pay from KPI items). Thin: options in, one call of the packages, a table out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from academy.cli_common import console, open_from

app = typer.Typer(help="Service tickets with timestamps: import, operational KPIs, missed "
                       "commitments.", no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="Ticket export: CSV (UTF-8/UTF-16/GB18030) or .xlsx")]
MonthOpt = Annotated[Optional[str], typer.Option(help="Month YYYY-MM (default: the open cycle's "
                                                      "months).")]
CycleOpt = Annotated[Optional[str], typer.Option(help="Cycle whose months to show.")]


def _months(session, month: str | None, cycle: str | None) -> list[str]:
    import re

    from core.cycles import current_cycle, get_cycle
    from core.errors import AcademyError
    from graders.sources.operations import cycle_months

    if month:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            raise AcademyError(f"--month {month!r}: write the month as YYYY-MM, e.g. 2026-11")
        return [month]
    c = get_cycle(session, cycle) if cycle else current_cycle(session)
    if c is None:
        raise AcademyError("no open cycle: give --month YYYY-MM or --cycle NAME")
    return cycle_months(c)


def _pct(v) -> str:
    return "-" if v is None or v != v else f"{100 * v:.1f}%"


def _num(v, digits: int = 1) -> str:
    return "-" if v is None or v != v else f"{v:.{digits}f}"


@app.command("import")
def tickets_import(
    ctx: typer.Context, file: FileArg,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Check the file; write nothing.")] = False,
    sheet: Annotated[Optional[str], typer.Option(help="Sheet of an .xlsx file.")] = None,
    replaces: Annotated[Optional[str], typer.Option(
        "--replaces", help="Batch key this import replaces (default: the file name).")] = None,
) -> None:
    """Import a ticket export (ticket, staff id, channel, customer, the time of each step,
    first-contact resolution, reopened, complaint, survey sent)."""
    from sqlalchemy.orm import Session

    from graders.service_kpis.config import load_operations
    from graders.tickets import import_tickets
    from roster.store import current_user

    h = open_from(ctx)
    cfg = load_operations(h.assessments_dir)
    with Session(h.engine) as session:
        session.begin()
        try:
            res = import_tickets(session, file, current_user(), cfg, key=replaces, sheet=sheet,
                                 dry_run=dry_run)
        except BaseException:
            session.rollback()
            raise
        session.rollback() if dry_run else session.commit()
    months = f"{res.months[0]} to {res.months[-1]}" if res.months else "no months"
    console.print(f"{res.file} ({res.encoding}): {res.rows} tickets, {months}; "
                  f"{res.extra['open']} still open, {res.extra['complaints']} complaints"
                  + (f" (batch #{res.batch_id})" if res.batch_id else ""))
    if res.replaced:
        console.print(f"Replaced earlier batch(es) {', '.join(f'#{b}' for b in res.replaced)}; "
                      "they stay in the history.")
    if dry_run:
        console.print("[yellow]Dry run: nothing was written.[/yellow]")
    h.close()


@app.command("kpis")
def tickets_kpis(
    ctx: typer.Context, month: MonthOpt = None, cycle: CycleOpt = None,
    by: Annotated[str, typer.Option(help="person or team")] = "team",
    team: Annotated[Optional[str], typer.Option(help="Only this team.")] = None,
) -> None:
    """Commitment compliance, response and handling times, FCR, throughput, complaints."""
    from core.errors import AcademyError
    from core.labels import t
    from graders.sources.operations import load_operations_kpis

    if by not in ("person", "team"):
        raise AcademyError("--by must be person or team")
    h = open_from(ctx)
    loc = h.settings.locale
    with h.transaction() as s:
        ops = load_operations_kpis(s, _months(s, month, cycle))
    frame = ops.teams if by == "team" else ops.people.merge(
        ops.roster[["employee_id", "name", "team"]], on="employee_id", how="left")
    if team:
        frame = frame[frame["team"] == team]
    key = "team" if by == "team" else "employee_id"
    tab = RichTable(title=f"Operations {', '.join(ops.months)}"
                          + (f" (as of {ops.as_of:%Y-%m-%d %H:%M})" if ops.as_of else ""))
    for col in ("month", key, "tickets", "closed_tickets", "response_rate", "arrival_rate",
                "fix_rate", "response_avg_minutes", "response_p90_minutes", "handling_avg_hours",
                "fcr_rate", "complaints", "complaint_resolution_rate", "repeats"):
        tab.add_column(t(col, loc))
    for r in frame.to_dict("records"):
        tab.add_row(r["month"], str(r[key]), str(r["tickets"]), str(r["closed"]),
                    _pct(r["response_rate"]), _pct(r["arrival_rate"]), _pct(r["fix_rate"]),
                    _num(r["response_avg_minutes"]), _num(r["response_p90_minutes"]),
                    _num(r["handling_avg_hours"]), _pct(r["fcr_rate"]), str(r["complaints"]),
                    _pct(r["complaint_resolution_rate"]), str(r["repeats"]))
    console.print(tab)
    h.close()


@app.command("breaches")
def tickets_breaches(
    ctx: typer.Context, month: MonthOpt = None, cycle: CycleOpt = None,
    employee: Annotated[Optional[str], typer.Option(help="Only this employee id.")] = None,
    team: Annotated[Optional[str], typer.Option(help="Only this team.")] = None,
) -> None:
    """The tickets behind every missed commitment."""
    from core.labels import t
    from graders.sources.operations import load_operations_kpis

    h = open_from(ctx)
    loc = h.settings.locale
    with h.transaction() as s:
        ops = load_operations_kpis(s, _months(s, month, cycle))
    b = ops.breaches
    if employee:
        b = b[b["employee_id"] == employee]
    if team:
        b = b[b["team"] == team]
    tab = RichTable(title=f"{t('breaches', loc)}: {len(b)}")
    for col in ("month", "ticket_id", "employee_id", "team", "channel", "commitment",
                "reported_at", "elapsed", "target"):
        tab.add_column(t(col, loc))
    for r in b.head(200).to_dict("records"):
        unit = t(r["unit"], loc)
        tab.add_row(r["month"], r["ticket_id"], r["employee_id"], str(r["team"]),
                    t(r["channel"], loc), t(r["commitment"], loc),
                    f"{r['reported_at']:%Y-%m-%d %H:%M}",
                    f"{r['elapsed']:.1f} {unit}" if r["elapsed"] == r["elapsed"]
                    else t("not yet", loc),
                    f"{r['target']:g} {unit}")
    console.print(tab)
    if len(b) > 200:
        console.print(f"... and {len(b) - 200} more")
    h.close()


@app.command("batches")
def tickets_batches(ctx: typer.Context) -> None:
    """Every ticket import, current and replaced, with who entered it and when."""
    from sqlalchemy import select

    from graders.ticket_models import TicketBatch

    h = open_from(ctx)
    tab = RichTable(title="Ticket batches")
    for col in ("#", "key", "file", "encoding", "rows", "by", "when", "replaced by"):
        tab.add_column(col)
    with h.transaction() as s:
        for b in s.scalars(select(TicketBatch).order_by(TicketBatch.id)):
            tab.add_row(str(b.id), b.key, b.file_name, b.encoding, str(b.rows), b.entered_by,
                        f"{b.entered_at:%Y-%m-%d %H:%M}",
                        f"#{b.superseded_by}" if b.superseded_by else "")
    console.print(tab)
    h.close()


def pay(
    ctx: typer.Context,
    cycle: Annotated[str, typer.Argument(help="The cycle whose months to pay, e.g. 2026-Q4.")],
    to: Annotated[Optional[Path], typer.Option(
        "--to", help="Write the pay sheet to this .xlsx.")] = None,
    pay_file: Annotated[Optional[Path], typer.Option(
        "--pay", help="CSV or .xlsx of last-month average pay per person (employee_id, pay); the "
                      "scheme's reference pay is used for anyone not in it.")] = None,
) -> None:
    """Monthly performance pay from the schemes' operational KPI items, with the health check
    per month and role ("80% below KPI 1 means revise the scheme")."""
    from core.cycles import get_cycle
    from core.errors import AcademyError
    from core.labels import t
    from graders.engine.schemes import home_schemes
    from graders.service_kpis.export import write_pay_workbook
    from graders.sources.operations import cycle_months, cycle_pay, load_operations_kpis

    h = open_from(ctx)
    loc = h.settings.locale
    schemes = home_schemes(h)
    if not any(s.kpi for s in schemes.values()):
        raise AcademyError("no role scheme has KPI items (kpi:): monthly pay is not computed; "
                           "the cycle pay of `academy grade` applies")
    reference = None
    if pay_file is not None:
        from graders.service_kpis.pay_file import read_reference_pay

        reference = read_reference_pay(pay_file)
    with h.transaction() as s:
        c = get_cycle(s, cycle)
        ops = load_operations_kpis(s, cycle_months(c))
        paid, items, checks = cycle_pay(s, c, schemes, reference, ops)
    for m, part in paid.groupby("month", sort=True):
        ok = part[part["status"] == "ok"]
        console.print(f"{m}: {len(ok)} of {len(part)} staff with a KPI value; mean KPI "
                      f"{_num(ok['kpi'].mean(), 2)}; {t('total_pay', loc)} "
                      f"{ok['total_pay'].sum():,.2f}")
    for r in checks.to_dict("records"):
        colour = "red" if r["level"] == "revise" else "green"
        console.print(f"[{colour}]check kpi_health: {r['message']}[/{colour}]")
    if to is not None:
        path = write_pay_workbook(to, paid, items, checks, ops.people, ops.teams, ops.breaches, loc)
        console.print(f"Pay sheet written to {path}")
    h.close()


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="tickets")
    root.command("pay")(pay)
