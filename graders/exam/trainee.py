"""The trainee's side of nbgrader's exchange, in-process: fetch and submit as a given trainee.

What the JupyterLab Assignments panel does for a person; used by the demo (simulated trainees) and
the tests. Answer sheets are written exactly as the widgets write them.
"""

from __future__ import annotations

import json
from pathlib import Path

from graders.exam import course


def _coursedir_and_config(home, exam: str, student: str, workdir: Path):
    from nbgrader.coursedir import CourseDirectory

    config = course.nbgrader_config(home, exam)
    config.Exchange.assignment_dir = str(workdir)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = exam
    coursedir.student_id = student
    return coursedir, config


def fetch(home, exam: str, student: str, workdir: Path) -> Path:
    """Copy the released exam into the trainee's folder; returns the exam folder."""
    from nbgrader.auth import Authenticator
    from nbgrader.exchange.default import ExchangeFetchAssignment

    workdir.mkdir(parents=True, exist_ok=True)
    coursedir, config = _coursedir_and_config(home, exam, student, workdir)
    ExchangeFetchAssignment(coursedir=coursedir, authenticator=Authenticator(config=config),
                            config=config).start()
    return workdir / home.settings.course_id / exam


def submit(home, exam: str, student: str, workdir: Path) -> None:
    from nbgrader.auth import Authenticator
    from nbgrader.exchange.default import ExchangeSubmit

    coursedir, config = _coursedir_and_config(home, exam, student, workdir)
    ExchangeSubmit(coursedir=coursedir, authenticator=Authenticator(config=config),
                   config=config).start()


def write_sheet(folder: Path, exam: str, student: str, answers: dict, texts: dict) -> None:
    """Write answers.json as the widgets do, and type the free-text answers into their cells."""
    import nbformat

    data = {"format": 1, "exam": exam, "trainee": student, "answers": answers,
            "saved_at": {q: "2026-01-01T00:00:00+00:00" for q in answers}}
    (folder / "answers.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    if texts:
        nb_path = folder / f"{exam}.ipynb"
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in texts and cell.metadata["nbgrader"].get("solution"):
                cell.source = texts[gid]
        nbformat.write(nb, nb_path)


TRAINEE_CONFIG = '''\
# nbgrader configuration for a trainee's Jupyter server (written by Service Academy).
# The Assignments panel fetches from and submits to the academy home's exchange.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = True
c.Exchange.timezone = "UTC"
c.Exchange.assignment_dir = {folder!r}
c.Exchange.cache = {cache!r}
'''
STUDENT_LINE = """\
# nbgrader files submissions under the OS user name (or $JUPYTERHUB_USER for jovyan); a server
# that is not per-user names its trainee here.
c.CourseDirectory.student_id = {student!r}
"""


def write_trainee_config(home, folder: Path, student: str | None = None) -> Path:
    """An `nbgrader_config.py` for the root folder of a trainee's JupyterLab (single-server set-up;
    on JupyterHub the same settings go in the image's /etc/jupyter/nbgrader_config.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "nbgrader_config.py"
    path.write_text(TRAINEE_CONFIG.format(course_id=home.settings.course_id,
                                          exchange=str(home.exchange_dir), folder=str(folder),
                                          cache=str(folder / ".nbgrader_cache"))
                    + (STUDENT_LINE.format(student=student) if student else ""), encoding="utf-8")
    return path
