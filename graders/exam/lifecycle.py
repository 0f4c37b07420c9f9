"""The exam cycle on a home's nbgrader course: build, release, collect, autograde, feedback, scores.

Each step is one function the `academy exam` command calls; they return plain records for the
command (or the demo, or a test) to show.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from core.errors import AcademyError
from graders.exam import course
from graders.exam.bank import Bank, load_bank
from graders.exam.public import ANSWERS_FILE, load_public, variant
from graders.exam.widgets import BANK_ENV


def source_dir(home, exam: str) -> Path:
    return home.course_dir / "source" / exam


def _bank(home, exam: str) -> Bank:
    return load_bank(course.bank_path(home, exam))


# --- build and release ---------------------------------------------------------------------------


def build(home, bank_file: Path | str) -> Bank:
    """Validate a bank, keep it trainer-side and generate `source/<exam>/` (notebook + exam.json)."""
    from graders.exam.build import write_source

    bank_file = Path(bank_file)
    bank = load_bank(bank_file)
    course.banks_dir(home).mkdir(parents=True, exist_ok=True)
    for old in course.banks_dir(home).glob(f"{bank.name}.*"):
        old.unlink()
    shutil.copy2(bank_file, course.banks_dir(home) / f"{bank.name}{bank_file.suffix.lower()}")
    src = source_dir(home, bank.name)
    if src.exists():
        shutil.rmtree(src)
    write_source(bank, src)
    return bank


def release(home, exam: str, due: datetime | None = None) -> Path:
    """nbgrader generate_assignment + release_assignment; the due date drives late penalties."""
    bank = _bank(home, exam)
    api = course.api(home, exam, bank.language)
    with course.gradebook(home) as gb:
        gb.update_or_create_assignment(exam, duedate=due)
    course.check(api.generate_assignment(exam, force=True, create=True), f"generate {exam}")
    if due is not None:
        with course.gradebook(home) as gb:
            gb.update_or_create_assignment(exam, duedate=due)
    if (home.exchange_dir / home.settings.course_id / "outbound" / exam).exists():
        course.check(api.unrelease(exam), f"unrelease {exam}")
    course.check(api.release_assignment(exam), f"release {exam}")
    return home.exchange_dir / home.settings.course_id / "outbound" / exam


# --- collect -------------------------------------------------------------------------------------


def roster_ids(home) -> set[str]:
    from roster.models import Staff

    with home.transaction() as s:
        return set(s.scalars(select(Staff.employee_id).where(Staff.active.is_(True))))


class Collected(tuple):
    """(trainees in the roster, ids not in the roster), and `.skipped`: every link or special file
    left out of a submission, as 'who/what: why' lines for the trainer."""

    skipped: list[str]


def collect(home, exam: str) -> Collected:
    """Collect submissions from the exchange: (trainees in the roster, ids not in the roster).

    The copy never follows a link (graders.exam.stock.SafeCollect): links, hard links and special
    files in a submission are left out and listed in `.skipped`."""
    from graders.exam import ownership
    from graders.exam.safe_files import make_private
    from graders.exam.stock import skipped_in_log

    # on a hub: a submission not made by the account of the id it names is set aside first
    ownership.LAST[:] = ownership.quarantine_forged(
        home.course_dir, home.exchange_dir / home.settings.course_id, exam)
    api = course.api(home, exam)
    result = course.check(api.collect(exam, update=True), f"collect {exam}")
    make_private(home.course_dir / "submitted")
    out = Collected(_split_known(home, _submitted(home, exam)))
    out.skipped = skipped_in_log(result.get("log") or "")
    return out


def _submitted(home, exam: str) -> list[str]:
    sub = home.course_dir / "submitted"
    if not sub.exists():
        return []
    return sorted(p.parent.name for p in sub.glob(f"*/{exam}") if p.is_dir())


def _split_known(home, ids: list[str]) -> tuple[list[str], list[str]]:
    known = roster_ids(home)
    return [i for i in ids if i in known], [i for i in ids if i not in known]


# --- autograde -----------------------------------------------------------------------------------


@dataclass
class GradeOutcome:
    employee_id: str
    status: str
    reasons: list[str] = field(default_factory=list)
    score: float | None = None
    max_score: float | None = None


def autograde(home, exam: str, students: list[str] | None = None, workers: int | None = None,
              progress: Callable[[int, int, GradeOutcome], None] | None = None,
              timeout: float | None = None, sandbox: bool = True) -> list[GradeOutcome]:
    """Autograde every collected submission (or the ones named); one bad one never stops the rest.

    `workers` grading processes (default: one per core) each grade one submission at a time with
    nbgrader's Autograde on a warm kernel (graders.exam.worker); `timeout` is the limit per
    submission in seconds (default: nbgrader's limit per cell times the cells, plus two minutes).
    `progress(done, total, outcome)` is called as each submission is finished.

    Every grading kernel runs in the bubblewrap sandbox (`graders.exam.sandbox`); when it cannot
    be set up or its canary fails, nothing is graded and AcademyError says why. `sandbox=False`
    exists only for `academy bench autograde --no-sandbox` (the sandbox's cost), never for grading.
    """
    from graders.exam import parallel

    bank_file = course.bank_path(home, exam)
    bank = load_bank(bank_file)
    release_nb = home.course_dir / "release" / exam / f"{exam}.ipynb"
    if not release_nb.exists():
        raise AcademyError(f"exam {exam!r} was not released: run `academy exam release {exam}`")
    ids = students if students is not None else _submitted(home, exam)
    known, unknown = _split_known(home, ids)
    order = unknown + known
    done: dict[str, GradeOutcome] = {}

    def finished(o: GradeOutcome) -> None:
        done[o.employee_id] = o
        if progress is not None:
            progress(len(done), len(order), o)

    for sid in unknown:
        finished(GradeOutcome(sid, "unknown_trainee", ["not in the roster: not graded"]))
    todo = []
    for sid in known:
        if (home.course_dir / "submitted" / sid / exam).is_dir():
            todo.append(sid)
        else:
            finished(GradeOutcome(sid, "error", ["no submission collected"]))
    env = dict(os.environ, **{BANK_ENV: str(bank_file)})
    course.ensure_path()
    env["PATH"] = os.environ["PATH"]
    workers = workers or parallel.default_workers()
    # the workers' zygote imports nbgrader while this process does the same below
    zygote = parallel.start_zygote(env, workers, len(todo))
    try:
        return _autograde(home, exam, bank, release_nb, order, todo, done, finished, workers,
                          timeout, sandbox, env, zygote)
    finally:
        if zygote is not None and not zygote.closed:  # grading never started: not needed
            zygote.kill()


def _autograde(home, exam, bank, release_nb, order, todo, done, finished, workers, timeout,
               sandbox, env, zygote) -> list[GradeOutcome]:
    from graders.exam import parallel
    from graders.exam.models import ExamResult

    # the gradebook is created (nbgrader's create_all + alembic stamp) here, once, before any
    # worker opens it, and it must know the exam and its notebook
    from nbgrader.api import MissingEntry

    with course.gradebook(home) as gb:
        try:
            notebooks = {nb.name for nb in gb.find_assignment(exam).notebooks}
        except MissingEntry:
            notebooks = set()
    if todo and exam not in notebooks:
        raise AcademyError(f"the gradebook does not know exam {exam!r}: run `academy exam release {exam}`")
    spec = {"course_dir": str(home.course_dir), "exchange_dir": str(home.exchange_dir),
            "course_id": home.settings.course_id, "gradebook_url": parallel.busy_url(home.gradebook_url),
            "exam": exam, "language": bank.language, "release_nb": str(release_nb)}
    if timeout is None:
        cells = sum(c.cell_type == "code" for c in _read_nb(release_nb).cells)
        timeout = course.CELL_TIMEOUT * max(cells, 1) + 120
    box_dir = _sandbox_spec(home, spec) if sandbox and todo else None

    def graded(r: dict) -> None:
        finished(GradeOutcome(r["sid"], r["status"], r.get("reasons") or []))

    try:
        parallel.grade_all(spec, todo, workers, timeout, graded, env, zygote)
    except parallel.SandboxRefused as exc:
        done_before = f"grading stopped after {exc.graded} submission(s)" if exc.graded else "nothing was graded"
        raise AcademyError(f"{done_before}: the grading sandbox is not available: {exc.reason}") from None
    finally:
        if box_dir is not None:
            shutil.rmtree(box_dir, ignore_errors=True)
    outcomes = [done[sid] for sid in order]
    with course.gradebook(home) as gb:
        for o in outcomes:
            if o.status in ("graded", "repaired"):
                sub = gb.find_submission(exam, o.employee_id)
                o.score, o.max_score = sub.score, sub.max_score
    with home.transaction() as s:
        for o in outcomes:
            row = s.scalar(select(ExamResult).where(ExamResult.exam == exam,
                                                    ExamResult.employee_id == o.employee_id))
            if row is None:
                row = ExamResult(exam=exam, employee_id=o.employee_id)
                s.add(row)
            row.in_roster = o.status != "unknown_trainee"
            row.status, row.reasons = o.status, o.reasons
            row.score, row.max_score = o.score, o.max_score
            row.graded_at = datetime.now(UTC).replace(microsecond=0)
    return outcomes


def _sandbox_spec(home, spec: dict) -> Path:
    """Put the sandbox's settings into the workers' spec; AcademyError at once if bubblewrap is
    missing (the canary in each worker's kernel checks the rest). Returns the folder that holds
    the kernels' sandbox folders (removed after grading)."""
    import tempfile
    from dataclasses import asdict

    from graders.exam import sandbox

    try:
        sandbox.find_bwrap()
        limits = sandbox.Limits.from_env()
    except (sandbox.SandboxUnavailable, ValueError) as exc:
        raise AcademyError(f"nothing was graded: the grading sandbox is not available: {exc}") from None
    box_dir = Path(tempfile.mkdtemp(prefix="academy-grading-"))
    spec["sandbox"] = {"limits": asdict(limits), "dir": str(box_dir), "home_root": str(home.root),
                       # covered with an empty folder wherever they fall inside what the kernel sees
                       "hidden": [str(home.root), str(home.course_dir), str(home.exchange_dir)]}
    return box_dir


def _read_nb(path: Path):
    import nbformat

    return nbformat.read(path, as_version=4)


# --- manual grading, feedback --------------------------------------------------------------------


def grade_free_text(home, exam: str, sid: str, slot: str, points: float, comment: str = "") -> None:
    """Record a trainer's mark for a free-text answer (what formgrader does when a trainer types it)."""
    grade_free_texts(home, exam, [(sid, slot, points, comment)])


def grade_free_texts(home, exam: str, marks: list[tuple[str, str, float, str]]) -> int:
    """Record many marks (trainee, slot, points, comment) in one gradebook transaction: all of
    them or, when one is out of range, none."""
    from nbgrader.api import MissingEntry

    with course.gradebook(home) as gb:
        for sid, slot, points, comment in marks:
            try:
                grade = gb.find_grade(slot, exam, exam, sid)
            except MissingEntry:
                gb.db.rollback()
                raise AcademyError(f"the gradebook has no answer {slot!r} of {sid!r} in exam {exam!r}: "
                                   f"check the names, and that the exam was autograded "
                                   f"(`academy exam autograde {exam}`)") from None
            if points < 0 or points > grade.max_score:
                gb.db.rollback()
                raise AcademyError(f"{slot}: {points} is outside 0-{grade.max_score:g}")
            grade.manual_score = points
            grade.needs_manual_grade = False
            if comment:
                c = gb.find_comment(slot, exam, exam, sid)
                c.manual_comment = comment
        gb.db.commit()
    return len(marks)


def feedback(home, exam: str, students: list[str] | None = None) -> list[str]:
    """nbgrader generate_feedback + release_feedback for every autograded trainee (or the ones
    named) (no key inside)."""
    bank = _bank(home, exam)
    api = course.api(home, exam, bank.language)
    done = []
    for sid in sorted(p.parent.name for p in (home.course_dir / "autograded").glob(f"*/{exam}")):
        if students is not None and sid not in students:
            continue
        if not api.generate_feedback(exam, sid, force=True).get("success"):
            continue
        if api.release_feedback(exam, sid).get("success"):
            done.append(sid)
    return done


# --- scores into the evidence store --------------------------------------------------------------


@dataclass
class ScoreRow:
    employee_id: str
    slot: str
    question: str
    competency: str
    points: float | None
    max_points: float
    penalty_percent: float = 0.0


def late_penalty(bank: Bank, seconds_late: float) -> float:
    if seconds_late <= 0 or bank.late_penalty.percent_per_day <= 0:
        return 0.0
    days = math.ceil(seconds_late / 86400)
    return min(bank.late_penalty.max_percent, bank.late_penalty.percent_per_day * days)


def gradebook_rows(home, exam: str, student: str | None = None) -> list[ScoreRow]:
    """Per trainee and question, from nbgrader's gradebook (auto or trainer score); with
    `student`, that trainee's rows only (one submission read, not the exam's every one)."""
    from nbgrader.api import MissingEntry

    bank = _bank(home, exam)
    public = load_public(source_dir(home, exam))
    rows = []
    with course.gradebook(home) as gb:
        if student is None:
            subs = gb.assignment_submissions(exam)
        else:
            try:
                subs = [gb.find_submission(exam, student)]
            except MissingEntry:
                subs = []
        for sub in subs:
            sid = sub.student.id
            if not (home.course_dir / "autograded" / sid / exam).exists():
                continue
            pct = late_penalty(bank, sub.total_seconds_late or 0.0)
            grades = {g.name: g for g in sub.notebooks[0].grades} if sub.notebooks else {}
            for slot, view in variant(public, sid).items():
                q = bank.by_id[view.question]
                g = grades.get(slot)
                pts = None if g is None else g.score
                if g is not None and g.needs_manual_grade:
                    pts = None
                rows.append(ScoreRow(sid, slot, q.id, q.competency, pts, q.points, pct))
    return rows


@dataclass
class ScoresReport:
    stored: int
    trainees: list[str]
    pending_manual: list[tuple[str, str]]
    unknown: list[str]
    cycle: str


def store_scores(home, exam: str, entered_by: str, cycle_name: str | None = None) -> ScoresReport:
    """Write per-question theory evidence for the current (or named) cycle; older runs superseded."""
    from core.cycles import current_cycle, get_cycle
    from graders.evidence import Evidence, new_batch

    rows = gradebook_rows(home, exam)
    known = roster_ids(home)
    unknown = sorted({r.employee_id for r in rows if r.employee_id not in known})
    pending = [(r.employee_id, r.question) for r in rows if r.points is None]
    stored = 0
    with home.transaction() as s:
        cycle = get_cycle(s, cycle_name) if cycle_name else current_cycle(s)
        if cycle is None:
            raise AcademyError("no open assessment cycle: open one (`academy cycle open 2026-Q4`) "
                               "or name one with --cycle")
        batch = new_batch(s, cycle.id, "theory", exam, entered_by, note=f"theory exam {exam}")
        for r in rows:
            if r.employee_id not in known or r.points is None:
                continue
            raw = r.points * (1 - r.penalty_percent / 100)
            s.add(Evidence(batch_id=batch.id, cycle_id=cycle.id, source="theory",
                           employee_id=r.employee_id, rater_id=None, item=f"{exam}/{r.question}",
                           competency=r.competency, raw=raw, max_raw=r.max_points,
                           score=round(100 * raw / r.max_points, 2),
                           details={"slot": r.slot, "points_before_penalty": r.points,
                                    "late_penalty_percent": r.penalty_percent}))
            stored += 1
        batch.rows = stored
        name = cycle.name
    return ScoresReport(stored, sorted({r.employee_id for r in rows if r.employee_id in known}),
                        pending, unknown, name)


def answers_of(home, exam: str, sid: str) -> dict:
    from graders.exam.answers import read_answers

    answers, _ = read_answers(home.course_dir / "autograded" / sid / exam)
    return answers


def submitted_answers_path(home, exam: str, sid: str) -> Path:
    return home.course_dir / "submitted" / sid / exam / ANSWERS_FILE
