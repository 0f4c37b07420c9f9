"""Benchmark of the manager dashboard (`academy bench dashboards`): a synthetic company with a year
of quarterly cycles, served by the production Voila set-up, timed in headless Chromium against an
empty notebook on the same server, plus the dashboard kernel's memory. Not a test: figures only.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

EMPTY_NOTEBOOK = {"cells": [{"cell_type": "markdown", "id": "empty", "metadata": {},
                             "source": "Empty notebook (benchmark baseline)."}],
                  "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                              "language": "python"}},
                  "nbformat": 4, "nbformat_minor": 5}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


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
    """A fresh home with `staff` people and `cycles` quarters of evidence, graded and published
    (the demo's own steps, run once per quarter)."""
    import shutil

    from rich.console import Console

    from academy import demo as d
    from academy.cycles import close_cycle, open_cycle
    from academy.home import init_home

    if root.exists():
        shutil.rmtree(root)
    home = init_home(root)
    ctx = d.DemoContext(home, staff, seed, today, Console(quiet=True), [])
    t = time.monotonic()
    d.step_roster(ctx)
    log(f"roster of {staff} staff: {time.monotonic() - t:.0f} s")
    plan = quarters_back(today, cycles)
    with home.transaction() as s:
        for name, _day in plan:
            open_cycle(s, name)
    for name, day in plan:
        t = time.monotonic()
        ctx.today = day
        d.step_evidence(ctx)
        d.step_grades(ctx)
        if name != plan[-1][0]:
            with home.transaction() as s:
                close_cycle(s, name)
        log(f"cycle {name}: evidence, grades, publication: {time.monotonic() - t:.0f} s")
    return home


def _rss_mb(kernel_id: str) -> float | None:
    import psutil

    for p in psutil.process_iter(["cmdline"]):
        if any(f"kernel-{kernel_id}" in part for part in (p.info["cmdline"] or [])):
            return p.memory_info().rss / 2**20
    return None


def _wait_for_pools(log_path: Path, notebooks: list[str], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        if all(f"Kernel pool of {nb} is filled" in text for nb in notebooks):
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
    request until drawn in Chromium (the empty one: rendered; the manager's: 6 charts drawn)."""
    import os
    import platform
    import shutil
    import tempfile

    from playwright.sync_api import sync_playwright

    from academy.servers import Voila
    from dashboards.identity import issue_token, tokens_path

    dash = Path(__file__).resolve().parent
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
        for i in range(runs):
            _wait_for_pools(log_path, ["empty.ipynb", "manager.ipynb"])
            time.sleep(2)  # let the refill settle so both start from a preheated kernel
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto(server.url("empty.ipynb"))
            page.wait_for_selector("#rendered_cells", state="visible", timeout=300_000)
            empty.append(time.perf_counter() - t0)
            page.close()
            _wait_for_pools(log_path, ["empty.ipynb", "manager.ipynb"])
            time.sleep(2)
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto(server.url("manager.ipynb"))
            page.wait_for_function(
                "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 6",
                timeout=600_000)
            manager.append(time.perf_counter() - t0)
            kid = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data')"
                                ".textContent).kernelId")
            mem.append(_rss_mb(kid))
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
