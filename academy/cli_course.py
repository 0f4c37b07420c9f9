"""`academy course ...`: training courses and trainees' progress."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from academy.cli_common import console, open_from

app = typer.Typer(help="Training courses: list, check, progress.", no_args_is_help=True)

CoursesOpt = Annotated[Path | None, typer.Option(
    "--courses", help="Courses folder (default: $ACADEMY_COURSES or the shipped courses/).",
    show_default=False)]


@app.command("list")
def list_courses(courses: CoursesOpt = None,
                 zh: Annotated[bool, typer.Option("--zh", help="Titles in Chinese.")] = False) -> None:
    """Every course with its modules, competencies and estimated minutes."""
    from core.competencies import competency_name
    from core.labels import t
    from training.catalog import load_courses

    loc = "zh" if zh else "en"
    sep = "、" if zh else ", "
    table = Table(*(t(k, loc) for k in ("course_module", "title", "competencies", "course_minutes",
                                        "languages")))
    for c in load_courses(courses):
        table.add_row(f"[bold]{c.id}[/bold]", f"[bold]{c.title(loc)}[/bold]",
                      sep.join(competency_name(x, loc) for x in c.spec.competencies),
                      str(c.minutes), sep.join(t(f"lang_{x}", loc) for x in c.spec.languages))
        for m in c.modules:
            table.add_row(f"  {m.id}", m.title(loc),
                          sep.join(competency_name(x, loc) for x in m.competencies),
                          str(m.minutes), "")
    console.print(table)


@app.command()
def check(courses: CoursesOpt = None) -> None:
    """Validate every course description, practice file and module notebook."""
    from academy.cli_common import err
    from core.errors import ProblemsError
    from training.check import check_courses

    try:
        found = check_courses(courses)
    except ProblemsError as exc:
        n = len(exc.problems)
        err.print(f"[red]{n} problem{'s' if n != 1 else ''} in the courses:[/red]")
        for p in exc.problems:
            err.print(f"  {p}", markup=False, soft_wrap=True)
        raise typer.Exit(2)
    n = sum(len(c.modules) for c in found)
    console.print(f"{len(found)} courses, {n} modules: all well formed.")


def _module_keys(courses, course: str | None) -> list[tuple[str, str]]:
    """(course, module) of every module, or of one course's modules; an unknown course is an error."""
    from core.errors import AcademyError
    from training.catalog import load_courses

    found = load_courses(courses)
    if course:
        found = [c for c in found if c.id == course]
        if not found:
            raise AcademyError(f"no course {course!r} (see `academy course list`)")
    return [(c.id, m.id) for c in found for m in c.modules]


@app.command()
def progress(
    ctx: typer.Context,
    team: Annotated[str | None, typer.Option("--team", help="Only this team.")] = None,
    course: Annotated[str | None, typer.Option("--course", help="Only this course.")] = None,
    courses: CoursesOpt = None,
) -> None:
    """Trainees' progress: modules opened and completed, self-check average, reaction rating."""
    from core.errors import AcademyError
    from training.progress import progress_report

    keys = _module_keys(courses, course)
    h = open_from(ctx)
    with h.transaction() as s:
        rows = progress_report(s, keys, team=team)
    h.close()
    if team and not rows:
        raise AcademyError(f"no active staff in team {team!r}")
    table = Table("employee id", "name", "team", "opened", "completed", "completion %",
                  "self-check avg", "rating avg")
    for r in rows:
        table.add_row(r.employee_id, r.name or "(not on the roster)", r.team or "",
                      f"{r.opened}/{r.modules_total}", f"{r.completed}/{r.modules_total}",
                      f"{r.completion:g}", "" if r.self_check_avg is None else f"{r.self_check_avg:g}",
                      "" if r.rating_avg is None else f"{r.rating_avg:g}")
    console.print(table)
    started = sum(1 for r in rows if r.opened)
    console.print(f"{started} of {len(rows)} trainees have started; "
                  f"{sum(r.completed for r in rows)} module completions.")


@app.command()
def ratings(
    ctx: typer.Context,
    course: Annotated[str | None, typer.Option("--course", help="Only this course.")] = None,
    comments: Annotated[bool, typer.Option("--comments", help="Also list the comments.")] = False,
    courses: CoursesOpt = None,
) -> None:
    """Per module: trainees who opened and completed it, self-check average, reaction ratings."""
    from training.progress import module_summary

    keys = _module_keys(courses, course)
    h = open_from(ctx)
    with h.transaction() as s:
        rows = module_summary(s, keys)
    h.close()
    table = Table("course", "module", "opened", "completed", "self-check avg", "ratings",
                  "rating avg")
    for r in rows:
        table.add_row(r.course, r.module, str(r.opened), str(r.completed),
                      "" if r.self_check_avg is None else f"{r.self_check_avg:g}", str(r.ratings),
                      "" if r.rating_avg is None else f"{r.rating_avg:g}")
    console.print(table)
    if comments:
        for r in rows:
            for text in r.comments:
                console.print(f"{r.course}/{r.module}: {text}", markup=False)
