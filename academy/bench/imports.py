"""Benchmark of the lean runtime (`academy bench imports`): how long the platform's entry points
take to import, in the project environment as installed (without `rfc3987-syntax`, which the
Makefile removes) against the same environment with that package put back (what a plain
`pip install` of the project leaves: jupyter-events asks for `jsonschema[format-nongpl]`, which
brings it). Not a test: figures only.

The "before" side is the same interpreter and packages with one folder in front on PYTHONPATH
holding `rfc3987-syntax` (pip `--target`, no dependencies: its only one, lark, is installed
already), so the comparison changes exactly one thing. jsonschema looks for the package when
nbformat builds its validator, which every nbgrader command, exam kernel, Voila page and plotly
import pays for.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

PACKAGE = "rfc3987-syntax"

#: (label, Python code run in a fresh interpreter); the code does what the entry point does first
ENTRY_POINTS = [
    ("nbformat: import and validate a notebook",
     "import nbformat\nnbformat.validate(nbformat.v4.new_notebook())"),
    ("academy command: `academy --help`",
     "import sys\nsys.argv = ['academy', '--help']\nfrom academy.cli import main\n"
     "try:\n    main()\nexcept SystemExit:\n    pass"),
    ("nbgrader apps (academy exam ...)",
     "from nbgrader.apps import NbGraderAPI\nimport nbformat\n"
     "nbformat.validate(nbformat.v4.new_notebook())"),
    ("exam grading kernel: ipykernel and graders.exam.ask",
     "import ipykernel.kernelapp\nfrom graders.exam import ask"),
    ("dashboard kernel: ipykernel and dashboards.ui",
     "import ipykernel.kernelapp\nimport dashboards.ui"),
    ("Voila server", "import voila.app"),
]


def _cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "service-academy" / \
        "bench"


def with_package(log=print) -> Path:
    """A folder holding only rfc3987-syntax (made once with pip --target)."""
    folder = _cache() / PACKAGE
    if any(folder.glob("rfc3987_syntax*")):
        return folder
    log(f"Fetching {PACKAGE} into {folder} (pip --target, once)")
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "--no-deps", "--target", str(folder), PACKAGE], check=True)
    return folder


def _present(env: dict) -> bool:
    code = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('rfc3987_syntax') else 1)"
    return subprocess.run([sys.executable, "-c", code], env=env).returncode == 0


def _time(code: str, env: dict) -> float:
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if res.returncode != 0:
        raise RuntimeError(f"entry point failed:\n{code}\n{res.stderr[-2000:]}")
    return elapsed


@dataclass
class ImportFigure:
    entry_point: str
    with_package_seconds: list[float]
    lean_seconds: list[float]
    speedup: float


@dataclass
class ImportBench:
    runs: int
    figures: list[ImportFigure] = field(default_factory=list)
    date: str = ""
    machine: str = ""


def run(runs: int = 3, log=print) -> ImportBench:
    extra = with_package(log)
    lean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    before = dict(lean, PYTHONPATH=str(extra))
    if _present(lean):
        raise SystemExit(f"{PACKAGE} is installed in this environment: the lean runtime is not in "
                         "place (run `make test` or `make demo` to set the environment up)")
    if not _present(before):
        raise SystemExit(f"could not put {PACKAGE} back for the comparison")
    _time("import nbformat", lean)  # warm the file cache for both sides alike
    _time("import nbformat", before)
    result = ImportBench(runs=runs, date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                         machine=f"{platform.machine()}, {os.cpu_count()} cores, "
                                 f"Python {platform.python_version()}")
    for label, code in ENTRY_POINTS:
        a, b = [], []
        for _ in range(runs):  # alternate, so a change of load hits both sides
            a.append(_time(code, before))
            b.append(_time(code, lean))
        fig = ImportFigure(label, [round(x, 3) for x in a], [round(x, 3) for x in b],
                           round(statistics.median(a) / statistics.median(b), 2))
        result.figures.append(fig)
        log(f"{label}: {statistics.median(b):.2f} s lean, {statistics.median(a):.2f} s with "
            f"{PACKAGE}; {fig.speedup:.1f}x faster (median of {runs})")
    return result


def write(result: ImportBench, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(result), indent=1, ensure_ascii=False), encoding="utf-8")
    return path
