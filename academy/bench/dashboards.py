"""Benchmark of the manager dashboard (`academy bench dashboards`): a synthetic company with a year
of quarterly cycles, served by the production Voila set-up, timed in headless Chromium against an
empty notebook on the same server, plus the dashboard kernel's memory. Not a test: figures only.

How the comparison is kept fair:

* one Voila server (academy.servers.Voila, the production settings: preheated pools of one kernel
  per notebook, the same template and lab extensions) serves both notebooks;
* one Chromium (Debian's) and one browser context for every load, signed in once beforehand, so
  both notebooks find the same cookie and the same cached scripts;
* before every timed load the benchmark waits until that notebook's pool holds a kernel that has
  finished preheating (Voila logs each refill; a dashboard kernel logs when its data is loaded),
  then a second more, so neither load races a kernel start;
* every load opens a fresh page (tab), timed from `page.goto` until the content is painted: the
  empty notebook's cells shown (`#rendered_cells` visible), the manager's every chart of its first
  view drawn (`MANAGER_CHARTS` SVG charts in the page, signed in as `admin:benchmark`: the whole
  company), then the next paint for both; the loads alternate (empty, manager) `runs` times and
  the medians are compared;
* the kernel memory is the resident size of the manager page's kernel once its charts are drawn.

The machine's other work shows in the figures: compare ratios from one run, not seconds across
runs.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import dashboards

EMPTY_NOTEBOOK = {"cells": [{"cell_type": "markdown", "id": "empty", "metadata": {},
                             "source": "Empty notebook (benchmark baseline)."}],
                  "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                              "language": "python"}},
                  "nbformat": 4, "nbformat_minor": 5}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
#: charts in the manager dashboard's first view (bands, scores, radar, trend, heatmap,
#: breakdown, training needs)
MANAGER_CHARTS = 7
CHARTS_DRAWN = f"document.querySelectorAll('svg.academy-chart').length >= {MANAGER_CHARTS}"
#: resolves once the browser has painted what is in the page (two animation frames)
NEXT_PAINT = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def quarters_back(today: date, n: int) -> list[tuple[str, date]]:
    """The `n` quarters ending with today's, oldest first, each with a day inside it."""
    out = []
    y, q = today.year, (today.month - 1) // 3 + 1
    for _ in range(n):
        out.append((f"{y}-Q{q}", date(y, 3 * q - 1, 15)))
        q -= 1
        if q == 0:
            y, q = y - 1, 4
    return out[::-1]


def build_company(root: Path, staff: int, seed: int = 2026, cycles: int = 4,
                  today: date = date(2026, 11, 20), log=print):
    """A fresh home with `staff` people and `cycles` quarters of published results: the latest
    quarter through the demo's own steps (evidence files imported, graded by the engine,
    published); the earlier quarters as stored copies of it with scores shifted per person (so
    the trend has a year of history without importing evidence four times)."""
    from academy import demo as d
    from core.cycles import close_cycle, open_cycle

    t = time.monotonic()
    ctx = d.synthetic_company(root, staff, seed, today)
    home = ctx.home
    log(f"roster of {staff} staff: {time.monotonic() - t:.0f} s")
    plan = quarters_back(today, cycles)
    with home.transaction() as s:
        for name, _day in plan:
            open_cycle(s, name)
        for name, _day in plan[:-1]:
            close_cycle(s, name)
    t = time.monotonic()
    d.step_evidence(ctx)
    d.step_grades(ctx)
    log(f"cycle {plan[-1][0]}: evidence imported, graded, published: {time.monotonic() - t:.0f} s")
    t = time.monotonic()
    _copy_history(home, plan[-1][0], [name for name, _d in plan[:-1]], seed)
    log(f"cycles {', '.join(n for n, _d in plan[:-1])}: stored copies: {time.monotonic() - t:.0f} s")
    return home


def _copy_history(home, source: str, targets: list[str], seed: int) -> None:
    import numpy as np

    from core.cycles import get_cycle
    from graders.results.models import GradeRun
    from graders.results.publishing import publish
    from graders.results.store import _write_detail, current_run, stored_result

    rng = np.random.default_rng(seed)
    with home.transaction() as s:
        src = get_cycle(s, source)
        run = current_run(s, src.id)
        base = stored_result(s, src.id)
        for back, name in enumerate(reversed(targets), start=1):
            c = get_cycle(s, name)
            res = base.results.copy()
            shift = rng.normal(-1.5 * back, 4.0, len(res))
            res["final_score"] = (res["final_score"] + shift).clip(0, 100).round(2)
            res["computed_score"] = res["final_score"]
            copy = GradeRun(cycle_id=c.id, computed_by="benchmark", schemes=run.schemes,
                            inputs_sha256=run.inputs_sha256, results_sha256=f"copy-{back}",
                            evidence_batches=[], graded=run.graded, incomplete=run.incomplete,
                            excluded=run.excluded, checks=run.checks, current=True)
            s.add(copy)
            s.flush()
            from dataclasses import replace

            _write_detail(s, copy, replace(base, results=res))
            publish(s, c.id, by="benchmark")


def _rss_mb(kernel_id: str) -> float | None:
    import psutil

    for p in psutil.process_iter(["cmdline"]):
        if any(f"kernel-{kernel_id}" in part for part in (p.info["cmdline"] or [])):
            return p.memory_info().rss / 2**20
    return None


def _wait_for_pools(log_path: Path, fills: dict[str, int], timeout: float = 600) -> None:
    """Wait until each notebook's pool was filled `fills[nb]` times (Voila logs every refill;
    a dashboard kernel also logs when its data is loaded), so that every timed request finds a
    kernel that has finished preheating."""
    from dashboards.ui import PRELOADED

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        counts = {nb: text.count(PRELOADED if nb == "manager.ipynb"
                                 else f"Kernel pool of {nb} is filled") for nb in fills}
        if all(counts[nb] >= n for nb, n in fills.items()):
            return
        time.sleep(0.5)
    raise TimeoutError("the Voila kernel pools did not fill")


@dataclass
class DashboardBench:
    staff: int
    cycles: int
    runs: int
    empty_seconds: list[float]
    manager_seconds: list[float]
    ratio: float
    kernel_mb: float | None
    date: str
    machine: str


def run(home, runs: int = 3, log=print) -> DashboardBench:
    """Serve `manager.ipynb` and an empty notebook side by side; time each, `runs` times, from the
    request until drawn in Chromium (the empty one: rendered; the manager's: all 7 charts of its
    first view drawn). See the module's docstring for how the comparison is kept fair."""
    import os
    import platform
    import shutil
    import tempfile

    from playwright.sync_api import sync_playwright

    from academy.servers import Voila
    from dashboards.identity import issue_token, tokens_path

    dash = Path(dashboards.__file__).resolve().parent
    folder = Path(tempfile.mkdtemp(prefix="academy-bench-"))
    shutil.copy(dash / "manager.ipynb", folder / "manager.ipynb")
    (folder / "empty.ipynb").write_text(json.dumps(EMPTY_NOTEBOOK), encoding="utf-8")
    token = issue_token(tokens_path(home.root), "admin:benchmark")
    log_path = folder / "voila.log"
    server = Voila(home.root, tokens_path(home.root), notebooks=folder, log=log_path)
    empty, manager, mem = [], [], []
    with server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()
        page.goto(server.url("empty.ipynb", token))  # sign in once: the cookie, not the timing
        page.wait_for_selector("#rendered_cells", state="visible", timeout=300_000)
        page.close()
        fills = {"empty.ipynb": 2, "manager.ipynb": 1}
        for i in range(runs):
            for nb, label in (("empty.ipynb", "empty"), ("manager.ipynb", "manager")):
                _wait_for_pools(log_path, fills)
                time.sleep(1)
                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(server.url(nb))
                if nb == "empty.ipynb":
                    page.wait_for_selector("#rendered_cells", state="visible", timeout=300_000)
                    page.evaluate(NEXT_PAINT)
                    empty.append(time.perf_counter() - t0)
                else:
                    page.wait_for_function(CHARTS_DRAWN, timeout=600_000)
                    page.evaluate(NEXT_PAINT)
                    manager.append(time.perf_counter() - t0)
                    kid = page.evaluate("JSON.parse(document.getElementById("
                                        "'jupyter-config-data').textContent).kernelId")
                    mem.append(_rss_mb(kid))
                fills[nb] += 1
                page.close()
            log(f"run {i + 1}: empty {empty[-1]:.2f} s, manager {manager[-1]:.2f} s, "
                f"kernel {mem[-1] or 0:.0f} MB")
        browser.close()
    shutil.rmtree(folder, ignore_errors=True)
    from dashboards.data import load_company

    company = load_company(home, refresh=True)
    e, m = statistics.median(empty), statistics.median(manager)
    known = [x for x in mem if x is not None]
    return DashboardBench(
        staff=len(company.hierarchy), cycles=int(company.cycles["graded"].sum()), runs=runs,
        empty_seconds=[round(x, 3) for x in empty], manager_seconds=[round(x, 3) for x in manager],
        ratio=round(m / e, 2), kernel_mb=round(max(known), 1) if known else None,
        date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        machine=f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")


def write(result: DashboardBench, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(result), indent=1), encoding="utf-8")
    return path
