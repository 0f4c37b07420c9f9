"""Shared fixtures: homes on SQLite and on a real PostgreSQL server, and the real `academy` command."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
ACADEMY = Path(sys.executable).parent / "academy"


# --- PostgreSQL ---------------------------------------------------------------------------------


def _pg_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    if which:
        return Path(which).resolve().parent
    raise RuntimeError(
        "PostgreSQL server binaries not found: `make test` installs Debian's postgresql when run "
        "as root; otherwise install it (apt-get install postgresql) or set ACADEMY_TEST_PG_URL"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A throw-away PostgreSQL cluster on loopback, run as the `postgres` user when we are root."""

    def __init__(self) -> None:
        self.bindir = _pg_bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="academy-pg-"))
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            self.dir.chmod(0o755)
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, cwd=self.dir)

    def start(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "academy",
                  "-E", "UTF8", "--no-locale")
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts,
                  "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://academy@127.0.0.1:{self.port}/postgres"


@pytest.fixture(scope="session")
def pg_admin_url():
    """URL of a real PostgreSQL server: $ACADEMY_TEST_PG_URL, or one started here on loopback."""
    external = os.environ.get("ACADEMY_TEST_PG_URL")
    if external:
        yield external
        return
    server = PostgresServer()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def _new_pg_database(admin_url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A fresh, empty database on each backend the platform supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'academy.db'}"
    return _new_pg_database(request.getfixturevalue("pg_admin_url"))


@pytest.fixture
def home(tmp_path, db_url, monkeypatch):
    """An initialised academy home whose platform database is on each backend in turn."""
    from core.home import init_home

    monkeypatch.delenv("ACADEMY_HOME", raising=False)
    monkeypatch.delenv("ACADEMY_DB_URL", raising=False)
    h = init_home(tmp_path / "home", db_url=db_url)
    yield h
    h.close()


@pytest.fixture
def sqlite_home(tmp_path, monkeypatch):
    """An initialised home on the embedded default (SQLite), for tests not about the backend."""
    from core.home import init_home

    monkeypatch.delenv("ACADEMY_HOME", raising=False)
    monkeypatch.delenv("ACADEMY_DB_URL", raising=False)
    h = init_home(tmp_path / "home")
    yield h
    h.close()


# --- the real command ---------------------------------------------------------------------------


def run_academy(*args: str, home: Path | None = None, env: dict | None = None, cwd=None,
                check: bool = False) -> subprocess.CompletedProcess:
    """Run the installed `academy` entry point as a user would."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("ACADEMY_HOME", "ACADEMY_DB_URL")}
    full_env.update({"COLUMNS": "200", "NO_COLOR": "1", "ACADEMY_USER": "tester"})
    full_env.update(env or {})
    cmd = [str(ACADEMY)]
    if home is not None:
        cmd += ["--home", str(home)]
    proc = subprocess.run([*cmd, *args], capture_output=True, text=True, env=full_env, cwd=cwd,
                          timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"academy {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


# --- browser ------------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser build)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError("Debian's chromium is not installed: `make test` installs it as root "
                           "(apt-get install chromium fonts-wqy-microhei)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


# --- the demo -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory):
    """One demo company (60 staff) built once per test session by the real `academy demo`.

    Returns the home folder and the finished command (its output is checked by the CLI tests).
    It runs in an 80-column terminal, in a folder deep enough that each suggested command is
    longer than that (tests/test_cli_defaults_workbook.py checks none is cut), so no second demo
    is built for that. Tests that use it only read it."""
    home = tmp_path_factory.mktemp("demo") / ("a-rather-long-folder-name-" * 3) / "home"
    proc = run_academy("demo", "--home", str(home), "--staff", "60", "--no-serve",
                       env={"COLUMNS": "80"}, check=True)
    return home, proc


# --- running in parallel (`make test`: pytest-xdist, -n N --dist loadgroup) -------------------------

#: Work units that take longest, longest first (from the `--durations` table): under xdist they
#: are handed out before everything else so that no worker starts a long unit near the end.
#: A unit is an xdist group: a module whose tests share module fixtures, or a named group below.
LONGEST_FIRST = (
    "os-accounts", "demo-home", "tests/test_dashboards.py", "tests/test_exam_parallel.py",
    "tests/test_exam_sandbox.py", "tests/test_exam_e2e.py", "tests/test_trainee_lab.py",
    "tests/test_wheel_install.py",
)
#: where the workers leave each grouped test's group for the scheduler (set by the controller)
GROUPS_FILE = "ACADEMY_TEST_GROUPS_FILE"


def _loadgroup(config) -> bool:
    # xdist's workers, which collect, see --dist loadgroup as `loadgroup` (their `dist` is "no")
    return bool(getattr(config.option, "loadgroup", False)
                or getattr(config.option, "dist", "no") == "loadgroup")


def _group_of(item) -> str | None:
    """The xdist group an item must share with others, or None when it can run on any worker.

    Tests that create OS accounts carry `xdist_group("os-accounts")` themselves (one hub at a
    time: accounts, /etc/passwd, a whole department of servers). Tests reading the session's
    demo home (a real `academy demo`, tens of seconds) run on one worker so it is built once.
    Tests of a module sharing a module (or module-level session) fixture stay together on one
    worker, in their order, so the fixture is built once."""
    mark = item.get_closest_marker("xdist_group")
    if mark is not None:
        return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
    names = item.fixturenames
    if "demo_home" in names:
        return "demo-home"
    infos = getattr(item, "_fixtureinfo", None)
    for name in names:
        defs = infos.name2fixturedefs.get(name) if infos else None
        if not defs:
            continue
        fixdef = defs[-1]
        if fixdef.scope != "function" and fixdef.baseid.split("::")[0].endswith(".py"):
            return item.nodeid.split("::")[0]
    return None


def pytest_configure(config):
    if _loadgroup(config) and not os.environ.get("PYTEST_XDIST_WORKER"):
        fd, path = tempfile.mkstemp(prefix="academy-test-groups-", suffix=".json")
        os.close(fd)
        os.environ[GROUPS_FILE] = path  # the workers, started after this, inherit it
        config.add_cleanup(lambda: os.unlink(path))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    if not _loadgroup(config):
        return
    groups = {}
    for item in items:
        group = _group_of(item)
        if group:
            groups[item.nodeid] = group
            if item.get_closest_marker("xdist_group") is None:
                item.add_marker(pytest.mark.xdist_group(group))

    def rank(item) -> int:
        group = groups.get(item.nodeid)
        if group in LONGEST_FIRST:
            return LONGEST_FIRST.index(group)
        return len(LONGEST_FIRST) + (0 if item.get_closest_marker("slow") else 1)

    items.sort(key=rank)  # stable: a module's tests keep their order
    path, worker = os.environ.get(GROUPS_FILE), os.environ.get("PYTEST_XDIST_WORKER")
    if path and worker:  # every worker collects the same tests: the last one to finish wins
        Path(f"{path}.{worker}").write_text(json.dumps(groups), encoding="utf-8")
        os.replace(f"{path}.{worker}", path)


def pytest_xdist_make_scheduler(config, log):
    """--dist loadgroup, with the groups read from the workers' file: xdist marks a group by
    appending `@group` to the node id, which pytest 9.2's structured node ids no longer take
    (pytest-xdist issue 1386), so every test would otherwise go its own way."""
    if getattr(config.option, "dist", "no") != "loadgroup" or not os.environ.get(GROUPS_FILE):
        return None
    from xdist.scheduler import LoadGroupScheduling

    class FileGroupScheduling(LoadGroupScheduling):
        groups: dict | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:  # read once all workers have collected
                text = Path(os.environ[GROUPS_FILE]).read_text(encoding="utf-8")
                self.groups = json.loads(text) if text else {}
            return self.groups.get(nodeid) or super()._split_scope(nodeid)

    return FileGroupScheduling(config, log)
