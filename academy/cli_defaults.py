"""Sensible defaults for commands whose argument usually has one obvious value.

- the cycle whose results to show or export: the open cycle when it has grades, else the latest
  published cycle, else the latest cycle with grades;
- the exam to analyse: the only exam of the home (the only one with gradebook scores when
  several are built).
An ambiguous or empty case is a clear error that lists the choices, never a guess.
"""

from __future__ import annotations

from core.errors import AcademyError


def results_cycle(session) -> str:
    """The cycle `academy results` / `export` show when none is named."""
    from core.cycles import current_cycle, list_cycles
    from graders.results.publishing import is_published
    from graders.results.store import current_run

    cycles = list_cycles(session)
    graded = [c for c in cycles if current_run(session, c.id) is not None]
    if not graded:
        names = ", ".join(c.name for c in cycles) or "none yet"
        raise AcademyError(f"no cycle has grades yet (cycles: {names}): run `academy grade CYCLE`")
    now = current_cycle(session)
    if now is not None and now in graded:
        return now.name
    published = [c for c in graded if is_published(session, c.id)]
    return (published or graded)[-1].name


def only_exam(home) -> str:
    """The exam `academy exam stats` analyses when none is named."""
    from graders.exam import lifecycle

    source = home.course_dir / "source"
    built = sorted(p.name for p in source.iterdir() if p.is_dir()) if source.is_dir() else []
    if len(built) == 1:
        return built[0]
    if not built:
        raise AcademyError("no exam is built yet: run `academy exam build BANK.yaml`")
    taken = [e for e in built
             if any(r.points is not None for r in lifecycle.gradebook_rows(home, e))]
    if len(taken) == 1:
        return taken[0]
    raise AcademyError(f"{len(built)} exams are built ({', '.join(built)}): name one, e.g. "
                       f"`academy exam stats {built[0]}`")
