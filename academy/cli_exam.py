"""`academy exam ...`: theory exams on the home's nbgrader course."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from academy.cli_common import console, err, open_from
from core.errors import AcademyError

app = typer.Typer(help="Theory exams: build, release, collect, autograde, feedback, scores, stats.",
                  no_args_is_help=True)

ExamArg = Annotated[str, typer.Argument(help="Exam name (the nbgrader assignment).")]


@app.command("build")
def build_cmd(ctx: typer.Context,
              bank: Annotated[Path, typer.Argument(
                  help="Question bank: a .yaml or .xlsx file, or the name of one in the home's "
                       "assessments/banks/.")]) -> None:
    """Check a question bank and generate the exam's nbgrader source notebook from it."""
    from graders.exam import lifecycle

    h = open_from(ctx)
    if not bank.exists() and bank.parent == Path("."):
        for ext in (".yaml", ".yml", ".xlsx"):
            candidate = h.assessments_dir / "banks" / f"{bank.name}{ext}"
            if candidate.exists():
                bank = candidate
                break
    b = lifecycle.build(h, bank)
    kinds = sorted({q.type for q in b.questions})
    console.print(f"Built exam [bold]{b.name}[/bold] ({b.title}): {len(b.questions)} questions "
                  f"({', '.join(kinds)}) -> {lifecycle.source_dir(h, b.name)}")
    console.print(f"The answer key stays in {h.course_dir / 'banks'} (never released).")
    h.close()


@app.command("release")
def release_cmd(ctx: typer.Context, exam: ExamArg,
                due: Annotated[str | None, typer.Option(
                    help="Due date and time, UTC (2026-12-01 or '2026-12-01 18:00'); "
                         "later submissions get the bank's late penalty.")] = None) -> None:
    """Generate the trainee version (no key in any form) and release it to the exchange."""
    from graders.exam import lifecycle

    due_at = None
    if due:
        try:
            due_at = datetime.fromisoformat(due).replace(tzinfo=UTC)
        except ValueError as exc:
            raise AcademyError(f"--due {due!r} is not a date like 2026-12-01 or '2026-12-01 18:00'") from exc
    h = open_from(ctx)
    out = lifecycle.release(h, exam, due_at)
    console.print(f"Released {exam}: {', '.join(sorted(p.name for p in out.iterdir()))} in {out}")
    h.close()


def _report_unknown(unknown: list[str]) -> None:
    if unknown:
        err.print(f"[yellow]Not in the roster (not graded): {', '.join(unknown)}[/yellow]")


@app.command("collect")
def collect_cmd(ctx: typer.Context, exam: ExamArg) -> None:
    """Collect the trainees' submissions from the exchange."""
    from graders.exam import lifecycle

    h = open_from(ctx)
    collected = lifecycle.collect(h, exam)
    known, unknown = collected
    console.print(f"Collected {len(known) + len(unknown)} submission(s) of {exam}.")
    from graders.exam.ownership import LAST

    for msg in LAST:
        err.print(f"[red]Set aside, not collected: {msg}[/red]")
    _report_unknown(unknown)
    for line in collected.skipped:  # links and special files planted in a submission: not copied
        err.print(f"[red]Left out: {line}[/red]")
    h.close()


@app.command("autograde")
def autograde_cmd(ctx: typer.Context, exam: ExamArg,
                  student: Annotated[list[str] | None, typer.Option(
                      help="Only this trainee (repeatable).")] = None,
                  workers: Annotated[int | None, typer.Option(
                      min=1, help="Submissions graded at once, each by its own process and warm "
                                  "kernel (default: one per CPU core).")] = None) -> None:
    """Grade every collected submission; tampering is undone and reported, errors never stop the batch."""
    from graders.exam import lifecycle

    h = open_from(ctx)
    if console.is_terminal:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        with Progress(TextColumn(f"Autograding {exam}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), TextColumn("{task.description}"), console=console,
                      transient=True) as bar:
            task = bar.add_task("", total=None)

            def show(done: int, total: int, o) -> None:
                bar.update(task, completed=done, total=total, description=f"{o.employee_id}: {o.status}")

            outcomes = lifecycle.autograde(h, exam, student or None, workers=workers, progress=show)
    else:
        outcomes = lifecycle.autograde(h, exam, student or None, workers=workers)
    table = RichTable("trainee", "status", "score", "reasons")
    for o in outcomes:
        score = "" if o.score is None else f"{o.score:g} / {o.max_score:g}"
        table.add_row(o.employee_id, o.status, score, "; ".join(o.reasons))
    console.print(table)
    _report_unknown([o.employee_id for o in outcomes if o.status == "unknown_trainee"])
    errors = [o for o in outcomes if o.status == "error"]
    console.print(f"{len(outcomes) - len(errors)} graded or reported, {len(errors)} error(s). "
                  "Free-text answers: grade them in formgrader (nbgrader), then run `academy exam scores`.")
    h.close()


@app.command("feedback")
def feedback_cmd(ctx: typer.Context, exam: ExamArg) -> None:
    """Generate and release feedback (score per question, never the key) to the trainees."""
    from graders.exam import lifecycle

    h = open_from(ctx)
    done = lifecycle.feedback(h, exam)
    console.print(f"Feedback released to {len(done)} trainee(s).")
    h.close()


@app.command("grade")
def grade_cmd(ctx: typer.Context, exam: ExamArg, student: str, question: str, points: float,
              comment: Annotated[str, typer.Option(help="Comment for the trainee.")] = "") -> None:
    """Mark a free-text answer (the same as typing the score in formgrader)."""
    from graders.exam import lifecycle

    h = open_from(ctx)
    lifecycle.grade_free_text(h, exam, student, question, points, comment)
    console.print(f"{exam}/{question} of {student}: {points:g} points recorded.")
    h.close()


@app.command("scores")
def scores_cmd(ctx: typer.Context, exam: ExamArg,
               cycle: Annotated[str | None, typer.Option(
                   help="Cycle (default: the current open one).")] = None,
               by: Annotated[str, typer.Option(help="Show per trainee, question or competency.")] = "trainee",
               ) -> None:
    """Store the scores as theory evidence of the cycle and show them."""
    from graders.exam import lifecycle
    from roster.store import current_user

    if by not in ("trainee", "question", "competency"):
        raise AcademyError("--by must be trainee, question or competency")
    h = open_from(ctx)
    report = lifecycle.store_scores(h, exam, current_user(), cycle)
    rows = [r for r in lifecycle.gradebook_rows(h, exam) if r.points is not None]
    key = {"trainee": lambda r: r.employee_id, "question": lambda r: r.question,
           "competency": lambda r: r.competency}[by]
    agg: dict[str, list[float]] = {}
    for r in rows:
        a = agg.setdefault(key(r), [0.0, 0.0, 0])
        a[0] += r.points * (1 - r.penalty_percent / 100)
        a[1] += r.max_points
        a[2] += 1
    table = RichTable(by, "points", "max", "%", "answers")
    for k in sorted(agg):
        p, m, n = agg[k]
        table.add_row(k, f"{p:g}", f"{m:g}", f"{100 * p / m:.1f}" if m else "", str(n))
    console.print(table)
    console.print(f"Stored {report.stored} theory scores for {len(report.trainees)} trainee(s) in "
                  f"cycle {report.cycle}.")
    if report.pending_manual:
        err.print(f"[yellow]{len(report.pending_manual)} free-text answer(s) not graded yet "
                  "(not stored); grade them in formgrader or with `academy exam grade`.[/yellow]")
    _report_unknown(report.unknown)
    h.close()


@app.command("stats")
def stats_cmd(ctx: typer.Context,
              exam: Annotated[str | None, typer.Argument(
                  help="Exam name (default: the only exam, or the only one taken).",
                  show_default=False)] = None,
              options: Annotated[bool, typer.Option("--options/--no-options",
                                                    help="Show the distractor analysis.")] = True,
              cycles: Annotated[bool, typer.Option(
                  "--cycles/--no-cycles",
                  help="Rasch difficulties of every cycle's stored scores, linked.")] = True) -> None:
    """Exam statistics: per question facility, SD, random-guess score, intended and effective
    weight, discrimination index and efficiency; the exam's mean, median, SD, skewness, kurtosis,
    Cronbach's alpha, error ratio and standard error; pool variants; distractors; Rasch
    difficulties across cycles (formulas: docs/exams.md)."""
    from academy.cli_exam_stats import show

    h = open_from(ctx)
    if exam is None:
        from academy.cli_defaults import only_exam

        exam = only_exam(h)
        console.print(f"Exam {exam}:")
    show(h, exam, options, cycles)
    h.close()
