"""Gradebook writes of a grading worker, cheaper and with the same rows (`graders.exam.worker`).

Profiled (`academy bench autograde --profile`), a worker spent about a third of each submission in
nbgrader's gradebook, for two reasons:

- nbgrader opens a `Gradebook` nine times per submission (the converter's set-up steps and four
  preprocessors), and each open creates a new SQLAlchemy engine, inspects the tables, runs
  `create_all` (one `PRAGMA table_info` per table) and checks the course. `reuse_engines` keeps one
  engine per database URL in the process and, after the first open in this process has made sure
  the tables exist, skips the inspection and `create_all`: the schema cannot change while a worker
  runs (the parent creates the gradebook before any worker starts). Every open still gets a fresh
  session and still checks (or adds) its course, exactly as nbgrader does.
- `SaveAutoGrades` commits once per graded cell and once per comment: about forty SQLite commits
  per submission, each a journal write and an fsync. `BatchedSaveAutoGrades` makes the same
  changes in the same order (same queries, same values) and commits once per notebook, so a
  notebook's automatic grades are stored all together or not at all.

Only the grading workers use these; every other use of nbgrader (formgrader, `academy exam ...`,
stock nbgrader on the same course) is unchanged and reads the same rows.
"""

from __future__ import annotations

from nbgrader import api
from nbgrader.preprocessors import SaveAutoGrades
from sqlalchemy.orm import scoped_session, sessionmaker

_engines: dict[str, object] = {}


def _init(self, db_url: str, course_id: str = "default_course", authenticator=None) -> None:
    engine = _engines.get(db_url)
    if engine is None:  # the first open in this process: nbgrader's own, tables made if missing
        _stock_init(self, db_url, course_id, authenticator)
        _engines[db_url] = self.engine
        return
    self.engine = engine
    self.db = scoped_session(sessionmaker(autoflush=True, bind=engine, future=True))
    self.check_course(course_id=course_id)
    self.course_id = course_id
    self.authenticator = authenticator


def _close(self) -> None:
    """The session ends; the shared engine (and its pooled connection) stays for the next open."""
    self.db.remove()
    if not any(e is self.engine for e in _engines.values()):
        self.engine.dispose()


_stock_init = api.Gradebook.__init__


def reuse_engines() -> None:
    """Install the engine reuse on nbgrader's Gradebook (in this process; idempotent)."""
    if api.Gradebook.__init__ is not _init:
        api.Gradebook.__init__ = _init
        api.Gradebook.close = _close


class BatchedSaveAutoGrades(SaveAutoGrades):
    """nbgrader's SaveAutoGrades with one commit per notebook instead of one per cell."""

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.student_id = resources["nbgrader"]["student"]
        self.db_url = resources["nbgrader"]["db_url"]
        self.gradebook = api.Gradebook(self.db_url)
        with self.gradebook:
            # SaveAutoGrades' parent: every cell through preprocess_cell, no commit in between
            nb, resources = super(SaveAutoGrades, self).preprocess(nb, resources)
            self.gradebook.db.commit()
        return nb, resources

    def _add_score(self, cell, resources) -> None:
        with _commit_deferred(self.gradebook):
            super()._add_score(cell, resources)

    def _add_comment(self, cell, resources) -> None:
        with _commit_deferred(self.gradebook):
            super()._add_comment(cell, resources)


class _commit_deferred:
    """Within the block, the gradebook session's commit() flushes instead (the changes go to the
    database in the open transaction; the notebook's one commit makes them durable)."""

    def __init__(self, gradebook):
        self.session = gradebook.db

    def __enter__(self):
        self.session.commit = self.session.flush
        return self

    def __exit__(self, *exc):
        del self.session.commit
        return False
