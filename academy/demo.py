"""The demo: a fresh home for a believable company, and every platform step run on it.

Each capability adds its step to DEMO_STEPS, so the demo always shows the whole platform.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rich.console import Console

from academy import demo_ladder as _ladder
from academy.demo_fair import step_fair as _step_fair
from academy.demo_impact import step_completions as _step_impact_completions
from academy.demo_management import step_management as _step_management
from academy.demo_operations import step_tickets as _step_tickets
from core.errors import AcademyError
from core.home import Home, _resolve, init_home
from core.settings import SETTINGS_FILE


@dataclass
class DemoContext:
    home: Home
    staff: int
    seed: int
    today: date
    console: Console
    notes: list[str]
    #: what steps leave for later steps and for tests (e.g. the planted evidence cases)
    extras: dict = field(default_factory=dict)


def synthetic_company(root: Path, staff: int, seed: int, today: date) -> DemoContext:
    """A fresh home at `root` (an old one removed) holding the demo roster of `staff` people:
    where the benchmarks start their companies."""
    if root.exists():
        shutil.rmtree(root)
    ctx = DemoContext(init_home(root), staff, seed, today, Console(quiet=True), [])
    step_roster(ctx)
    return ctx


def step_roster(ctx: DemoContext) -> None:
    from academy.synthetic.company import make_company, write_roster_csv
    from roster.store import import_roster_file

    people = make_company(ctx.staff, ctx.seed)
    path = ctx.home.imports_dir / "demo_roster.csv"
    write_roster_csv(people, path)
    report = import_roster_file(ctx.home, path)
    ctx.notes.append(f"roster: {len(report.added)} staff in {len(report.teams_added)} teams "
                     f"imported from {path.name}")


def step_cycles(ctx: DemoContext) -> None:
    from core.cycles import close_cycle, open_cycle, quarter_name

    this_q = quarter_name(ctx.today)
    prev_day = date(ctx.today.year, ((ctx.today.month - 1) // 3) * 3 + 1, 1).replace(day=1)
    prev_q = quarter_name(date.fromordinal(prev_day.toordinal() - 1))
    with ctx.home.transaction() as s:
        open_cycle(s, prev_q)
        close_cycle(s, prev_q)
        open_cycle(s, this_q)
    ctx.notes.append(f"cycles: {prev_q} (closed), {this_q} (open)")


def step_evidence(ctx: DemoContext) -> None:
    """Practical scores, 360 reviews, tickets and surveys, key-behaviour deductions: written as
    real exports, imported through the same imports a user runs, then checked for fairness."""
    from sqlalchemy.orm import Session

    from academy.synthetic.evidence import Person, write_evidence_files
    from core.cycles import current_cycle
    from graders.forms_config import load_evidence_config
    from graders.sources import behaviour, practical, reviews, surveys
    from graders.sources.load import collect
    from roster.store import list_staff

    cfg = load_evidence_config(ctx.home.assessments_dir)
    with Session(ctx.home.engine) as s, s.begin():
        cycle = current_cycle(s, ctx.today)
        people = [Person(r.employee_id, r.team, r.family, r.level, r.supervisor_id)
                  for r in list_staff(s)]
        months = behaviour.cycle_months(cycle)
        planted = write_evidence_files(people, cfg, ctx.home.imports_dir, ctx.seed, months)
        f = planted.files
        who = "demo trainer"
        practical.import_file(s, f["practical"], cfg, who, cycle.name)
        reviews.import_file(s, f["reviews"], cfg, who, cycle.name)
        surveys.import_tickets(s, f["tickets"], who, cycle.name)
        surveys.import_file(s, f["surveys"], cfg, who, cycle.name)
        behaviour.import_file(s, f["behaviour"], cfg, who, cycle.name)
        flags = collect(s, cycle.id, []).flags
    kinds = flags["kind"].value_counts().to_dict()
    ctx.notes.append("evidence: practical, 360 reviews, surveys and deductions imported; flags: "
                     + ", ".join(f"{k} x{v}" for k, v in sorted(kinds.items())))
    ctx.extras["planted"] = planted


def step_exams(ctx: DemoContext) -> None:
    """Two theory exams (English, Chinese): 12 simulated trainees take both, graded end to end
    with feedback; every other trainee a role scheme grades takes one of them (alternately), so
    no final grade is reweighted for want of a theory exam."""
    import random

    from academy.synthetic.exams import run_demo_exams
    from graders.engine.schemes import home_schemes
    from graders.results.store import roster_frame
    from roster.store import list_staff

    families = set(home_schemes(ctx.home))
    with ctx.home.transaction() as s:
        ids = sorted(r.employee_id for r in list_staff(s))
        roster = roster_frame(s)
    chosen = sorted(random.Random(ctx.seed).sample(ids, min(12, len(ids))))
    graded = sorted(set(roster.loc[roster["family"].isin(families), "employee_id"]) - set(chosen))
    more = [graded[0::2], graded[1::2]]
    ctx.notes += run_demo_exams(ctx.home, ctx.home.assessments_dir / "banks", chosen, ctx.seed,
                                "demo trainer", more=more)


def step_grades(ctx: DemoContext) -> None:
    """Final grades of the current cycle from whatever evidence exists, published and exported."""
    from core.cycles import current_cycle
    from graders.engine.schemes import home_schemes
    from graders.results.exports import export_cycle
    from graders.results.publishing import publish
    from graders.results.store import grade_cycle

    schemes = home_schemes(ctx.home)
    with ctx.home.transaction() as s:
        cycle = current_cycle(s, ctx.today)
        if cycle is None:
            ctx.notes.append("grades: no open cycle to grade")
            return
        rep = grade_cycle(s, cycle.name, schemes, by="demo manager")
        publish(s, cycle.id, by="demo manager")
    path = ctx.home.exports_dir / f"grades_{cycle.name}.xlsx"
    with ctx.home.transaction() as s:
        export_cycle(s, cycle.name, path, locale=ctx.home.settings.locale)
    res, aw = rep.result.results, rep.result.awards
    revise = rep.result.checks[rep.result.checks["level"] == "revise"]
    ctx.notes.append(
        f"grades {cycle.name}: {int((res['status'] == 'complete').sum())} graded, "
        f"{int((res['status'] == 'incomplete').sum())} incomplete; "
        f"{int((aw['kind'] == 'individual_award').sum())} individual and "
        f"{int((aw['kind'] == 'team_award').sum())} team awards; "
        f"{rep.result.training['employee_id'].nunique()} training plans; published and exported "
        f"to {path.relative_to(ctx.home.root)}"
        + (f"; KPI health check: {len(revise)} scheme(s) need revising" if len(revise) else ""))


def step_courses(ctx: DemoContext) -> None:
    from sqlalchemy import select

    from academy.synthetic.progress import record_demo_progress
    from roster.models import Staff
    from training.catalog import all_modules

    modules = all_modules()
    with ctx.home.transaction() as s:
        ids = list(s.scalars(select(Staff.employee_id).where(Staff.active.is_(True))
                             .order_by(Staff.employee_id)))
        n = record_demo_progress(s, ids, modules, ctx.seed, ctx.today)
    ctx.notes.append(f"courses: {len({m.course_id for m in modules})} courses, {len(modules)} "
                     f"modules; {n} module records of demo trainees (academy course progress)")


def step_work_plans(ctx: DemoContext) -> None:
    """Technical support's monthly work plans (agreed, last months scored) and a 问卷星 export."""
    from academy.synthetic.plans import demo_work_plans_and_wjx

    ctx.notes.append(demo_work_plans_and_wjx(ctx.home, ctx.seed, ctx.today,
                                             ctx.extras.get("planted")))


DEMO_STEPS: list[tuple[str, Callable[[DemoContext], None]]] = [
    ("Roster of the demo company", step_roster),
    ("Assessment cycles", step_cycles),
    ("Training courses: demo progress and reaction ratings", step_courses),
    ("Theory exams (nbgrader)", step_exams),
    ("Training impact: course completions over months", _step_impact_completions),
    ("Practical exams, reviews, surveys, deductions", step_evidence),
    ("Service tickets, operational KPIs, monthly pay", _step_tickets),
    ("Work plans of technical support, a survey tool's export", step_work_plans),
    ("Fair practical scores: trainer severity corrected", _step_fair),
    ("Violations and corrective plans, a skill competition, mentoring", _ladder.step_violations),
    ("Supervisors' and managers' goals, one-to-ones, upward reviews, churn", _step_management),
    ("Final grades: publish and export", step_grades),
    ("Promotion pipeline, talent pipeline, honour board", _ladder.step_careers),
]


def run_steps(ctx: DemoContext) -> None:
    """Run every demo step, printing each as it starts and, when done, its time and results
    (one line per step; commands and paths are never cut at the terminal's width)."""
    out, total = ctx.console, len(DEMO_STEPS)
    for number, (label, step) in enumerate(DEMO_STEPS, start=1):
        out.print(f"[bold][{number}/{total}] {label}[/bold] ...", soft_wrap=True)
        before, started = len(ctx.notes), time.monotonic()
        step(ctx)
        out.print(f"      done in {time.monotonic() - started:.1f} s", soft_wrap=True)
        for note in ctx.notes[before:]:
            out.print(f"      - {note}", soft_wrap=True, markup=False)


def run_demo(home: Path | str | None, staff: int = 120, seed: int = 2026, reset: bool = False,
             serve: bool = True, console: Console | None = None, today: date | None = None) -> Home:
    console = console or Console()
    root = _resolve(home)
    if root.exists() and any(root.iterdir()):
        if not reset:
            raise AcademyError(f"{root} is not empty: the demo needs a fresh home "
                               "(give another --home, or --reset to delete this one)")
        if not (root / SETTINGS_FILE).exists():
            raise AcademyError(f"{root} is not an academy home; refusing to delete it with --reset")
        shutil.rmtree(root)
    if staff < 20:
        raise AcademyError("--staff must be at least 20 for a demo company")
    h = init_home(root)
    ctx = DemoContext(h, staff, seed, today or date.today(), console, [])
    run_steps(ctx)
    console.print(f"Demo home: [bold]{h.root}[/bold]", soft_wrap=True)
    console.print(f"Try: academy --home {h.root} roster list --team 'Hotline Shanghai'",
                  soft_wrap=True, markup=False)
    # dashboard logins for a manager, a trainee and the trainer (printed by `academy serve`)
    from academy.cli_serve import demo_identities, run_servers
    from dashboards.identity import issue_token, tokens_path

    identities = demo_identities(h)
    for who in identities:
        issue_token(tokens_path(h.root), who)
    trainees = [who for who in identities[1:] if ":" not in who]
    if trainees:  # JupyterLab as a trainee sees it (academy.trainee_lab)
        console.print(f"A trainee's JupyterLab: academy --home {h.root} serve --trainee "
                      f"{trainees[0]}", soft_wrap=True, markup=False)
    if serve:
        run_servers(h, out=console)
    else:
        console.print(f"Start the servers with: academy --home {h.root} serve", soft_wrap=True,
                      markup=False)
    h.close()
    return h

