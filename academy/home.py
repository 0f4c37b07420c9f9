"""The academy home: one folder per company holding settings, database and nbgrader course."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from academy import db
from academy.errors import AcademyError
from academy.settings import SETTINGS_FILE, Settings, load_settings, save_settings

#: The assessment definitions shipped with the platform (rubrics, forms, schemes ...); `init`
#: copies them into a new home, where the company edits its own copies.
DEFAULT_ASSESSMENTS = Path(__file__).resolve().parent.parent / "assessments"
#: Parts of assessments/ that are not copied: exam sources go to the nbgrader course.
_NOT_COPIED = {"source", "release", "submitted", "autograded", "feedback"}

HOME_ENV = "ACADEMY_HOME"
DB_URL_ENV = "ACADEMY_DB_URL"
DB_FILE = "academy.db"

NBGRADER_CONFIG = '''\
# nbgrader configuration of this academy home, written by `academy init`.
# Trainers run nbgrader (or `academy exam ...`) from this folder.
c = get_config()  # noqa: F821
c.CourseDirectory.root = {course_dir!r}
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.db_url = {gradebook_url!r}
# The exchange lives inside the home, so release/fetch/submit need no root-owned system folder.
c.Exchange.root = {exchange_dir!r}
c.Exchange.path_includes_course = True
c.Exchange.timezone = "UTC"
# Theory exams (graders.exam; grade them with `academy exam autograde`): mark schemes sit in
# read-only question cells, and feedback made here or in formgrader never shows mark schemes,
# hidden tests or the answers that scored (they would give the key to the next group).
c.ClearMarkScheme.enforce_metadata = False
c.ClearHiddenTests.enforce_metadata = False
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades", "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme", "graders.exam.feedback.HideCorrectAnswers",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
'''


def default_home() -> Path:
    """`$ACADEMY_HOME`, else `$XDG_DATA_HOME/service-academy` (normally ~/.local/share/service-academy)."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser().resolve()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return (Path(data) / "service-academy").resolve()


@dataclass
class Home:
    """An initialised academy home and what lives in it."""

    root: Path
    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def course_dir(self) -> Path:
        return self.root / "course"

    @property
    def exchange_dir(self) -> Path:
        return self.root / "exchange"

    @property
    def assessments_dir(self) -> Path:
        return self.root / "assessments"

    @property
    def imports_dir(self) -> Path:
        return self.root / "imports"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @property
    def gradebook_url(self) -> str:
        return f"sqlite:///{self.course_dir / 'gradebook.db'}"

    @property
    def db_url(self) -> str:
        return (
            os.environ.get(DB_URL_ENV)
            or self.settings.db_url
            or f"sqlite:///{self.root / DB_FILE}"
        )

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = db.make_engine(self.db_url)
        return self._engine

    def transaction(self):
        """A session committed as one transaction (rolled back whole on any error)."""
        return db.transaction(self.engine)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _resolve(root: Path | str | None) -> Path:
    return Path(root).expanduser().resolve() if root else default_home()


def _copy_default_assessments(home: Home) -> None:
    """Copy the shipped definitions the home does not have yet (never overwriting its own)."""
    import shutil

    home.assessments_dir.mkdir(exist_ok=True)
    if not DEFAULT_ASSESSMENTS.is_dir():
        return
    for src in DEFAULT_ASSESSMENTS.rglob("*"):
        rel = src.relative_to(DEFAULT_ASSESSMENTS)
        if rel.parts[0] in _NOT_COPIED or not src.is_file():
            continue
        dest = home.assessments_dir / rel
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)


def _write_nbgrader_config(home: Home) -> None:
    home.course_dir.mkdir(parents=True, exist_ok=True)
    (home.course_dir / "source").mkdir(exist_ok=True)
    home.exchange_dir.mkdir(parents=True, exist_ok=True)
    # Trainees on a shared server each write into the exchange: make it world-writable like /srv/nbgrader.
    home.exchange_dir.chmod(0o777)
    text = NBGRADER_CONFIG.format(
        course_dir=str(home.course_dir),
        course_id=home.settings.course_id,
        gradebook_url=home.gradebook_url,
        exchange_dir=str(home.exchange_dir),
    )
    (home.course_dir / "nbgrader_config.py").write_text(text, encoding="utf-8")


def init_home(root: Path | str | None = None, db_url: str | None = None) -> Home:
    """Create (or complete) a home: settings file, database at the newest schema, nbgrader course.

    Running it again on an existing home keeps its settings and data and upgrades its database.
    """
    path = _resolve(root)
    if path.exists() and not path.is_dir():
        raise AcademyError(f"{path} exists and is not a folder")
    path.mkdir(parents=True, exist_ok=True)
    settings_path = path / SETTINGS_FILE
    if settings_path.exists():
        settings = load_settings(settings_path)
        if db_url and db_url != settings.db_url:
            settings.db_url = db_url
            save_settings(settings, settings_path)
    else:
        settings = Settings(db_url=db_url)
        save_settings(settings, settings_path)
    home = Home(path, settings)
    home.imports_dir.mkdir(exist_ok=True)
    home.exports_dir.mkdir(exist_ok=True)
    _copy_default_assessments(home)
    _write_nbgrader_config(home)
    db.upgrade(home.engine)
    from roster.store import sync_roles

    with home.transaction() as session:
        sync_roles(session, settings.roles)
    return home


def open_home(root: Path | str | None = None, upgrade: bool = True) -> Home:
    """Open an initialised home; its database is upgraded to the newest schema if it is behind."""
    path = _resolve(root)
    settings_path = path / SETTINGS_FILE
    if not settings_path.exists():
        raise AcademyError(
            f"no academy home at {path}: run `academy init --home {path}` "
            f"(or set {HOME_ENV} to an existing home)"
        )
    home = Home(path, load_settings(settings_path))
    if upgrade:
        try:
            behind = db.current_revision(home.engine) != db.head_revision()
        except Exception as exc:
            raise AcademyError(
                f"cannot reach the platform database {db.safe_url(home.db_url)}: {exc}"
            ) from exc
        if behind:
            db.upgrade(home.engine)
    return home
