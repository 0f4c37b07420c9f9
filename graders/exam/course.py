"""The nbgrader bridge: nbgrader's own apps, run in-process on the home's course directory.

In-process (NbGraderAPI) rather than `nbgrader ...` subprocesses: importing nbformat costs seconds
per process. nbgrader still runs `alembic` by name to create its gradebook, so the environment's
bin folder is put on PATH first.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

from core.errors import AcademyError

ANSWERS_AND_EXTRAS = ["answers.json"]
#: nbgrader's limit per cell when autograding (the cell is interrupted and scores zero)
CELL_TIMEOUT = 60


def ensure_path() -> None:
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if bindir not in parts:
        os.environ["PATH"] = os.pathsep.join([bindir, *parts])


def banks_dir(home) -> Path:
    """Trainer-side copies of the question banks (with keys): never under source/ or release/."""
    return home.course_dir / "banks"


def bank_path(home, exam: str) -> Path:
    for ext in (".yaml", ".yml", ".xlsx"):
        p = banks_dir(home) / f"{exam}{ext}"
        if p.exists():
            return p
    raise AcademyError(f"exam {exam!r} has no question bank in {banks_dir(home)}: "
                       f"run `academy exam build BANK_FILE` first")


def nbgrader_config(home, exam: str | None = None, language: str = "en"):
    from traitlets.config import Config

    from graders.exam.build import answer_stub

    c = Config()
    c.CourseDirectory.root = str(home.course_dir)
    c.CourseDirectory.course_id = home.settings.course_id
    c.CourseDirectory.db_url = home.gradebook_url
    c.Exchange.root = str(home.exchange_dir)
    c.Exchange.path_includes_course = True
    c.Exchange.timezone = "UTC"
    # mark schemes sit in read-only stem cells (not task cells); removed on release and in feedback
    c.ClearMarkScheme.enforce_metadata = False
    c.ClearSolutions.text_stub = answer_stub(language)
    c.Execute.timeout = CELL_TIMEOUT
    c.Execute.interrupt_on_timeout = True
    # one "kernel is running over TCP" warning per graded submission says nothing to a trainer
    # ignore_cwd: a trainee's file next to the notebook (nbgrader copies every submitted file into
    # autograded/) must never shadow a module the grading imports (`graders/`, `yaml.py` ...)
    from core.home import KERNEL_ARGUMENTS, SAFE_COLLECT, SANITIZE_PREPROCESSORS

    c.Execute.extra_arguments = list(KERNEL_ARGUMENTS)
    # the same safe collect and rebuild-from-release as stock nbgrader gets from nbgrader_config.py
    c.ExchangeFactory.collect = SAFE_COLLECT
    # on a hub the exchange's folders belong to the grader account (formgrader runs as it) and
    # the superuser runs these commands (graders.exam.shared_exchange; nbgrader issue 1225)
    c.ExchangeFactory.release_assignment = "graders.exam.shared_exchange.SharedReleaseAssignment"
    c.ExchangeFactory.release_feedback = "graders.exam.shared_exchange.SharedReleaseFeedback"
    c.Autograde.sanitize_preprocessors = list(SANITIZE_PREPROCESSORS)
    if exam:
        c.Autograde.exclude_overwriting = {exam: list(ANSWERS_AND_EXTRAS)}
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, GetGrades

    c.ClearHiddenTests.enforce_metadata = False
    # nbgrader's feedback shows hidden tests and mark schemes by design: strip both
    from graders.exam.feedback import HideCorrectAnswers

    c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, ClearMarkScheme,
                                        HideCorrectAnswers, CSSHTMLHeaderPreprocessor]
    return c


def quiet() -> None:
    """nbgrader 0.9's gradebook trips SQLAlchemy 2 warnings that say nothing to a trainer."""
    import warnings

    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="traitlets")


def api(home, exam: str | None = None, language: str = "en"):
    from nbgrader.apps import NbGraderAPI

    ensure_path()
    quiet()
    return NbGraderAPI(config=nbgrader_config(home, exam, language))


#: the last line of a Python traceback: "nbgrader.exchange.abc.exchange.ExchangeError: Course not found"
_RAISED = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Za-z_]\w*(?:Error|Exception): (?P<msg>.+)$")


def nbgrader_message(text: str) -> str:
    """What nbgrader said, without the traceback it may carry: the raised message, else the last lines."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    for line in reversed(lines):
        found = _RAISED.match(line.strip())
        if found:
            return found["msg"]
    if any(ln.lstrip().startswith(("Traceback", 'File "')) for ln in lines):
        return lines[-1].strip() if lines else ""
    return "\n".join(lines[-12:])


def check(result: dict, what: str) -> dict:
    if not result.get("success"):
        said = nbgrader_message(result.get("error") or result.get("log") or "")
        raise AcademyError(f"nbgrader could not {what}: {said}")
    return result


@contextmanager
def gradebook(home):
    from nbgrader.api import Gradebook

    ensure_path()
    gb = Gradebook(home.gradebook_url, home.settings.course_id)
    try:
        yield gb
    finally:
        gb.close()


def copy_tree(src: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
