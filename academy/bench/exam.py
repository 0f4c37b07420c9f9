"""Benchmark of exam autograding (`academy bench autograde`): our `academy exam autograde` against
stock `nbgrader autograde` on the same submissions, plus a check that both gave the same scores.
Not a test: figures only.

The stock environment ("as a user would have it") is a separate virtual environment made with the
same Python, holding a plain `pip install nbgrader==<our version>` with every dependency pip picks
(rfc3987-syntax included, which our own .venv removes on purpose; see the Makefile). nbgrader,
nbformat, nbconvert, nbclient, jupyter-events, jupyter_client and ipykernel there are stock and
unmodified, and nbgrader runs as its own `nbgrader autograde EXAM` command from the course folder,
reading the home's `nbgrader_config.py` like a trainer's shell would.

The exam notebooks call `from graders.exam import ask` while graded, so the stock kernel must
import our package. Its third-party imports at grading time are pyyaml and SQLAlchemy (both
nbgrader dependencies already) and pydantic (the home's settings), so the stock environment gets
pydantic on top of nbgrader, and our package itself comes in through PYTHONPATH pointing at this
working tree, for the stock command only. Not installed into the cached environment: a copy made
once would go stale as the code changes (both runs must grade with the same scoring code, or the
score check means nothing), and building the project from the shared checkout would leave build
folders in it. Nothing on that path shadows a module of nbgrader's stack.

The workload: a home with a synthetic roster, both demo exams built and released, `submissions`
simulated trainees of varied ability (as in the demo) split between the two exams, submitted,
collected and sanitized once (so the stock run grades exactly the notebooks ours grades: ours
rebuilds each from the release and the answers, idempotently). Two copies of that home, one per
run, start from the same files and a gradebook with no submission. Each run is timed as whole
processes, one per exam: `nbgrader autograde EXAM --force --create` from the stock environment,
and a fresh `.venv` Python doing what `academy exam autograde EXAM` does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from academy_content import ASSESSMENTS

REPO = Path(__file__).resolve().parents[2]
MARKER = "academy-stock-env.json"
# what the exam notebooks need at grading time beyond nbgrader's own dependencies
EXTRA_PACKAGES = ["pydantic>=2.6"]
# recorded with the figures: the stack that autograding runs on
KEY_PACKAGES = ["nbgrader", "nbformat", "nbconvert", "nbclient", "jupyter_client", "ipykernel",
                "jupyter-events", "jsonschema", "rfc3987-syntax", "traitlets", "sqlalchemy"]
#: throughput of ours against stock nbgrader as installed (rfc3987-syntax included) ...
TARGET_RATIO = 8.0
#: ... and against stock nbgrader in an environment without rfc3987-syntax (the second baseline)
TARGET_LEAN_RATIO = 3.0
LEAN_SUFFIX = "-no-rfc3987-syntax"


def nbgrader_version() -> str:
    from importlib.metadata import version

    return version("nbgrader")


def default_stock_env(lean: bool = False) -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return (Path(cache) / "service-academy" / "bench"
            / f"stock-nbgrader-{nbgrader_version()}{LEAN_SUFFIX if lean else ''}")


def _python_version() -> str:
    return ".".join(map(str, sys.version_info[:3]))


def _env_healthy(env: Path, lean: bool = False) -> bool:
    py = env / "bin" / "python"
    marker = env / MARKER
    if not (py.exists() and marker.exists()):
        return False
    try:
        rec = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    if rec.get("nbgrader") != nbgrader_version() or rec.get("python") != _python_version():
        return False
    if bool(rec.get("lean")) != lean:
        return False
    check = subprocess.run(
        [str(py), "-c", ("from importlib.metadata import version; import ipykernel, pydantic, yaml;"
                         "print(version('nbgrader'))")],
        check=False, capture_output=True, text=True, env=_clean_env(env))
    return check.returncode == 0 and check.stdout.strip() == nbgrader_version()


def _clean_env(stock: Path | None = None) -> dict[str, str]:
    """os.environ without our venv (PATH, VIRTUAL_ENV) and without anything that would point a
    Python or Jupyter at other packages; with `stock`, its bin folder first on PATH."""
    env = dict(os.environ)
    for k in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH", "JUPYTER_PATH", "JUPYTER_CONFIG_DIR",
              "JUPYTER_DATA_DIR", "JUPYTER_CONFIG_PATH", "PYTHONSTARTUP", "PYTHONNOUSERSITE",
              "__PYVENV_LAUNCHER__"):
        env.pop(k, None)
    ours = str(Path(sys.prefix) / "bin")
    parts = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != ours]
    if stock is not None:
        parts.insert(0, str(stock / "bin"))
        env["VIRTUAL_ENV"] = str(stock)
    env["PATH"] = os.pathsep.join(parts)
    return env


def _pip(py: Path, env: Path, args: list[str], log) -> None:
    """`pip install ARGS` in the stock environment, its progress logged in a few lines."""
    cmd = [str(py), "-m", "pip", "install", "--disable-pip-version-check", *args]
    log("  " + " ".join(["pip install", *args]))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=_clean_env(env))
    tail: list[str] = []
    collected = 0
    t0 = time.monotonic()
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip()
        tail = (tail + [line])[-30:]
        if line.startswith("Collecting"):
            collected += 1
            if collected % 20 == 0:
                log(f"  ... {collected} packages collected ({time.monotonic() - t0:.0f} s)")
        elif line.startswith("Installing collected packages"):
            log(f"  installing {line.count(',') + 1} packages ({time.monotonic() - t0:.0f} s)")
        elif line.startswith(("Successfully installed", "ERROR")):
            log(f"  {line[:160]}{'...' if len(line) > 160 else ''}")
    if proc.wait() != 0:
        raise RuntimeError("pip install failed in the stock environment:\n" + "\n".join(tail))


def stock_python(path: Path | str | None = None, log=print, lean: bool = False) -> Path:
    """The Python of the stock nbgrader environment (created first if missing or unhealthy):
    a venv of this same Python with `pip install nbgrader==<our version>` as a user would run it
    (every dependency pip picks, rfc3987-syntax included) and pydantic for our exam notebooks.
    Default place: ~/.cache/service-academy/bench/stock-nbgrader-<version>; reused once made.
    `lean`: the same, then `pip uninstall rfc3987-syntax` (the second baseline: stock nbgrader
    without the package that makes every nbformat import slow; default place with the suffix
    -no-rfc3987-syntax)."""
    env = Path(path).expanduser().resolve() if path else default_stock_env(lean)
    py = env / "bin" / "python"
    if _env_healthy(env, lean):
        return py
    version = nbgrader_version()
    if env.exists():
        log(f"stock environment {env} is incomplete or for another version: made again")
        shutil.rmtree(env)
    env.parent.mkdir(parents=True, exist_ok=True)
    log(f"Creating the stock environment {env} (Python {_python_version()}, nbgrader {version}); "
        "a few minutes, once")
    t0 = time.monotonic()
    # from our venv, venv builds on the same base interpreter (sys._base_executable)
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, env=_clean_env())
    _pip(py, env, [f"nbgrader=={version}", *EXTRA_PACKAGES], log)
    if lean:
        log("  pip uninstall rfc3987-syntax")
        subprocess.run([str(py), "-m", "pip", "uninstall", "--yes", "--quiet", "rfc3987-syntax"],
                       check=True, env=_clean_env(env))
    packages = _versions(py, env)
    if not lean and not packages.get("rfc3987-syntax"):
        log("  note: pip did not bring rfc3987-syntax into the stock environment this time")
    (env / MARKER).write_text(json.dumps({"nbgrader": version, "python": _python_version(),
                                          "lean": lean,
                                          "created": time.strftime("%Y-%m-%d %H:%M UTC",
                                                                   time.gmtime()),
                                          "packages": packages}, indent=1))
    log(f"stock environment ready in {time.monotonic() - t0:.0f} s: "
        + ", ".join(f"{k} {v}" for k, v in packages.items() if v))
    return py


_VERSIONS = """
import json, sys
from importlib.metadata import version, PackageNotFoundError
out = {}
for name in sys.argv[1:]:
    try:
        out[name] = version(name)
    except PackageNotFoundError:
        out[name] = None
print(json.dumps(out))
"""


def _versions(py: Path, stock: Path | None = None) -> dict[str, str | None]:
    res = subprocess.run([str(py), "-c", _VERSIONS, *KEY_PACKAGES], capture_output=True,
                         text=True, check=True, env=_clean_env(stock))
    return json.loads(res.stdout)


def stock_kernel(py: Path) -> list[str]:
    """The command line of the `python3` kernel as nbgrader in the stock environment starts it."""
    stock = py.parent.parent
    code = ("import json\nfrom jupyter_client.manager import KernelManager\n"
            "km = KernelManager(kernel_name='python3')\n"
            "print(json.dumps(km.format_kernel_cmd()))")
    res = subprocess.run([str(py), "-c", code], capture_output=True, text=True,
                         env=_stock_run_env(stock), check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def _stock_run_env(stock: Path) -> dict[str, str]:
    env = _clean_env(stock)
    env["PYTHONPATH"] = str(REPO)
    # the stock environment's own kernelspec first (jupyter_client puts JUPYTER_PATH before the
    # user's and the system's folders)
    env["JUPYTER_PATH"] = str(stock / "share" / "jupyter")
    env.pop("ACADEMY_EXAM_STUDENT", None)
    return env


# --- workload ------------------------------------------------------------------------------------


@dataclass
class Workload:
    root: Path
    exams: dict[str, list[str]]   # exam -> trainees who submitted
    roster: int
    seed: int

    @property
    def base(self) -> Path:
        return self.root / "base"

    @property
    def submissions(self) -> int:
        return sum(len(v) for v in self.exams.values())


def _split(n: int, parts: int) -> list[int]:
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


def build_workload(root: Path, submissions: int = 200, seed: int = 2026, log=print) -> Workload:
    """A home under `root/base` with both demo exams released and `submissions` collected
    submissions of simulated trainees (split between the exams), each sanitized once."""
    import random
    import tempfile
    from datetime import UTC, datetime, timedelta

    from academy.synthetic.company import make_company, write_roster_csv
    from academy.synthetic.exams import DEMO_BANKS
    from core.home import init_home
    from graders.exam import lifecycle, simulate, trainee
    from graders.exam.sanitize import sanitize_in_home
    from roster.store import import_roster_file

    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    t0 = time.monotonic()
    home = init_home(root / "base")
    staff = max(200, submissions)
    people = make_company(staff, seed)
    write_roster_csv(people, home.imports_dir / "roster.csv")
    import_roster_file(home, home.imports_dir / "roster.csv")
    ids = sorted(p.employee_id for p in people)
    log(f"roster of {len(ids)} people: {time.monotonic() - t0:.0f} s")
    banks = ASSESSMENTS / "banks"
    exams: dict[str, list[str]] = {}
    for i, (bank_name, n) in enumerate(zip(DEMO_BANKS, _split(submissions, len(DEMO_BANKS)))):
        if n == 0:
            continue
        t = time.monotonic()
        rng = random.Random(f"{seed}|{bank_name}")
        bank = lifecycle.build(home, banks / bank_name)
        lifecycle.release(home, bank.name, datetime.now(UTC) + timedelta(days=7))
        who = ids[:n] if i % 2 == 0 else ids[-n:]
        work = Path(tempfile.mkdtemp(prefix="academy-bench-trainees-"))
        try:
            for k, sid in enumerate(who, start=1):
                ability = min(1.0, max(0.1, rng.betavariate(4, 2)))
                folder = trainee.fetch(home, bank.name, sid, work / sid)
                answers, texts = simulate.answer_sheet(bank, sid, ability, seed)
                trainee.write_sheet(folder, bank.name, sid, answers, texts)
                trainee.submit(home, bank.name, sid, work / sid)
                if k % 50 == 0:
                    log(f"  {bank.name}: {k} of {n} trainees submitted")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        known, unknown = lifecycle.collect(home, bank.name)
        if sorted(known) != sorted(who) or unknown:
            raise RuntimeError(f"{bank.name}: collected {len(known)} of {n} submissions")
        release_nb = home.course_dir / "release" / bank.name / f"{bank.name}.ipynb"
        for sid in who:
            sanitize_in_home(home, bank.name, sid, release_nb)
        exams[bank.name] = list(who)
        log(f"{bank.name}: {n} submissions released, answered, submitted, collected: "
            f"{time.monotonic() - t:.0f} s")
    home.close()
    w = Workload(root, exams, len(ids), seed)
    (root / "workload.json").write_text(json.dumps(
        {"exams": exams, "roster": len(ids), "seed": seed}, indent=1))
    return w


def load_workload(root: Path) -> Workload:
    rec = json.loads((root / "workload.json").read_text())
    return Workload(root, rec["exams"], rec["roster"], rec["seed"])


def copy_home(w: Workload, name: str):
    """A fresh copy of the workload's home at `root/name`, its nbgrader_config.py pointing at
    the copy (it names absolute paths)."""
    from core.home import _write_nbgrader_config, open_home

    dst = w.root / name
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(w.base, dst, symlinks=True)
    home = open_home(dst)
    _write_nbgrader_config(home)
    return home


# --- the two runs --------------------------------------------------------------------------------


@dataclass
class RunResult:
    label: str
    seconds: float
    per_exam: dict[str, float]
    errors: list[str] = field(default_factory=list)
    #: CPU seconds (user + system) of the run's processes and every process they waited for
    #: (kernels, workers): what the run costs the machine, whatever else runs on it
    cpu_seconds: float = 0.0


def _children_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_stock(py: Path, home, w: Workload, log=print, label: str = "stock") -> RunResult:
    """`nbgrader autograde EXAM --force --create` of the stock environment, from the course
    folder, one command per exam; wall clock of each whole command."""
    from graders.exam import course
    from graders.exam.widgets import BANK_ENV

    stock = py.parent.parent
    per_exam, errors = {}, []
    cpu0 = _children_cpu()
    for exam, who in w.exams.items():
        env = _stock_run_env(stock)
        env[BANK_ENV] = str(course.bank_path(home, exam))
        logfile = w.root / f"{label}-{exam}.log"
        cmd = [str(stock / "bin" / "nbgrader"), "autograde", exam, "--force", "--create"]
        log(f"{label}: {' '.join(cmd[1:])} ({len(who)} submissions; log in {logfile})")
        t0 = time.perf_counter()
        with logfile.open("w") as f:
            rc = subprocess.run(cmd, check=False, cwd=home.course_dir, env=env, stdout=f,
                                stderr=subprocess.STDOUT).returncode
        per_exam[exam] = time.perf_counter() - t0
        bad = [ln.strip() for ln in logfile.read_text(errors="replace").splitlines()
               if ln.startswith(("[AutogradeApp | ERROR]", "[AutogradeApp | CRITICAL]"))
               or "Traceback" in ln]
        if rc != 0:
            errors.append(f"{exam}: nbgrader autograde exited with {rc}")
        errors += [f"{exam}: {ln}" for ln in bad[:5]]
        log(f"{label}: {exam}: {per_exam[exam]:.1f} s, exit code {rc}")
    return RunResult(label, sum(per_exam.values()), per_exam, errors,
                     cpu_seconds=_children_cpu() - cpu0)


_OURS = """
import inspect, json, os, sys
from core.home import open_home
from graders.exam import lifecycle
home, exam, workers = sys.argv[1], sys.argv[2], sys.argv[3]
h = open_home(home)
kw = {}
if "workers" in inspect.signature(lifecycle.autograde).parameters and workers != "default":
    kw["workers"] = int(workers)
if os.environ.get("ACADEMY_BENCH_NO_SANDBOX") and "sandbox" in inspect.signature(lifecycle.autograde).parameters:
    kw["sandbox"] = False  # `academy bench autograde --no-sandbox`: the sandbox's cost, never for grading
outcomes = lifecycle.autograde(h, exam, **kw)
h.close()
print(json.dumps({o.employee_id: [o.status, o.reasons] for o in outcomes}))
"""


def workers_supported() -> bool:
    import inspect

    from graders.exam import lifecycle

    return "workers" in inspect.signature(lifecycle.autograde).parameters


#: set by `academy bench autograde --no-sandbox`: ours grades without the grading sandbox, to
#: measure what the sandbox costs. For that comparison only; `academy exam autograde` has no such switch.
NO_SANDBOX_ENV = "ACADEMY_BENCH_NO_SANDBOX"


def run_ours(home, w: Workload, workers: int | None, log=print, sandbox: bool = True,
             profile: Path | None = None) -> RunResult:
    """What `academy exam autograde EXAM` does, in a fresh process of our .venv per exam (start,
    imports, sanitizing, grading, the results stored); wall clock of each whole process.
    `profile`: each grading worker writes its cProfile statistics there (the run is slower)."""
    from graders.exam.worker import PROFILE_ENV

    per_exam, errors = {}, []
    env = dict(os.environ)
    env.pop(NO_SANDBOX_ENV, None)
    env.pop(PROFILE_ENV, None)
    if profile is not None:
        shutil.rmtree(profile, ignore_errors=True)
        profile.mkdir(parents=True)
        env[PROFILE_ENV] = str(profile)
    if not sandbox:
        env[NO_SANDBOX_ENV] = "1"
    cpu0 = _children_cpu()
    env.pop("ACADEMY_EXAM_BANK", None)
    env.pop("ACADEMY_EXAM_STUDENT", None)
    for exam, who in w.exams.items():
        log(f"ours: lifecycle.autograde({exam}) ({len(who)} submissions)")
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-c", _OURS, str(home.root), exam,
                              "default" if workers is None else str(workers)],
                             check=False, capture_output=True, text=True, env=env)
        per_exam[exam] = time.perf_counter() - t0
        (w.root / f"ours-{exam}.log").write_text(res.stdout + res.stderr)
        if res.returncode != 0:
            errors.append(f"{exam}: exited with {res.returncode}: "
                          + " | ".join(res.stderr.strip().splitlines()[-3:]))
        else:
            outcomes = json.loads(res.stdout.strip().splitlines()[-1])
            for sid, (status, reasons) in outcomes.items():
                if status != "graded":
                    errors.append(f"{exam}/{sid}: {status} {'; '.join(reasons)}")
        log(f"ours: {exam}: {per_exam[exam]:.1f} s")
    return RunResult("ours", sum(per_exam.values()), per_exam, errors,
                     cpu_seconds=_children_cpu() - cpu0)


# --- same scores ---------------------------------------------------------------------------------


def gradebook_scores(db_url: str, course_id: str) -> dict[tuple, tuple]:
    """(assignment, student, notebook, cell) -> (score, max score) of every grade in a gradebook."""
    from nbgrader.api import Gradebook

    from graders.exam import course

    course.ensure_path()
    course.quiet()
    out = {}
    gb = Gradebook(db_url, course_id)
    try:
        for a in gb.assignments:
            for sub in gb.assignment_submissions(a.name):
                for nb in sub.notebooks:
                    for g in nb.grades:
                        out[(a.name, sub.student.id, nb.name, g.name)] = (g.score, g.max_score)
    finally:
        gb.close()
    return out


def compare_scores(a: dict[tuple, tuple], b: dict[tuple, tuple],
                   labels: tuple[str, str] = ("stock", "ours")) -> list[str]:
    """Every difference between two `gradebook_scores` results, in key order."""
    diffs = []
    for key in sorted(set(a) | set(b), key=lambda k: tuple(map(str, k))):
        name = "/".join(map(str, key))
        if key not in a:
            diffs.append(f"{name}: only in {labels[1]} ({b[key][0]} of {b[key][1]})")
        elif key not in b:
            diffs.append(f"{name}: only in {labels[0]} ({a[key][0]} of {a[key][1]})")
        elif any(_differs(x, y) for x, y in zip(a[key], b[key])):
            diffs.append(f"{name}: {labels[0]} {a[key][0]} of {a[key][1]}, "
                         f"{labels[1]} {b[key][0]} of {b[key][1]}")
    return diffs


def _differs(x, y) -> bool:
    if x is None or y is None:
        return x is not y
    return abs(float(x) - float(y)) > 1e-9


# --- the benchmark -------------------------------------------------------------------------------


# --- where a submission's time goes (cProfile of the grading workers) -----------------------------

#: (label, file name ending, function name): summed cumulative seconds of the workers' profiles
PROFILE_ITEMS = [
    ("worker start-up: imports, kernel start, sandbox canary (once per worker)",
     "graders/exam/worker.py", "_warm_up"),
    ("sanitize: submission rebuilt from the release and its answers", "graders/exam/lifecycle.py",
     "sanitize"),
    ("nbgrader autograde of one submission, in all", "nbgrader/apps/api.py", "autograde"),
    ("  converter set-up: gradebook student, submission, notebook checks",
     "nbgrader/converters/autograde.py", "init_assignment"),
    ("  Execute on the warm kernel: preparation and every cell in one request", "graders/exam/worker.py",
     "preprocess"),
    ("    of which the worker's preparation (sandbox reset, grading sheet)",
     "graders/exam/worker.py", "prepare"),
    ("    of which the cells: one kernel request, outputs through nbclient (graders.exam.batch)",
     "graders/exam/batch.py", "run"),
    ("  SaveAutoGrades: gradebook writes of the scores", "graders/exam/fast_gradebook.py",
     "preprocess"),
    ("  SaveAutoGrades (nbgrader's, one commit per cell)", "nbgrader/preprocessors/saveautogrades.py",
     "preprocess"),
    ("  OverwriteCells: cells checked against the gradebook", "nbgrader/preprocessors/overwritecells.py",
     "preprocess"),
    ("  notebook reading (nbformat.reads, with validation)", "nbformat/__init__.py", "reads"),
    ("  notebook writing (nbformat.writes, with validation)", "nbformat/__init__.py", "writes"),
    ("  nbformat validation, everywhere", "nbformat/validator.py", "validate"),
    ("  SQLite commits (gradebook)", "~", "<method 'commit' of 'sqlite3.Connection' objects>"),
]


def profile_summary(folder: Path, submissions: int) -> list[dict]:
    """Per item of PROFILE_ITEMS: seconds in all workers and per submission (wall time inside the
    worker processes; the kernel's own work shows up as waiting in the round trips)."""
    import pstats

    files = sorted(str(p) for p in Path(folder).glob("worker-*.prof"))
    if not files:
        return []
    stats = pstats.Stats(*files).stats  # (file, line, function) -> (cc, nc, tt, ct, callers)
    out = []
    for label, file_end, func in PROFILE_ITEMS:
        total = sum(v[3] for (f, _, fn), v in stats.items() if fn == func and f.endswith(file_end))
        if total == 0:
            continue
        out.append({"item": label, "seconds": round(total, 2),
                    "per_submission": round(total / max(submissions, 1), 3)})
    return out


@dataclass
class AutogradeBench:
    submissions: int
    exams: dict[str, int]
    stock_seconds: float
    stock_seconds_each: float
    stock_per_exam: dict[str, float]
    ours_seconds: float
    ours_seconds_each: float
    ours_per_exam: dict[str, float]
    workers: str
    throughput_ratio: float
    target_ratio: float
    # the second baseline: stock nbgrader in an environment without rfc3987-syntax
    lean_seconds: float
    lean_seconds_each: float
    lean_per_exam: dict[str, float]
    lean_ratio: float
    target_lean_ratio: float
    # CPU seconds of each run's processes (and the kernels and workers they waited for)
    stock_cpu: float
    lean_cpu: float
    ours_cpu: float
    cpu_ratio: float
    lean_cpu_ratio: float
    same_scores: bool
    cells_compared: int
    submissions_graded: dict[str, int]
    differences: list[str]
    errors: list[str]
    nbgrader_version: str
    stock_env: str
    stock_packages: dict[str, str | None]
    lean_packages: dict[str, str | None]
    our_packages: dict[str, str | None]
    stock_kernel: list[str]
    load_before: list[float]
    load_after: list[float]
    date: str
    machine: str
    profile: list[dict] = field(default_factory=list)


def run(root: Path, submissions: int = 200, workers: int | None = None,
        stock_env: Path | None = None, reuse: bool = False, log=print,
        sandbox: bool = True, profile: Path | None = None) -> AutogradeBench:
    import platform

    py = stock_python(stock_env, log=log)
    lean_py = stock_python(Path(f"{stock_env}{LEAN_SUFFIX}") if stock_env else None, log=log,
                           lean=True)
    stock = py.parent.parent
    kernel = stock_kernel(py)
    if not kernel or Path(kernel[0]).parent != stock / "bin":
        raise RuntimeError(f"stock nbgrader would start the kernel {kernel}, not the stock "
                           "environment's Python")
    log(f"stock kernel: {' '.join(kernel[:3])} ...")
    if reuse and (root / "workload.json").exists():
        w = load_workload(root)
        if w.submissions != submissions:
            raise RuntimeError(f"{root} holds {w.submissions} submissions, not {submissions}: "
                               "build it again (without --reuse)")
        log(f"reusing the workload in {root}: {w.submissions} submissions")
    else:
        log(f"Building the workload in {root}: {submissions} submissions")
        w = build_workload(root, submissions, log=log)
    home_a, home_l, home_b = copy_home(w, "stock"), copy_home(w, "stock-lean"), copy_home(w, "ours")
    load_before = list(os.getloadavg())
    a = run_stock(py, home_a, w, log=log)
    lean = run_stock(lean_py, home_l, w, log=log, label="stock-lean")
    b = run_ours(home_b, w, workers, log=log, sandbox=sandbox, profile=profile)
    load_after = list(os.getloadavg())
    sa = gradebook_scores(home_a.gradebook_url, home_a.settings.course_id)
    sl = gradebook_scores(home_l.gradebook_url, home_l.settings.course_id)
    sb = gradebook_scores(home_b.gradebook_url, home_b.settings.course_id)
    graded = {}
    for label, scores in (("stock", sa), ("stock-lean", sl), ("ours", sb)):
        graded[label] = len({(k[0], k[1]) for k in scores})
    diffs = compare_scores(sa, sb) + compare_scores(sl, sb, ("stock-lean", "ours"))
    for h in (home_a, home_l, home_b):
        h.close()
    expected = w.submissions
    errors = ([f"stock {e}" for e in a.errors] + [f"stock-lean {e}" for e in lean.errors]
              + [f"ours {e}" for e in b.errors])
    for label, n in graded.items():
        if n != expected:
            errors.append(f"{label}: {n} of {expected} submissions in the gradebook")
    if workers is not None:
        wlabel = f"{workers} workers" if workers_supported() else "serial (no workers option yet)"
    else:
        wlabel = f"{os.cpu_count()} workers (default)" if workers_supported() else "serial"
    wlabel += ", sandboxed" if sandbox else ", NO sandbox (comparison only)"
    return AutogradeBench(
        submissions=expected, exams={k: len(v) for k, v in w.exams.items()},
        stock_seconds=round(a.seconds, 2), stock_seconds_each=round(a.seconds / expected, 3),
        stock_per_exam={k: round(v, 2) for k, v in a.per_exam.items()},
        ours_seconds=round(b.seconds, 2), ours_seconds_each=round(b.seconds / expected, 3),
        ours_per_exam={k: round(v, 2) for k, v in b.per_exam.items()},
        workers=wlabel, throughput_ratio=round(a.seconds / b.seconds, 2),
        target_ratio=TARGET_RATIO,
        lean_seconds=round(lean.seconds, 2), lean_seconds_each=round(lean.seconds / expected, 3),
        lean_per_exam={k: round(v, 2) for k, v in lean.per_exam.items()},
        lean_ratio=round(lean.seconds / b.seconds, 2), target_lean_ratio=TARGET_LEAN_RATIO,
        stock_cpu=round(a.cpu_seconds, 1), lean_cpu=round(lean.cpu_seconds, 1),
        ours_cpu=round(b.cpu_seconds, 1), cpu_ratio=round(a.cpu_seconds / max(b.cpu_seconds, 1e-9), 2),
        lean_cpu_ratio=round(lean.cpu_seconds / max(b.cpu_seconds, 1e-9), 2),
        same_scores=not diffs and all(n == expected for n in graded.values()),
        cells_compared=len(sa),
        submissions_graded=graded, differences=diffs[:50], errors=errors[:50],
        nbgrader_version=nbgrader_version(), stock_env=str(stock),
        stock_packages=_versions(py, stock), lean_packages=_versions(lean_py, lean_py.parent.parent),
        our_packages=_versions(Path(sys.executable)),
        profile=profile_summary(profile, expected) if profile is not None else [],
        stock_kernel=kernel, load_before=[round(x, 2) for x in load_before],
        load_after=[round(x, 2) for x in load_after],
        date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        machine=f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")


def write(result: AutogradeBench, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(result), indent=1, ensure_ascii=False), encoding="utf-8")
    return path


# --- what the grading sandbox costs ----------------------------------------------------------------


@dataclass
class SandboxCost:
    """`academy bench autograde --sandbox-cost`: ours with and without the sandbox, alternated."""

    submissions: int
    workers: str
    sandboxed_seconds: list[float]
    unsandboxed_seconds: list[float]
    #: median sandboxed / median unsandboxed seconds - 1 (the target is at most 0.10)
    overhead: float
    #: phase -> {"sandboxed": (count, mean seconds), "unsandboxed": ...} from the workers
    phases: dict
    errors: list[str] = field(default_factory=list)
    load_before: list[float] = field(default_factory=list)
    load_after: list[float] = field(default_factory=list)
    date: str = ""


def _phases(profile: Path) -> dict[str, tuple[int, float]]:

    out: dict[str, list[float]] = {}
    if profile.exists():
        for line in profile.read_text(encoding="utf-8").splitlines():
            for k, v in json.loads(line).items():
                out.setdefault(k, []).extend(v)
    return {k: (len(v), sum(v) / len(v)) for k, v in out.items() if v}


def sandbox_cost(root: Path, submissions: int, rounds: int = 2, workers: int | None = None,
                 reuse: bool = False, log=print) -> SandboxCost:
    """Our autograde with the sandbox and without it on the same workload, `rounds` times each,
    alternating which goes first (a machine loaded by others drifts), with each worker's phase
    timings (bubblewrap check, kernel start, warm-up, canary, per-submission preparation)."""
    import statistics
    import tempfile

    from graders.exam.worker import PHASES_ENV

    if reuse and (root / "workload.json").exists():
        w = load_workload(root)
    else:
        log(f"Building the workload in {root}: {submissions} submissions")
        w = build_workload(root, submissions, log=log)
    times: dict[bool, list[float]] = {True: [], False: []}
    profiles: dict[bool, Path] = {}
    errors: list[str] = []
    load_before = list(os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        for flag in (True, False):
            profiles[flag] = Path(tmp) / f"profile-{flag}.jsonl"
        for r in range(rounds):
            for flag in ((True, False) if r % 2 == 0 else (False, True)):
                home = copy_home(w, f"cost-{'box' if flag else 'open'}")
                old = os.environ.get(PHASES_ENV)
                os.environ[PHASES_ENV] = str(profiles[flag])
                try:
                    res = run_ours(home, w, workers, log=log, sandbox=flag)
                finally:
                    if old is None:
                        os.environ.pop(PHASES_ENV, None)
                    else:
                        os.environ[PHASES_ENV] = old
                home.close()
                times[flag].append(round(res.seconds, 2))
                errors += [f"{'sandboxed' if flag else 'unsandboxed'}: {e}" for e in res.errors]
                log(f"round {r + 1}: {'sandboxed' if flag else 'unsandboxed'} "
                    f"{res.seconds:.1f} s")
        phases: dict[str, dict] = {}
        for flag, label in ((True, "sandboxed"), (False, "unsandboxed")):
            for k, (n, mean) in _phases(profiles[flag]).items():
                phases.setdefault(k, {})[label] = (n, round(mean, 4))
    box, open_ = statistics.median(times[True]), statistics.median(times[False])
    wlabel = f"{workers} workers" if workers is not None else f"{os.cpu_count()} workers (default)"
    return SandboxCost(w.submissions, wlabel, times[True], times[False],
                       round(box / open_ - 1, 4), phases, errors[:50], load_before,
                       list(os.getloadavg()), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
