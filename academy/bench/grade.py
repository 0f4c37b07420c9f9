"""Benchmark of `academy grade` (`academy bench grade`): how the cost of grading grows from 10,000
to 100,000 staff. Not a test: figures only.

The 10,000-staff company is built through the demo's own steps (roster file imported, practical,
360-degree, survey, ticket and key-behaviour files written and imported through the same imports
a user runs) plus one theory exam of ten questions per person stored as theory evidence. The
100,000-staff company is ten copies of it under new employee ids, teams and ticket numbers (the
same evidence per person, the same team sizes), made with SQL on a copy of the database: building
it through the imports would take an hour and measure the imports, not grading. Only SQLite homes
(the default) can be copied this way.

Each timed run is the real command, `academy --home H grade CYCLE`, in a fresh process on a fresh
copy of the ungraded database (a re-grade of unchanged inputs stores nothing, which would flatter
the figure), so the time includes starting Python, reading the evidence, the engine and storing
every result row.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

CYCLE = "2026-Q4"
TODAY = date(2026, 11, 20)
THEORY_QUESTIONS = 10
COPIES = 10  # the large company is this many copies of the small one
#: a copied home's number of copies (copy k's ids start with the digits of k)
COPIES_FILE = "bench-copies.txt"


def build_small(root: Path, staff: int = 10_000, seed: int = 2026, log=print):
    """A fresh home with `staff` people and one open, ungraded cycle full of evidence."""
    from academy import demo as d
    from core.cycles import open_cycle

    t = time.monotonic()
    ctx = d.synthetic_company(root, staff, seed, TODAY)
    home = ctx.home
    log(f"  roster of {staff} staff imported: {time.monotonic() - t:.0f} s")
    with home.transaction() as s:
        open_cycle(s, CYCLE)
    t = time.monotonic()
    d.step_evidence(ctx)
    add_theory(home, seed)
    log(f"  evidence of {CYCLE} written and imported: {time.monotonic() - t:.0f} s")
    return home


def add_theory(home, seed: int) -> int:
    """Ten exam questions per active person, scored from their latent ability (what `academy exam
    scores` stores after an exam), as one theory batch."""
    import numpy as np
    from sqlalchemy import insert, select

    from academy.synthetic.evidence import ability
    from core.competencies import CODES
    from core.cycles import get_cycle
    from graders.evidence import Evidence, new_batch
    from roster.models import Staff

    rng = np.random.default_rng(seed)
    with home.transaction() as s:
        cycle = get_cycle(s, CYCLE)
        ids = list(s.scalars(select(Staff.employee_id).where(Staff.active.is_(True))
                             .order_by(Staff.employee_id)))
        batch = new_batch(s, cycle.id, "theory", "bench-exam", "benchmark",
                          note="theory exam (benchmark)")
        rows = []
        for sid in ids:
            p = 0.55 + 0.35 * ability(sid, seed)
            for q in range(THEORY_QUESTIONS):
                pts = float(rng.binomial(4, p))
                rows.append(dict(batch_id=batch.id, cycle_id=cycle.id, source="theory",
                                 employee_id=sid, rater_id=None, item=f"bench-exam/q{q + 1:02d}",
                                 competency=CODES[q % len(CODES)], raw=pts, max_raw=4.0,
                                 score=25.0 * pts, details={"slot": f"q{q + 1:02d}"}))
        s.execute(insert(Evidence), rows)
        batch.rows = len(rows)
    return len(rows)


def _sqlite_path(home) -> Path:
    url = home.db_url
    if not url.startswith("sqlite:///"):
        raise SystemExit("the grading benchmark copies SQLite databases; this home uses " + url)
    return Path(url.removeprefix("sqlite:///"))


def build_large(small_root: Path, root: Path, copies: int = COPIES, log=print):
    """A home whose company is `copies` copies of the small home's under new ids (copy k: the
    digits of k before every employee id and ticket number, ' #k' after every team name). The
    small home's ids must be of one length (as the synthetic company's are), so that copies of
    different k never share an id."""
    from core.home import open_home

    small = open_home(small_root)
    src = _sqlite_path(small)
    small.close()
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(small_root, root)
    (root / "academy.yaml").write_text(
        (small_root / "academy.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    db = root / src.name
    t = time.monotonic()
    con = sqlite3.connect(db)
    try:
        _clone(con, copies)
        con.commit()
        staff = con.execute("SELECT count(*) FROM staff").fetchone()[0]
        ev = con.execute("SELECT count(*) FROM evidence").fetchone()[0]
    finally:
        con.close()
    log(f"  {copies} copies: {staff} staff, {ev} evidence rows ({time.monotonic() - t:.0f} s)")
    (root / COPIES_FILE).write_text(str(copies), encoding="utf-8")
    return open_home(root)


def _clone(con: sqlite3.Connection, copies: int) -> None:
    con.executescript("""
        CREATE TEMP TABLE orig_staff AS SELECT employee_id FROM staff;
        CREATE UNIQUE INDEX temp.orig_staff_id ON orig_staff(employee_id);
        CREATE TEMP TABLE orig_teams AS SELECT id, name FROM teams;
        CREATE TEMP TABLE last AS SELECT (SELECT max(id) FROM evidence) AS evidence,
                                         (SELECT max(id) FROM service_tickets) AS tickets;
    """)
    for k in range(1, copies):
        p, suffix = str(k), f" #{k}"
        con.execute("""INSERT INTO teams (name, region, manager_id)
                       SELECT t.name || ?, t.region,
                              CASE WHEN t.manager_id IS NULL THEN NULL ELSE ? || t.manager_id END
                       FROM teams t JOIN orig_teams o ON o.id = t.id""", (suffix, p))
        con.execute("""CREATE TEMP TABLE team_map AS
                       SELECT o.id AS old, n.id AS new FROM orig_teams o
                       JOIN teams n ON n.name = o.name || ?""", (suffix,))
        con.execute("""INSERT INTO staff (employee_id, name, team_id, role_code, supervisor_id,
                                          hire_date, active, created_at, updated_at)
                       SELECT ? || s.employee_id, s.name, m.new, s.role_code,
                              CASE WHEN s.supervisor_id IS NULL THEN NULL
                                   ELSE ? || s.supervisor_id END,
                              s.hire_date, s.active, s.created_at, s.updated_at
                       FROM staff s JOIN orig_staff o ON o.employee_id = s.employee_id
                       JOIN team_map m ON m.old = s.team_id""", (p, p))
        con.execute("DROP TABLE temp.team_map")
        con.execute("""INSERT INTO evidence (batch_id, cycle_id, source, employee_id, rater_id,
                                             item, competency, raw, max_raw, score, details)
                       SELECT e.batch_id, e.cycle_id, e.source, ? || e.employee_id,
                              CASE WHEN e.rater_id IN (SELECT employee_id FROM orig_staff)
                                   THEN ? || e.rater_id ELSE e.rater_id END,
                              e.item, e.competency, e.raw, e.max_raw, e.score, e.details
                       FROM evidence e WHERE e.id <= (SELECT evidence FROM last)""", (p, p))
        con.execute("""INSERT INTO service_tickets (batch_id, cycle_id, ticket_id, employee_id,
                                                    closed_on, surveyed)
                       SELECT batch_id, cycle_id, ? || ticket_id, ? || employee_id, closed_on,
                              surveyed
                       FROM service_tickets WHERE id <= (SELECT tickets FROM last)""", (p, p))
    con.execute("UPDATE evidence_batches SET rows = (SELECT count(*) FROM evidence e "
                "WHERE e.batch_id = evidence_batches.id)")


def _academy() -> list[str]:
    exe = Path(sys.executable).with_name("academy")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "academy"]


def time_grade(root: Path, runs: int, log=print, label: str = "",
               cpu: list[float] | None = None, steps: list[dict] | None = None,
               cluster=None) -> tuple[list[float], float]:
    """Seconds of each `academy grade` run on a fresh copy of the ungraded database, and the
    largest resident memory of a grading process (MB); each run's CPU seconds (user + system of
    the grading process) are appended to `cpu` (on a shared machine the figure to compare) and
    its per-step figures (academy.bench.grade_steps, plus the database server's CPU seconds on
    PostgreSQL and the run's results and inputs sha256) to `steps`.

    With `cluster` (academy.bench.grade_pg.Cluster) the home's database is first copied into
    PostgreSQL and each run grades a fresh copy of that."""
    from core.home import open_home

    h = open_home(root)
    db = _sqlite_path(h)
    h.close()
    pristine = db.with_name(db.name + ".ungraded")
    if pristine.exists():  # bring the kept ungraded copy to the newest schema, outside the timing
        shutil.copy2(pristine, db)
        open_home(root).close()
    shutil.copy2(db, pristine)
    env = dict(os.environ)
    if cluster is not None:
        from academy.bench import grade_pg

        template = f"ungraded_{root.name}".replace("-", "_")
        grade_pg.load_home_database(cluster, root, template, log=log)
        env["ACADEMY_DB_URL"] = cluster.url(f"run_{root.name}".replace("-", "_"))
    secs, peak = [], 0.0
    for i in range(runs):
        shutil.copy2(pristine, db)
        for extra in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            extra.unlink(missing_ok=True)
        if cluster is not None:
            cluster.clone(template, env["ACADEMY_DB_URL"].rsplit("/", 1)[1])
            server_before = cluster.server_cpu()
        out_json = root / "grade-steps.json"
        out_json.unlink(missing_ok=True)
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        before = _child_cpu()
        proc = subprocess.Popen([sys.executable, "-m", "academy.bench.grade_steps", str(out_json),
                                 "--home", str(root), "grade", CYCLE], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        with TreeMemory(proc.pid) as tree:
            out, _ = proc.communicate()
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"academy grade failed on {root}:\n{out[-3000:]}")
        secs.append(elapsed)
        used = _child_cpu() - before
        if cpu is not None:
            cpu.append(round(used, 2))
        peak = max(peak, _child_peak_mb())
        figures = json.loads(out_json.read_text(encoding="utf-8"))
        figures["load_average"] = [round(load_before[0], 1), round(os.getloadavg()[0], 1)]
        # the grading process and the processes it forked (graders.sources.load.collect)
        figures["peak_tree_mb"] = round(tree.peak_mb, 1)
        figures["wall"] = round(elapsed, 2)
        if cluster is not None:
            figures["server_cpu"] = round(cluster.server_cpu() - server_before, 2)
            figures["results_sha256"], figures["inputs_sha256"] = grade_pg.current_shas(
                cluster, env["ACADEMY_DB_URL"].rsplit("/", 1)[1])
        else:
            con = sqlite3.connect(db)
            try:
                figures["results_sha256"], figures["inputs_sha256"] = con.execute(
                    "SELECT results_sha256, inputs_sha256 FROM grade_runs WHERE current = 1"
                ).fetchone()
            finally:
                con.close()
        if steps is not None:
            steps.append(figures)
        first = out.strip().splitlines()[0] if out.strip() else ""
        server = f", database server {figures['server_cpu']:.1f} CPU s" if cluster else ""
        log(f"  {label} run {i + 1}: {elapsed:.1f} s, {used:.1f} CPU s{server}, peak "
            f"{tree.peak_mb:.0f} MB (the grading process alone {figures['peak_rss_mb']:.0f} MB), "
            f"load {figures['load_average']} ({first})")
        peak = max(peak, tree.peak_mb)
    return secs, peak


class TreeMemory:
    """The largest memory a process and its descendants held at once: their proportional set
    sizes (Pss, /proc/PID/smaps_rollup; pages a fork shares are counted once) summed every
    0.2 s in a thread, from `with` to its end. Linux only."""

    def __init__(self, pid: int, every: float = 0.2):
        self.pid, self.every, self.peak_mb = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
        out, todo = [], [self.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(children.get(p, []))
        return out

    @staticmethod
    def _pss_kb(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
                for line in f:
                    if line.startswith(b"Pss:"):
                        return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def _watch(self) -> None:
        while not self._stop.is_set():
            total = sum(self._pss_kb(p) for p in self._tree())
            self.peak_mb = max(self.peak_mb, total / 1024)
            self._stop.wait(self.every)


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _child_peak_mb() -> float:
    # ru_maxrss of all waited-for children: the runs grow in size, so this is the latest's peak
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


@dataclass
class GradeBench:
    small_staff: int
    large_staff: int
    small_seconds: list[float]
    large_seconds: list[float]
    ratio: float
    size_ratio: float
    small_peak_mb: float
    large_peak_mb: float
    target: str = ("grading 100,000 staff costs at most 11x grading 10,000, in at most 90 s, "
                   "peak memory under 4 GB, on SQLite and on PostgreSQL")
    small_cpu_seconds: list[float] = field(default_factory=list)
    large_cpu_seconds: list[float] = field(default_factory=list)
    cpu_ratio: float = 0.0
    date: str = ""
    machine: str = ""
    notes: list[str] = field(default_factory=list)
    #: per backend ("sqlite", "postgresql") and size ("small", "large"): each run's figures
    #: (academy.bench.grade_steps: CPU and wall seconds per step, peak memory, server CPU, shas)
    runs: dict = field(default_factory=dict)


def run(base: Path, staff: int = 10_000, runs: int = 1, reuse: bool = False, seed: int = 2026,
        log=print, backends: tuple[str, ...] = ("sqlite",), base_staff: int | None = None
        ) -> GradeBench:
    """Build (or reuse) both companies and time `academy grade` on each backend. With
    `base_staff`, both are copies of one company of that many staff (staff / base_staff and
    10 x staff / base_staff copies): quicker to build than a full-size small company."""
    small_root, large_root = base / f"grade-{staff}", base / f"grade-{staff * COPIES}"
    if base_staff and (staff % base_staff or staff == base_staff):
        raise SystemExit("the base company's staff must divide the small company's, and be smaller")
    if base_staff:
        base_root = base / f"grade-{base_staff}"
        if not (reuse and (base_root / "academy.yaml").exists()):
            log(f"Building the {base_staff}-staff base company in {base_root}")
            build_small(base_root, base_staff, seed, log=log).close()
    for root, copies in ((small_root, staff // (base_staff or staff)),
                         (large_root, staff * COPIES // (base_staff or staff))):
        if reuse and (root / "academy.yaml").exists():
            continue
        if base_staff or root == small_root:
            if base_staff:
                log(f"Building {root} as {copies} copies of the base company")
                build_large(base_root, root, copies, log=log).close()
            else:
                log(f"Building the {staff}-staff company in {small_root}")
                build_small(small_root, staff, seed, log=log).close()
        else:
            log(f"Building the {staff * COPIES}-staff company in {large_root}")
            build_large(small_root, large_root, log=log).close()
        (root / "academy.db.ungraded").unlink(missing_ok=True)
    figures: dict = {}
    small_cpu: list[float] = []
    large_cpu: list[float] = []
    small_secs = large_secs = []
    small_peak = large_peak = 0.0
    notes = []
    for backend in backends:
        cluster = None
        if backend == "postgresql":
            from academy.bench import grade_pg

            cluster = grade_pg.Cluster().start()
        try:
            got = figures[backend] = {"small": [], "large": []}
            cpu_s, cpu_l = (small_cpu, large_cpu) if backend == backends[0] else ([], [])
            secs_s, peak_s = time_grade(small_root, runs, log, f"{backend}, {staff} staff",
                                        cpu_s, got["small"], cluster)
            secs_l, peak_l = time_grade(large_root, runs, log,
                                        f"{backend}, {staff * COPIES} staff", cpu_l,
                                        got["large"], cluster)
            if backend == backends[0]:
                small_secs, large_secs, small_peak, large_peak = secs_s, secs_l, peak_s, peak_l
            copies = _copies(large_root)
            if cluster is None:
                notes.append(f"{backend}: {copies_alike(large_root, copies)}")
            else:
                notes.append(f"{backend}: " + grade_pg.copies_alike(
                    cluster, f"run_{large_root.name}".replace("-", "_"), copies))
        finally:
            if cluster is not None:
                cluster.stop()
        log(f"  {notes[-1]}")
    if len(backends) > 1:
        for size in ("small", "large"):
            shas = {(r["results_sha256"], r["inputs_sha256"])
                    for b in backends for r in figures[b][size]}
            notes.append(f"{size} company: {'the same' if len(shas) == 1 else 'DIFFERENT'} "
                         f"results and inputs sha256 on {' and '.join(backends)}")
            log(f"  {notes[-1]}")
    s, l_ = statistics.median(small_secs), statistics.median(large_secs)
    return GradeBench(notes=notes, runs=figures,
        small_staff=staff, large_staff=staff * COPIES,
        small_seconds=[round(x, 2) for x in small_secs],
        large_seconds=[round(x, 2) for x in large_secs],
        ratio=round(l_ / s, 2), size_ratio=float(COPIES),
        small_peak_mb=round(small_peak), large_peak_mb=round(large_peak),
        small_cpu_seconds=small_cpu, large_cpu_seconds=large_cpu,
        cpu_ratio=round(statistics.median(large_cpu) / max(statistics.median(small_cpu), 1e-9), 2),
        date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        machine=f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")


def _copies(root: Path) -> int:
    f = root / COPIES_FILE
    return int(f.read_text()) if f.exists() else COPIES


def run_cpu(figures: dict) -> float:
    """CPU seconds of one grade run: the grading process and the processes it forked."""
    return figures["total"]["cpu"] + figures["total"].get("children_cpu", 0.0)


def run_peak_mb(figures: dict) -> float:
    """Peak memory of one grade run: the grading process and its forked processes together."""
    return max(figures.get("peak_tree_mb", 0.0), figures["peak_rss_mb"])


def step_table(runs: list[dict]) -> dict[str, float]:
    """CPU seconds per step, median over runs (steps as academy.bench.grade_steps names them)."""
    names = list(dict.fromkeys(k for r in runs for k in r["steps"]))
    return {k: statistics.median(r["steps"].get(k, {}).get("cpu", 0.0) for r in runs)
            for k in names}


def copies_alike(root: Path, copies: int | None = None) -> str:
    """Every copy is the same company, so each person's final score must equal their original's:
    a check that the large run graded everyone as the small one would."""
    if copies is None:
        copies = _copies(root)
    con = sqlite3.connect(root / "academy.db")
    try:
        pairs, differ = con.execute(f"""
            SELECT count(*), sum(c.final_score IS NOT o.final_score OR c.band IS NOT o.band)
            FROM grade_results c JOIN grade_results o
              ON c.employee_id = '{copies - 1}' || o.employee_id""").fetchone()
    finally:
        con.close()
    return f"copy {copies - 1} graded like the original: {pairs - (differ or 0)} of {pairs} alike"


def write(result: GradeBench, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(result), indent=1), encoding="utf-8")
    return path
