"""`academy practical|reviews|surveys|behaviour|evidence ...`: evidence besides the theory exams."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from academy.cli_common import console, open_from

practical_app = typer.Typer(help="Practical exams scored against rubrics.", no_args_is_help=True)
reviews_app = typer.Typer(help="360-degree reviews: peer, supervisor, self.", no_args_is_help=True)
surveys_app = typer.Typer(help="Customer satisfaction surveys.", no_args_is_help=True)
behaviour_app = typer.Typer(help="Key-behaviour deductions for field service.", no_args_is_help=True)
evidence_app = typer.Typer(help="All evidence of a cycle: batches, history, quality flags.",
                           no_args_is_help=True)

apps = {"practical": practical_app, "reviews": reviews_app, "surveys": surveys_app,
        "behaviour": behaviour_app, "evidence": evidence_app}

FileArg = Annotated[Path, typer.Argument(help="CSV (UTF-8/GB18030) or .xlsx file")]
CycleOpt = Annotated[Optional[str], typer.Option(help="Cycle (default: the current open one).")]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="Check the file; write nothing.")]
SheetOpt = Annotated[Optional[str], typer.Option(help="Sheet of an .xlsx file.")]
KeyOpt = Annotated[Optional[str], typer.Option(
    "--replaces", help="Batch key this import replaces (default: the file name).")]


def _run_import(ctx, importer, path: Path, cycle, dry_run, sheet, key, with_cfg=True) -> None:
    from sqlalchemy.orm import Session

    from graders.forms_config import load_evidence_config
    from roster.store import current_user

    h = open_from(ctx)
    cfg = load_evidence_config(h.assessments_dir) if with_cfg else None
    with Session(h.engine) as session:
        session.begin()
        try:
            args = dict(entered_by=current_user(), cycle_name=cycle, sheet=sheet, dry_run=dry_run)
            if with_cfg:
                result = importer(session, path, cfg, key=key, **args)
            else:
                result = importer(session, path, **args)
        except BaseException:
            session.rollback()
            raise
        session.rollback() if dry_run else session.commit()
    report_import(result, "scores", dry_run)
    h.close()


def report_import(result, noun: str, dry_run: bool) -> None:
    """One import's outcome: rows read, what was stored, batches replaced, a dry run's notice."""
    extra = "".join(f", {k}: {v}" for k, v in result.extra.items())
    console.print(f"{result.file}: {result.rows} rows -> {result.evidence} {noun}{extra} for cycle "
                  f"{result.cycle}" + (f" (batch #{result.batch_id})" if result.batch_id else ""))
    if result.replaced:
        console.print(f"Replaced earlier batch(es) {', '.join(f'#{b}' for b in result.replaced)}; "
                      "they stay in the history.")
    if dry_run:
        console.print("[yellow]Dry run: nothing was written.[/yellow]")


@practical_app.command("import")
def practical_import(ctx: typer.Context, file: FileArg, cycle: CycleOpt = None, dry_run: DryOpt = False,
                     sheet: SheetOpt = None, replaces: KeyOpt = None) -> None:
    """Import trainers' rubric scores: one row per trainee, scenario (rubric) and trainer."""
    from graders.sources import practical

    _run_import(ctx, practical.import_file, file, cycle, dry_run, sheet, replaces)


@practical_app.command("agreement")
def practical_agreement(ctx: typer.Context, cycle: CycleOpt = None) -> None:
    """Agreement between trainers per scenario, and lenient or harsh trainers."""
    from core.cycles import named_or_current
    from graders.forms_config import load_evidence_config
    from graders.sources.load import evidence_frame
    from graders.sources.practical import agreement

    h = open_from(ctx)
    rules = load_evidence_config(h.assessments_dir).practical
    with h.transaction() as s:
        c = named_or_current(s, cycle)
        scen, raters = agreement(evidence_frame(s, c.id, "practical"), rules)
    t = RichTable(title=f"Scenario agreement, cycle {c.name} (floor {rules.agreement_floor})")
    for col in ("scenario", "Krippendorff's alpha", "trainers", "trainees", "status"):
        t.add_column(col)
    for r in scen.itertuples():
        t.add_row(r.rubric, f"{r.alpha:.3f}", str(r.raters), str(r.performances), r.status)
    console.print(t)
    t = RichTable(title="Trainers against their peers (points on 0-100)")
    for col in ("trainer", "shared", "leniency", "inconsistency", "status"):
        t.add_column(col)
    for r in raters.itertuples():
        t.add_row(str(r.rater_id), str(r.shared), f"{r.bias:+.1f}", f"{r.mean_abs_dev:.1f}", r.status)
    console.print(t)
    h.close()


@reviews_app.command("import")
def reviews_import(ctx: typer.Context, file: FileArg, cycle: CycleOpt = None, dry_run: DryOpt = False,
                   sheet: SheetOpt = None, replaces: KeyOpt = None) -> None:
    """Import 360-degree reviews (rater, ratee, optional relation, one column per item)."""
    from graders.sources import reviews

    _run_import(ctx, reviews.import_file, file, cycle, dry_run, sheet, replaces)


@surveys_app.command("import")
def surveys_import(ctx: typer.Context, file: FileArg, cycle: CycleOpt = None, dry_run: DryOpt = False,
                   sheet: SheetOpt = None, replaces: KeyOpt = None) -> None:
    """Import customer survey responses (linked by staff id or ticket)."""
    from graders.sources import surveys

    _run_import(ctx, surveys.import_file, file, cycle, dry_run, sheet, replaces)


@surveys_app.command("tickets")
def surveys_tickets(ctx: typer.Context, file: FileArg, cycle: CycleOpt = None, dry_run: DryOpt = False,
                    sheet: SheetOpt = None) -> None:
    """Import closed service tickets (ticket, staff id, date, survey sent) for coverage."""
    from graders.sources import surveys

    _run_import(ctx, surveys.import_tickets, file, cycle, dry_run, sheet, None, with_cfg=False)


@surveys_app.command("company")
def surveys_company(ctx: typer.Context, cycle: CycleOpt = None,
                    to: Annotated[Optional[Path], typer.Option(
                        "--to", help="Also write the report to an .xlsx or .csv file.")] = None) -> None:
    """Company items (product, price, delivery, packaging) per item and team; never scored."""
    from core.cycles import named_or_current
    from graders.company_feedback import company_report, export_company_report

    h = open_from(ctx)
    with h.transaction() as s:
        c = named_or_current(s, cycle)
        report = company_report(s, c.id)
    t = RichTable(title=f"Company items of cycle {c.name}")
    for col in ("item", "team", "responses", "mean (0-100)", "satisfied"):
        t.add_column(col)
    for r in report.itertuples():
        t.add_row(r.item_en, "all teams" if r.team == "*" else r.team, str(r.responses),
                  f"{r.mean:.1f}", f"{r.satisfied_share:.0%}")
    console.print(t)
    if to is not None:
        export_company_report(report, to, h.settings.locale)
        console.print(f"Written to {to}")
    h.close()


@behaviour_app.command("import")
def behaviour_import(ctx: typer.Context, file: FileArg, cycle: CycleOpt = None, dry_run: DryOpt = False,
                     sheet: SheetOpt = None, replaces: KeyOpt = None) -> None:
    """Import key-behaviour deductions (staff id, month, behaviour, count)."""
    from graders.sources import behaviour

    _run_import(ctx, behaviour.import_file, file, cycle, dry_run, sheet, replaces)


@evidence_app.command("summary")
def evidence_summary(ctx: typer.Context, cycle: CycleOpt = None) -> None:
    """How many people have each component, and how many are insufficient."""
    from core.cycles import named_or_current
    from graders.sources.load import collect
    from roster.store import list_staff

    h = open_from(ctx)
    with h.transaction() as s:
        c = named_or_current(s, cycle)
        ids = [r.employee_id for r in list_staff(s)]
        res = collect(s, c.id, ids)
    t = RichTable(title=f"Evidence of cycle {c.name} ({len(ids)} active staff)")
    for col in ("component", "ok", "insufficient", "missing", "mean score"):
        t.add_column(col)
    for comp, g in res.components.groupby("component", sort=False):
        counts = g["status"].value_counts()
        t.add_row(comp, *(str(int(counts.get(k, 0))) for k in ("ok", "insufficient", "missing")),
                  f"{g['score'].mean():.1f}" if g["score"].notna().any() else "-")
    console.print(t)
    h.close()


@evidence_app.command("flags")
def evidence_flags(ctx: typer.Context, cycle: CycleOpt = None) -> None:
    """Evidence-quality warnings: low agreement, biased trainers, straight-liners, coverage ..."""
    from core.cycles import named_or_current
    from graders.sources.load import collect

    h = open_from(ctx)
    with h.transaction() as s:
        c = named_or_current(s, cycle)
        flags = collect(s, c.id, []).flags
    if flags.empty:
        console.print(f"No evidence-quality warnings for cycle {c.name}.")
    else:
        t = RichTable(title=f"Evidence-quality warnings, cycle {c.name}")
        for col in ("kind", "source", "subject", "detail"):
            t.add_column(col)
        for r in flags.itertuples():
            t.add_row(r.kind, r.source, str(r.subject), r.detail)
        console.print(t)
    h.close()


@evidence_app.command("batches")
def evidence_batches(ctx: typer.Context, cycle: CycleOpt = None) -> None:
    """Every batch of evidence in a cycle, current and replaced, with who entered it and when."""
    from sqlalchemy import select

    from core.cycles import named_or_current
    from graders.evidence import EvidenceBatch

    h = open_from(ctx)
    with h.transaction() as s:
        c = named_or_current(s, cycle)
        t = RichTable(title=f"Evidence batches, cycle {c.name}")
        for col in ("#", "source", "key", "file", "rows", "by", "when", "replaced by"):
            t.add_column(col)
        for b in s.scalars(select(EvidenceBatch).where(EvidenceBatch.cycle_id == c.id)
                           .order_by(EvidenceBatch.id)):
            t.add_row(str(b.id), b.source, b.key, b.file_name or "", str(b.rows), b.entered_by,
                      f"{b.entered_at:%Y-%m-%d %H:%M}",
                      f"#{b.superseded_by}" if b.superseded_by else "")
    console.print(t)
    h.close()
