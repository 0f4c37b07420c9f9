"""The `academy` command: turns options into calls of the packages, prints results.

No logic lives here beyond presentation; user mistakes print a message, never a traceback.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from academy import cli_fair as _cli_fair  # noqa: F401  (academy practical adjust)
from academy.cli_bench import app as bench_app
from academy.cli_common import HomeOpt, console, err, home_arg, open_from
from academy.cli_course import app as course_app
from academy.cli_evidence import apps as evidence_apps
from academy.cli_exam import app as exam_app
from academy.cli_goals import register as _register_goals
from academy.cli_grades import register as _register_grades
from academy.cli_hub import app as hub_app
from academy.cli_impact import register as _register_impact
from academy.cli_ladder import apps as ladder_apps
from academy.cli_operations import register as _register_operations
from academy.cli_plans import app as plans_app
from academy.cli_serve import register as _register_serve
from core.errors import AcademyError, ProblemsError
from roster.store import sync_roles

app = typer.Typer(
    name="academy",
    help="Service Academy: training and assessment for after-sales service staff.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
roster_app = typer.Typer(help="The staff roster: import, list, history.", no_args_is_help=True)
cycle_app = typer.Typer(help="Assessment cycles (periods such as 2026-Q4).", no_args_is_help=True)
db_app = typer.Typer(help="The platform database schema.", no_args_is_help=True)
app.add_typer(roster_app, name="roster")
app.add_typer(cycle_app, name="cycle")
app.add_typer(db_app, name="db")
# Each capability keeps its commands in a module of its own.
app.add_typer(exam_app, name="exam")
app.add_typer(course_app, name="course")
for _name, _sub in evidence_apps.items():
    app.add_typer(_sub, name=_name)
app.add_typer(plans_app, name="plans")  # technical support's monthly work plan
_register_grades(app)  # grade, publish, reopen, override, history, results, export
_register_serve(app)  # serve (JupyterLab and the Voila dashboards)
_register_operations(app)  # tickets import|kpis|breaches|batches, pay
app.add_typer(bench_app, name="bench")  # benchmarks (not tests)
app.add_typer(hub_app, name="hub")  # JupyterHub for a department
for _name, _sub in ladder_apps.items():  # violations, careers, competitions
    app.add_typer(_sub, name=_name)
_register_goals(app)  # goals, one-to-ones, management (team figures, churn)
_register_impact(app, bench_app)  # impact, bench impact


@app.callback()
def _root(ctx: typer.Context, home: HomeOpt = None) -> None:
    ctx.obj = {"home": home}


@app.command()
def init(
    ctx: typer.Context,
    home: HomeOpt = None,
    db_url: Annotated[Optional[str], typer.Option(
        "--db-url", help="Platform database URL, e.g. postgresql+psycopg://user:pw@host/academy "
                         "(default: SQLite file academy.db in the home).")] = None,
) -> None:
    """Create an academy home: settings, database, nbgrader course and exchange."""
    from core.db import safe_url
    from core.home import init_home

    h = ctx.with_resource(init_home(home_arg(ctx, home), db_url=db_url))
    # the home (bottom layer) knows no roster; the shell fills the roles table from the settings
    # (a roster import does it again, so roles added to the settings later are picked up)
    with h.transaction() as session:
        sync_roles(session, h.settings.roles)
    console.print(f"Academy home ready at [bold]{h.root}[/bold]")
    console.print(f"  settings:        {h.settings_path}")
    console.print(f"  database:        {safe_url(h.db_url)}")
    console.print(f"  nbgrader course: {h.course_dir} (config: nbgrader_config.py)")
    console.print(f"  exchange:        {h.exchange_dir}")
    h.close()


@app.command()
def info(ctx: typer.Context) -> None:
    """Show where this home's data lives and what it holds."""
    from sqlalchemy import func, select

    from core.cycles import current_cycle
    from core.db import current_revision, safe_url
    from roster.models import Staff, Team

    h = open_from(ctx)
    with h.transaction() as s:
        n_staff = s.scalar(select(func.count()).select_from(Staff).where(Staff.active.is_(True)))
        n_teams = s.scalar(select(func.count()).select_from(Team))
        cyc = current_cycle(s)
    console.print(f"home:      {h.root}")
    console.print(f"database:  {safe_url(h.db_url)} (schema {current_revision(h.engine)})")
    console.print(f"course:    {h.course_dir}")
    console.print(f"staff:     {n_staff} active in {n_teams} teams")
    console.print(f"cycle:     {cyc.name if cyc else '(none open)'}")
    h.close()


# --- roster -----------------------------------------------------------------------------------


def _print_report(report, dry_run: bool) -> None:
    verb = "would be" if dry_run else "were"
    console.print(
        f"{report.file}: {report.rows} rows; {len(report.added)} added, {len(report.updated)} updated "
        f"({len(report.reactivated)} reactivated), {len(report.deactivated)} deactivated, "
        f"{report.unchanged} unchanged; {len(report.teams_added)} new teams."
    )
    if not report.changed:
        console.print("Nothing changed.")
        return
    table = RichTable(title=f"Changes that {verb} made", show_lines=False)
    for col in ("employee id", "change", "before", "after"):
        table.add_column(col)
    rows: list[tuple[str, str, str, str]] = []
    rows += [(e, "added", "", "") for e in report.added]
    for emp, diff in report.updated.items():
        rows += [(emp, k, str(b), str(a)) for k, (b, a) in diff.items()]
    rows += [(e, "deactivated", "active", "inactive") for e in report.deactivated]
    for r in rows[:60]:
        table.add_row(*r)
    console.print(table)
    if len(rows) > 60:
        console.print(f"... and {len(rows) - 60} more changes")
    if dry_run:
        console.print("[yellow]Dry run: nothing was written.[/yellow]")


@roster_app.command("import")
def roster_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8, UTF-8 with BOM, GB18030/GBK) or .xlsx")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and show changes; write nothing.")] = False,
    partial: Annotated[bool, typer.Option(
        "--partial", help="Update only the people in the file; nobody is deactivated.")] = False,
    sheet: Annotated[Optional[str], typer.Option(help="Sheet of an .xlsx file (default: first).")] = None,
) -> None:
    """Import the staff roster. A full import deactivates people missing from the file."""
    from roster.store import import_roster_file

    h = open_from(ctx)
    report = import_roster_file(h, file, full=not partial, dry_run=dry_run, sheet=sheet)
    _print_report(report, dry_run)
    h.close()


@roster_app.command("list")
def roster_list(
    ctx: typer.Context,
    team: Annotated[Optional[str], typer.Option(help="Only this team.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include inactive staff.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table or csv")] = "table",
) -> None:
    """Show the roster."""
    from core.labels import t
    from roster.store import list_staff, team_names

    h = open_from(ctx)
    loc = h.settings.locale
    with h.transaction() as s:
        if team is not None and team not in team_names(s):
            raise AcademyError(f"no team named {team!r} (teams: {', '.join(team_names(s))})")
        rows = list_staff(s, team=team, include_inactive=all_)
    keys = ["employee_id", "name", "team", "role", "supervisor", "hire_date", "active"]
    headers = [t(k, loc) for k in keys]
    data = [
        [r.employee_id, r.name, r.team, r.role_zh if loc == "zh" else r.role_en,
         r.supervisor_id or "", r.hire_date.isoformat() if r.hire_date else "",
         t("yes" if r.active else "no", loc)]
        for r in rows
    ]
    if fmt == "csv":
        from core.spreadsheet_text import csv_cell

        w = csv.writer(sys.stdout)
        w.writerow(headers)
        w.writerows([csv_cell(v) for v in row] for row in data)  # a name never becomes a formula
    elif fmt == "table":
        table = RichTable(title=f"{t('roster', loc)} ({len(rows)})")
        for hd in headers:
            table.add_column(hd)
        for row in data:
            table.add_row(*row)
        console.print(table)
    else:
        raise AcademyError(f"--format must be table or csv, not {fmt!r}")
    h.close()


@roster_app.command("history")
def roster_history(ctx: typer.Context, employee_id: str) -> None:
    """Every roster change recorded for one person."""
    from roster.store import history

    h = open_from(ctx)
    with h.transaction() as s:
        rows = history(s, employee_id)
        table = RichTable(title=f"Roster history of {employee_id}")
        for col in ("when", "import", "by", "field", "before", "after"):
            table.add_column(col)
        for imp, ch in rows:
            table.add_row(f"{imp.imported_at:%Y-%m-%d %H:%M}", f"#{imp.id} {imp.file_name}",
                          imp.imported_by, ch.field, ch.before or "", ch.after or "")
    if not rows:
        raise AcademyError(f"no roster history for {employee_id!r}")
    console.print(table)
    h.close()


# --- cycles -----------------------------------------------------------------------------------


def _date(value: str | None, option: str):
    from core.tabular import parse_date

    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise AcademyError(f"{option}: {exc}") from exc


@cycle_app.command("open")
def cycle_open(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="e.g. 2026-Q4, 2026-11 or 2026 (dates implied)")],
    opens: Annotated[Optional[str], typer.Option(help="First day, YYYY-MM-DD.")] = None,
    closes: Annotated[Optional[str], typer.Option(help="Last day, YYYY-MM-DD.")] = None,
) -> None:
    """Open an assessment cycle."""
    from core.cycles import open_cycle

    h = open_from(ctx)
    with h.transaction() as s:
        c = open_cycle(s, name, _date(opens, "--opens"), _date(closes, "--closes"))
        console.print(f"Cycle {c.name} is open: {c.opens_on} to {c.closes_on}.")
    h.close()


@cycle_app.command("close")
def cycle_close(ctx: typer.Context, name: str) -> None:
    """Close an assessment cycle."""
    from core.cycles import close_cycle

    h = open_from(ctx)
    with h.transaction() as s:
        c = close_cycle(s, name)
        console.print(f"Cycle {c.name} is closed.")
    h.close()


@cycle_app.command("list")
def cycle_list(ctx: typer.Context) -> None:
    """List assessment cycles."""
    from core.cycles import list_cycles
    from core.labels import t

    h = open_from(ctx)
    loc = h.settings.locale
    with h.transaction() as s:
        cycles = list_cycles(s)
        table = RichTable(title=t("cycles", loc))
        for k in ("cycle", "opens_on", "closes_on", "status"):
            table.add_column(t(k, loc))
        for c in cycles:
            table.add_row(c.name, str(c.opens_on), str(c.closes_on), t(c.status, loc))
    console.print(table if cycles else "No cycles yet: `academy cycle open 2026-Q4`.")
    h.close()


# --- database ---------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Upgrade the platform database to the newest schema (every command also does this)."""
    from core.db import current_revision, head_revision
    from core.home import open_home

    h = ctx.with_resource(open_home(home_arg(ctx), upgrade=True))
    console.print(f"Schema at {current_revision(h.engine)} (newest: {head_revision()}).")
    h.close()


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Show the schema version of the platform database."""
    from core.db import current_revision, head_revision
    from core.home import open_home

    h = ctx.with_resource(open_home(home_arg(ctx), upgrade=False))
    console.print(f"Schema at {current_revision(h.engine)} (newest: {head_revision()}).")
    h.close()


# --- demo -------------------------------------------------------------------------------------


@app.command()
def demo(
    ctx: typer.Context,
    home: HomeOpt = None,
    staff: Annotated[int, typer.Option(help="How many staff the demo company has.")] = 120,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same company.")] = 2026,
    reset: Annotated[bool, typer.Option("--reset", help="Delete the home first if it exists.")] = False,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Do not start the servers at the end.")] = False,
) -> None:
    """Build a believable demo company in a fresh home and run every step of the platform on it."""
    from academy.demo import run_demo

    run_demo(home_arg(ctx, home), staff=staff, seed=seed, reset=reset, serve=not no_serve,
             console=console)


def main(argv: list[str] | None = None) -> None:
    try:
        app(args=argv, prog_name="academy")
    except ProblemsError as exc:
        err.print("[red]error:[/red] ", end="")
        err.print(exc.summary(), markup=False, soft_wrap=True)
        sys.exit(2)
    except AcademyError as exc:
        err.print("[red]error:[/red] ", end="")
        err.print(str(exc), markup=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
