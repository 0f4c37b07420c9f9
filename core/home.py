"""The academy home: one folder per company holding settings, database and nbgrader course."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from sqlalchemy.engine import Engine

from academy_content import ASSESSMENTS
from core import db
from core.errors import AcademyError
from core.settings import SETTINGS_FILE, Settings, load_settings, save_settings

#: The assessment definitions shipped with the platform (rubrics, forms, schemes ...); `init`
#: copies them into a new home, where the company edits its own copies.
DEFAULT_ASSESSMENTS = ASSESSMENTS
#: Parts of assessments/ that are not copied: exam sources go to the nbgrader course.
_NOT_COPIED = {"source", "release", "submitted", "autograded", "feedback"}

HOME_ENV = "ACADEMY_HOME"
DB_URL_ENV = "ACADEMY_DB_URL"
DB_FILE = "academy.db"

#: Named (as strings: nothing is imported here) in the course's nbgrader_config.py and in the
#: configuration `academy exam` builds: graders.exam.stock explains them.
SAFE_COLLECT = "graders.exam.stock.SafeCollect"
SANITIZE_PREPROCESSORS = [
    "graders.exam.stock.RebuildFromRelease",
    "nbgrader.preprocessors.ClearOutput", "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec", "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata"]
#: kernel arguments: quiet, and a trainee's file next to the notebook never shadows a module
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR", "--IPKernelApp.ignore_cwd=True"]

NBGRADER_CONFIG = '''\
# nbgrader configuration of this academy home, written by `academy init` (and rewritten by any
# `academy` command when it is stale). Trainers run nbgrader (or `academy exam ...`) from
# this folder.
# Every path is computed from this file's own place: a copied or moved home points at itself.
from pathlib import Path

c = get_config()  # noqa: F821
_course = Path(__file__).resolve().parent
c.CourseDirectory.root = str(_course)
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.db_url = "sqlite:///" + str(_course / "gradebook.db")
# The exchange lives inside the home, so release/fetch/submit need no root-owned system folder.
c.Exchange.root = str(_course.parent / "exchange")
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
# Stock `nbgrader collect` / `nbgrader autograde` and formgrader's Autograde button are as safe as
# `academy exam ...` (graders.exam.stock): collecting never follows a link, and every submission is
# rebuilt from the release before a kernel with the trainer's rights runs it, so no trainee code
# runs. Where `graders` cannot be imported these classes fail to load and nbgrader refuses.
c.ExchangeFactory.collect = {safe_collect!r}
c.Autograde.sanitize_preprocessors = {sanitize!r}
c.Execute.extra_arguments = {kernel_args!r}
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        """`with open_home(...) as home:` closes the database handles however the block ends."""
        self.close()


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
    path = home.course_dir / "nbgrader_config.py"
    text = nbgrader_config_text(home)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def nbgrader_config_text(home: Home) -> str:
    """The course's nbgrader_config.py: no absolute path in it (all computed from its own place)."""
    return NBGRADER_CONFIG.format(course_id=home.settings.course_id, safe_collect=SAFE_COLLECT,
                                  sanitize=SANITIZE_PREPROCESSORS, kernel_args=KERNEL_ARGUMENTS)


def refresh_nbgrader_config(home: Home) -> None:
    """Rewrite a stale nbgrader_config.py (e.g. an older home's, with the absolute paths of where
    the home was made); a home we cannot write to is left as it is."""
    path = home.course_dir / "nbgrader_config.py"
    try:
        if path.is_file() and path.read_text(encoding="utf-8") != nbgrader_config_text(home):
            path.write_text(nbgrader_config_text(home), encoding="utf-8")
    except OSError:
        pass


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
    refresh_nbgrader_config(home)
    return home
