"""`academy plans ...`: technical support's monthly work plan (agree, score next month, show)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from academy.cli_common import console, open_from
from academy.cli_evidence import CycleOpt, DryOpt, FileArg, KeyOpt, SheetOpt, report_import

app = typer.Typer(help="Technical support's monthly work plan: agree, score next month, show.",
                  no_args_is_help=True)


def _run(ctx, importer, path: Path, cycle, dry_run, sheet, key, **kw) -> None:
    from sqlalchemy.orm import Session

    from graders.sources.work_plans import load_rules
    from roster.store import current_user

    h = open_from(ctx)
    rules = load_rules(h.assessments_dir)
    with Session(h.engine) as session:
        session.begin()
        try:
            result = importer(session, path, rules, current_user(), cycle_name=cycle, key=key,
                              sheet=sheet, dry_run=dry_run, **kw)
        except BaseException:
            session.rollback()
            raise
        session.rollback() if dry_run else session.commit()
    report_import(result, "plan items", dry_run)
    h.close()


@app.command("import")
def plans_import(ctx: typer.Context, file: FileArg, cycle: CycleOpt = None, dry_run: DryOpt = False,
                 sheet: SheetOpt = None, replaces: KeyOpt = None) -> None:
    """Import agreed plan items: staff id, month, item, weight, target, supervisor."""
    from graders.sources.work_plans import import_plan

    _run(ctx, import_plan, file, cycle, dry_run, sheet, replaces)


@app.command("score")
def plans_score(ctx: typer.Context, file: FileArg, cycle: CycleOpt = None, dry_run: DryOpt = False,
                sheet: SheetOpt = None, replaces: KeyOpt = None,
                today: Annotated[Optional[str], typer.Option(
                    help="Score as of this date (YYYY-MM-DD; default: today).")] = None) -> None:
    """Score last month's items: staff id, month, item, status (done/partly/not done), quality."""
    from core.tabular import parse_date
    from graders.sources.work_plans import import_scores

    _run(ctx, import_scores, file, cycle, dry_run, sheet, replaces,
         today=parse_date(today) if today else date.today())


@app.command("show")
def plans_show(ctx: typer.Context, cycle: CycleOpt = None,
               employee: Annotated[Optional[str], typer.Option(help="One staff id.")] = None) -> None:
    """Agreed plan items and their scores, per person and month."""
    from core.cycles import named_or_current
    from graders.sources.work_plans import plan_overview

    h = open_from(ctx)
    with h.transaction() as s:
        c = named_or_current(s, cycle)
        df = plan_overview(s, c.id)
    if employee:
        df = df[df["employee_id"] == employee]
    t = RichTable(title=f"Work plans of cycle {c.name}")
    for col in ("staff id", "month", "item", "weight", "status", "quality", "score"):
        t.add_column(col)
    for r in df.itertuples():
        t.add_row(r.employee_id, r.month, r.title, f"{float(r.weight):g}", r.status or "-",
                  "-" if r.quality is None or r.quality != r.quality else f"{float(r.quality):g}",
                  "-" if r.score != r.score else f"{r.score:.1f}")
    console.print(t)
    h.close()
