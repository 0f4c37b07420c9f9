"""The PostgreSQL half of `academy bench grade`: a throw-away cluster on loopback (Debian's
server binaries, as the tests start one), a benchmark home's SQLite database copied into it
table by table (COPY), and `academy grade` timed against it.

Each timed run grades a fresh database made from the ungraded copy (`CREATE DATABASE ... TEMPLATE`),
as on SQLite. The database server's CPU seconds (the postmaster and its finished backends) are
measured apart from the grading process's.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from pathlib import Path

#: rows written per COPY call batch (keeps the reader's memory flat on ten million rows)
COPY_ROWS = 50_000


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    if which:
        return Path(which).resolve().parent
    raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql; "
                     "scripts/install-system-packages.sh installs them)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A PostgreSQL server reached by a SQLAlchemy URL (`url()` of its databases by name)."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url

    def url(self, database: str = "postgres") -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.admin_url).set(database=database).render_as_string(
            hide_password=False)

    def dsn(self, database: str = "postgres") -> str:
        """The libpq connection string of a database (for psycopg's COPY)."""
        from sqlalchemy.engine import make_url

        u = make_url(self.url(database))
        parts = {"host": u.host, "port": u.port, "user": u.username, "password": u.password,
                 "dbname": u.database}
        return " ".join(f"{k}={v}" for k, v in parts.items() if v is not None)

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.dsn(database), autocommit=True) as con:
            con.execute(statement)

    def clone(self, template: str, name: str) -> None:
        """A fresh database `name` as a copy of `template` (dropped first if it exists)."""
        self.sql(f'DROP DATABASE IF EXISTS "{name}"')
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


class Cluster(Server):
    """A PostgreSQL cluster in a temporary folder on 127.0.0.1, run as `postgres` when root.
    Settings as the tests' (fsync off: the benchmark measures grading, not the disk)."""

    def __init__(self, parent: Path | None = None) -> None:
        """`parent` (default: the system's temporary folder) must be reachable by `postgres`."""
        self.bindir = _bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="academy-bench-pg-", dir=parent))
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            self.dir.chmod(0o755)
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        super().__init__(self.url())

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self.as_user, *args], capture_output=True, text=True,
                              cwd=self.dir, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"{Path(args[0]).name} failed ({done.returncode}): "
                             f"{(done.stderr or done.stdout)[-2000:]}")

    def start(self) -> Cluster:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U",
                  "academy", "-E", "UTF8", "--no-locale")
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB "
                "-c shared_buffers=256MB -c work_mem=64MB -c maintenance_work_mem=256MB")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts,
                  "-l", str(self.dir / "log"), "-w", "start")
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://academy@127.0.0.1:{self.port}/{database}"

    def server_cpu(self) -> float:
        """CPU seconds of the server so far: the postmaster, its live children and the backends
        it has waited for (each connection's backend ends with its connection)."""
        tick = os.sysconf("SC_CLK_TCK")
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        total = _proc_cpu(pid, children=True)
        for child in _children(pid):
            total += _proc_cpu(child, children=False)
        return total / tick



def _proc_cpu(pid: int, children: bool) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    # after the command: state(0) ... utime(11) stime(12) cutime(13) cstime(14)
    own = int(fields[11]) + int(fields[12])
    return own + (int(fields[13]) + int(fields[14]) if children else 0)


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(t) for t in tasks]


def load_home_database(cluster: Server, root: Path, database: str, log=print) -> int:
    """Make `database` in the cluster a copy of the home's SQLite database: the schema by the
    home's own migrations, then every table's rows by COPY; sequences set past the copied ids.
    Returns the rows copied."""
    import psycopg
    from sqlalchemy import MetaData

    from core import db as core_db

    cluster.sql(f'DROP DATABASE IF EXISTS "{database}"')
    cluster.sql(f"CREATE DATABASE \"{database}\" ENCODING 'UTF8' TEMPLATE template0")
    engine = core_db.make_engine(cluster.url(database))
    try:
        core_db.upgrade(engine)
        meta = MetaData()
        meta.reflect(engine)
        tables = [t for t in meta.sorted_tables if t.name != "alembic_version"]
    finally:
        engine.dispose()
    src = sqlite3.connect(root / "academy.db")
    copied = 0
    try:
        present = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        with psycopg.connect(cluster.dsn(database)) as con:
            names = ", ".join(f'"{t.name}"' for t in tables)
            con.execute(f"TRUNCATE {names} CASCADE")  # rows a migration may have seeded
            for t in tables:
                if t.name not in present:
                    continue
                have = {r[1] for r in src.execute(f'PRAGMA table_info("{t.name}")')}
                cols = [c.name for c in t.columns if c.name in have]
                quoted = ", ".join(f'"{c}"' for c in cols)
                bools = [i for i, c in enumerate(t.columns) if c.name in have
                         and c.type.python_type is bool] if cols else []
                cur = src.execute(f'SELECT {quoted} FROM "{t.name}"')
                with con.cursor().copy(f'COPY "{t.name}" ({quoted}) FROM STDIN') as cp:
                    while rows := cur.fetchmany(COPY_ROWS):
                        for row in rows:
                            if bools:
                                row = list(row)
                                for i in bools:
                                    if row[i] is not None:
                                        row[i] = bool(row[i])
                            cp.write_row(row)
                        copied += len(rows)
                if "id" in cols:
                    con.execute(f"""SELECT setval(pg_get_serial_sequence('"{t.name}"', 'id'),
                                    coalesce((SELECT max(id) FROM "{t.name}"), 0) + 1, false)""")
            con.commit()
        cluster.sql("VACUUM ANALYZE", database)
    finally:
        src.close()
    log(f"  copied {copied} rows of {root / 'academy.db'} into PostgreSQL database {database}")
    return copied


def copies_alike(cluster: Server, database: str, copies: int) -> str:
    """As grade.copies_alike, on the PostgreSQL database."""
    import psycopg

    with psycopg.connect(cluster.dsn(database)) as con:
        pairs, differ = con.execute(f"""
            SELECT count(*), sum(CASE WHEN c.final_score IS DISTINCT FROM o.final_score
                                       OR c.band IS DISTINCT FROM o.band THEN 1 ELSE 0 END)
            FROM grade_results c JOIN grade_results o
              ON c.employee_id = '{copies - 1}' || o.employee_id""").fetchone()
    return f"copy {copies - 1} graded like the original: {pairs - (differ or 0)} of {pairs} alike"


def current_shas(cluster: Server, database: str) -> tuple[str, str]:
    """(results sha256, inputs sha256) of the current grade run."""
    import psycopg

    with psycopg.connect(cluster.dsn(database)) as con:
        return tuple(con.execute("SELECT results_sha256, inputs_sha256 FROM grade_runs "
                                 "WHERE current").fetchone())
