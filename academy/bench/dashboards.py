"""Benchmark of the dashboards (`academy bench dashboards`): a synthetic company with a year of
quarterly cycles, served by the production Voila set-up, timed in headless Chromium against an
empty notebook on the same server: the first manager page on a server just started (cold), warm
manager and trainee pages, many managers opening their page at once, and the kernels' memory.
Not a test: figures only. The viewers are real roster people (`bench_viewers`): the manager of
the largest team, the next managers by team size for the concurrent loads, a trainee of that team.

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
  view drawn (`MANAGER_CHARTS` SVG charts in the page), the trainee's first chart drawn, then the
  next paint; the loads alternate (empty, manager, trainee) `runs` times and the medians are
  compared (`--admin` adds the whole company's page, signed in as `admin:benchmark`);
* the kernel memory is the resident size of the manager page's kernel once its charts are drawn.

The machine's other work shows in the figures: compare ratios from one run, not seconds across
runs.
"""

from __future__ import annotations

import asyncio
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


#: teams of the bench company: each led by its own supervisor, so that many different managers
#: (two department managers and a supervisor per team) open their own page at once
BENCH_TEAMS = 24


def build_company(root: Path, staff: int, seed: int = 2026, cycles: int = 4,
                  today: date = date(2026, 11, 20), log=print, teams: int = BENCH_TEAMS):
    """A fresh home with `staff` people in `teams` teams and `cycles` quarters of published
    results: the latest quarter through the demo's own steps (evidence files imported, graded by
    the engine, published); the earlier quarters as stored copies of it with scores shifted per
    person (so the trend has a year of history without importing evidence four times)."""
    import shutil

    from rich.console import Console

    from academy import demo as d
    from academy.synthetic.company import make_company, write_roster_csv
    from core.cycles import close_cycle, open_cycle
    from core.home import init_home
    from roster.store import import_roster_file

    t = time.monotonic()
    if root.exists():
        shutil.rmtree(root)
    home = init_home(root)
    ctx = d.DemoContext(home, staff, seed, today, Console(quiet=True), [])
    roster = home.imports_dir / "bench_roster.csv"
    write_roster_csv(make_company(staff, seed, teams=teams), roster)
    import_roster_file(home, roster)
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
    from graders.results.run_flags_store import read_flags, write_flags
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
            write_flags(s, copy.id, read_flags(s, run.id))  # stored with every run
            publish(s, c.id, by="benchmark")


def _rss_mb(kernel_id: str) -> float | None:
    import psutil

    for p in psutil.process_iter(["cmdline"]):
        if any(f"kernel-{kernel_id}" in part for part in (p.info["cmdline"] or [])):
            return p.memory_info().rss / 2**20
    return None


def _wait_for_pools(log_path: Path, fills: dict[str, int], timeout: float = 600) -> None:
    """Wait until each notebook's pool was filled `fills[nb]` times (Voila logs every refill;
    a dashboard kernel also logs when its data is loaded: the dashboards' fills are counted
    together), so that every timed request finds a kernel that has finished preheating."""
    from dashboards.ui import PRELOADED

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        plain = {nb: n for nb, n in fills.items() if nb == "empty.ipynb"}
        dashboards = sum(n for nb, n in fills.items() if nb not in plain)
        if all(text.count(f"Kernel pool of {nb} is filled") >= n for nb, n in plain.items()) \
                and text.count(PRELOADED) >= dashboards:
            return
        time.sleep(0.5)
    raise TimeoutError("the Voila kernel pools did not fill")


def bench_viewers(home, concurrent: int) -> tuple[str, list[str], str]:
    """(manager, `concurrent` managers, trainee) of the company, each with graded people: the
    manager who sees the most graded people, then the other managers (anyone with people
    under them: department managers, team supervisors) by how many they see, each a different
    person (repeated in turn only when the company has fewer: each load still has its own
    browser context and kernel), and a trainee of the first manager's largest team."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from core.cycles import get_cycle
    from dashboards.access import Viewer, visible_ids
    from dashboards.data import graded_cycles, load_company
    from graders.results.models import GradeResult
    from graders.results.store import current_run

    company = load_company(home, refresh=True)
    cycle = graded_cycles(company, published_only=True)[-1]
    with Session(home.engine) as s:
        run = current_run(s, get_cycle(s, cycle).id)
        graded = set(s.scalars(select(GradeResult.employee_id)
                               .where(GradeResult.run_id == run.id,
                                      GradeResult.final_score.is_not(None))))
    h = company.hierarchy
    heads = set(h["supervisor_id"].dropna()) | set(h["team_manager_id"].dropna())
    sees = {m: len(graded.intersection(visible_ids(h, Viewer(m))) - {m}) for m in heads}
    managers = sorted((m for m in heads if sees[m]), key=lambda m: (-sees[m], m))
    first = managers[0]
    mine = h[h["employee_id"].isin(list(visible_ids(h, Viewer(first)))) &
             h["employee_id"].isin(list(graded)) & (h["employee_id"] != first) &
             ~h["employee_id"].isin(list(heads))]
    top_team = mine["team"].value_counts().index[0]
    trainee = mine.loc[mine["team"] == top_team, "employee_id"].iloc[0]
    crowd = managers[1:] or managers
    return first, [crowd[i % len(crowd)] for i in range(concurrent)], trainee


@dataclass
class DashboardBench:
    staff: int
    cycles: int
    runs: int
    viewer: str
    empty_seconds: list[float]
    manager_seconds: list[float]
    ratio: float
    kernel_mb: float | None
    date: str
    machine: str
    cold_seconds: float | None = None
    cold_ratio: float | None = None
    trainee_seconds: list[float] | None = None
    trainee_ratio: float | None = None
    concurrent: int = 0
    concurrent_seconds: list[float] | None = None
    concurrent_max: float | None = None
    concurrent_kernel_mb: float | None = None
    admin_seconds: list[float] | None = None
    admin_ratio: float | None = None
    #: distinct managers among the concurrent loads
    concurrent_people: int = 0
    #: as many empty notebooks opened at the same moment (the baseline of the concurrent loads)
    concurrent_empty_seconds: list[float] | None = None
    concurrent_empty_max: float | None = None
    #: preheated manager kernels of the server the concurrent loads met (1: the production pool)
    concurrent_pool: int = 1
    #: the same crowd measured on the server's side (academy.bench.crowd: each page rendered, its
    #: kernel run and its widgets built, ready for a browser on the viewer's own computer), on a
    #: server restarted with the same pools; and as many empty notebooks the same way (baseline)
    concurrent_server_seconds: list[float] | None = None
    concurrent_server_max: float | None = None
    concurrent_server_empty_seconds: list[float] | None = None
    concurrent_server_empty_max: float | None = None


async def _load(ctx, url: str, done: str, timeout_ms: int = 600_000) -> tuple[float, str]:
    """Open `url` in a fresh tab of `ctx`; seconds until `done` holds and the next paint, and the
    page's kernel id."""
    page = await ctx.new_page()
    t0 = time.perf_counter()
    await page.goto(url, timeout=timeout_ms)
    try:
        await page.wait_for_function(done, timeout=timeout_ms)
    except Exception as exc:  # say what the page showed instead (e.g. a front-end error)
        shown = " ".join((await page.inner_text("body")).split())[:300]
        await page.close()
        raise TimeoutError(f"not drawn within {timeout_ms / 1000:.0f} s; the page showed: "
                           f"{shown!r}") from exc
    await page.evaluate(NEXT_PAINT)
    took = time.perf_counter() - t0
    kid = await page.evaluate("JSON.parse(document.getElementById('jupyter-config-data')"
                              ".textContent).kernelId")
    await page.close()
    return took, kid


#: the empty notebook's cells shown (as Playwright's "visible": in the layout, not hidden)
EMPTY_DRAWN = ("(() => { const e = document.querySelector('#rendered_cells'); return !!e && "
               "e.getClientRects().length > 0 && getComputedStyle(e).visibility != 'hidden'; })()")
TRAINEE_DRAWN = "document.querySelectorAll('svg.academy-chart').length >= 1"


async def _crowd(browser, urls: list[str], done: str, log, timeout_ms: int = 300_000
                 ) -> tuple[list[float], list[float | None]]:
    """Open every address at the same moment, each in a browser context of its own (signed in
    by the token in the address): seconds until each is drawn (inf: failed), kernels' memory."""
    ctxs = [await browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in urls]
    results = await asyncio.gather(*[_load(c, u, done, timeout_ms) for c, u in zip(ctxs, urls)],
                                   return_exceptions=True)
    took, mem = [], []
    for r in results:
        if isinstance(r, Exception):
            took.append(float("inf"))
            log(f"concurrent page failed: {type(r).__name__}: {str(r)[:400]}")
        else:
            took.append(r[0])
            mem.append(_rss_mb(r[1]))
    for c in ctxs:
        await c.close()
    return took, mem


def run(home, runs: int = 3, log=print, concurrent: int = 20, admin: bool = False,
        crowd_pool: int = 0) -> DashboardBench:
    """Serve `manager.ipynb`, `trainee.ipynb` and an empty notebook on one production Voila
    server and time, in headless Chromium (see the module's docstring for the fairness rules):

    * cold: the first manager page on a server started a moment before (its kernel starts,
      imports and reads on the request's path: what a manager meets after new grading code or
      a restart; a new grade run only makes a preheated kernel re-read its viewer's rows);
    * warm: `runs` manager and trainee pages on a preheated kernel, alternating with the empty
      notebook (the baseline);
    * concurrent: first as many empty notebooks at the same moment (the baseline), then
      `concurrent` other managers opening their page at the same moment (one browser context
      each, loopback only); on the production pool of one preheated kernel most of them get a
      kernel started for them; with `crowd_pool` they meet a server restarted with that many
      preheated manager kernels (all preheated before the loads);
    * the kernels' resident memory once their page is drawn."""
    return asyncio.run(_run(home, runs, log, concurrent, admin, crowd_pool))


async def _run(home, runs: int, log, concurrent: int, admin: bool, crowd_pool: int = 0
               ) -> DashboardBench:
    import os
    import platform
    import shutil
    import tempfile

    from playwright.async_api import async_playwright

    from academy.bench.crowd import crowd as crowd_on_server
    from academy.servers import Voila
    from dashboards.identity import issue_token, tokens_path

    manager, others, trainee = bench_viewers(home, concurrent)
    dash = Path(dashboards.__file__).resolve().parent
    folder = Path(tempfile.mkdtemp(prefix="academy-bench-"))
    for nb in ("manager.ipynb", "trainee.ipynb"):
        shutil.copy(dash / nb, folder / nb)
    (folder / "empty.ipynb").write_text(json.dumps(EMPTY_NOTEBOOK), encoding="utf-8")
    tokens = tokens_path(home.root)
    tok = {who: issue_token(tokens, who)
           for who in dict.fromkeys([manager, trainee, *others, "admin:benchmark"])}
    log_path = folder / "voila.log"
    empty, mgr, trn, adm, mem, crowd, crowd_mem = [], [], [], [], [], [], []
    crowd_empty: list[float] = []
    server_empty: list[float] = []
    server_crowd: list[float] = []
    cold = None
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                           args=CHROMIUM_ARGS)
        # cold: a server started just now; the manager's request waits for its first kernel
        server = Voila(home.root, tokens, notebooks=folder, log=log_path)
        server.start(timeout=300)
        try:
            ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
            cold, kid = await _load(ctx, server.url("manager.ipynb", tok[manager]), CHARTS_DRAWN)
            cold_mb = _rss_mb(kid)
            log(f"cold manager page: {cold:.2f} s, kernel {cold_mb or 0:.0f} MB")
            await ctx.close()
            contexts = {}
            for who in (manager, trainee, "admin:benchmark"):
                contexts[who] = c = await browser.new_context(
                    viewport={"width": 1400, "height": 1000})
                await _load(c, server.url("empty.ipynb", tok[who]), EMPTY_DRAWN)  # sign in
            fills = {"empty.ipynb": 4, "manager.ipynb": 2, "trainee.ipynb": 1}
            plan = [("empty.ipynb", manager, EMPTY_DRAWN, empty),
                    ("manager.ipynb", manager, CHARTS_DRAWN, mgr),
                    ("trainee.ipynb", trainee, TRAINEE_DRAWN, trn)]
            if admin:
                plan.append(("manager.ipynb", "admin:benchmark", CHARTS_DRAWN, adm))
            for i in range(runs):
                for nb, who, done, out in plan:
                    await asyncio.to_thread(_wait_for_pools, log_path, fills)
                    await asyncio.sleep(1)
                    took, kid = await _load(contexts[who], server.url(nb), done)
                    out.append(took)
                    if nb == "manager.ipynb" and who == manager:
                        mem.append(_rss_mb(kid))
                    fills[nb] += 1
                log(f"run {i + 1}: empty {empty[-1]:.2f} s, manager {mgr[-1]:.2f} s "
                    f"(kernel {mem[-1] or 0:.0f} MB), trainee {trn[-1]:.2f} s"
                    + (f", administrator {adm[-1]:.2f} s" if admin else ""))
            for c in contexts.values():
                await c.close()
            if others:
                await asyncio.to_thread(_wait_for_pools, log_path, fills)
                await asyncio.sleep(1)
                crowd_empty, _m = await _crowd(
                    browser, [server.url("empty.ipynb", tok[who]) for who in others],
                    EMPTY_DRAWN, log)
                log(f"{len(others)} empty notebooks at once: slowest {max(crowd_empty):.2f} s, "
                    f"median {statistics.median(crowd_empty):.2f} s")
                dash_fills = {nb: n for nb, n in fills.items() if nb != "empty.ipynb"}
                server_args: list[str] = []
                if crowd_pool > 0:  # a server whose pool holds a kernel for each manager
                    server.stop()
                    log_path = folder / "voila-crowd.log"
                    pools = json.dumps({"manager.ipynb": {"pool_size": crowd_pool}})
                    server_args = [f"--VoilaKernelManager.kernel_pools_config={pools}"]
                    server = Voila(home.root, tokens, notebooks=folder, log=log_path,
                                   extra_args=server_args)
                    server.start(timeout=300)
                    dash_fills = {"manager.ipynb": crowd_pool, "trainee.ipynb": 1}
                await asyncio.to_thread(_wait_for_pools, log_path, dash_fills, 1200)
                await asyncio.sleep(1)
                crowd, crowd_mem = await _crowd(
                    browser, [server.url("manager.ipynb", tok[who]) for who in others],
                    CHARTS_DRAWN, log)
                log(f"{len(others)} managers ({len(set(others))} different people) at once: "
                    f"slowest {max(crowd):.2f} s, median {statistics.median(crowd):.2f} s")
                # the same crowd on the server's side only: a server restarted with the same pools
                server.stop()
                log_path = folder / "voila-server-crowd.log"
                server = Voila(home.root, tokens, notebooks=folder, log=log_path,
                               extra_args=server_args)
                server.start(timeout=300)
                # a fresh log: each pool's first fill (the counts above were the old server's)
                await asyncio.to_thread(_wait_for_pools, log_path, {
                    "manager.ipynb": max(crowd_pool, 1), "trainee.ipynb": 1, "empty.ipynb": 1},
                    1200)
                await asyncio.sleep(1)
                server_empty = await asyncio.to_thread(
                    crowd_on_server, [server.url("empty.ipynb", tok[who]) for who in others],
                    server.base_url, "", 0, log)
                log(f"{len(others)} empty notebooks at once, server side: slowest "
                    f"{max(server_empty):.2f} s, median {statistics.median(server_empty):.2f} s")
                await asyncio.sleep(5)  # the empty pages' kernels finish starting
                server_crowd = await asyncio.to_thread(
                    crowd_on_server, [server.url("manager.ipynb", tok[who]) for who in others],
                    server.base_url, "academy-chart", MANAGER_CHARTS, log)
                log(f"{len(others)} managers at once, server side: slowest "
                    f"{max(server_crowd):.2f} s, median {statistics.median(server_crowd):.2f} s")
        finally:
            await browser.close()
            server.stop()
    shutil.rmtree(folder, ignore_errors=True)
    from dashboards.data import load_company

    company = load_company(home, refresh=True)
    e = statistics.median(empty)
    known = [x for x in mem + crowd_mem if x is not None]
    return DashboardBench(
        staff=len(company.hierarchy), cycles=int(company.cycles["graded"].sum()), runs=runs,
        viewer=manager,
        empty_seconds=[round(x, 3) for x in empty], manager_seconds=[round(x, 3) for x in mgr],
        ratio=round(statistics.median(mgr) / e, 2),
        kernel_mb=round(max(known), 1) if known else None,
        date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        machine=f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        cold_seconds=round(cold, 3), cold_ratio=round(cold / e, 2),
        trainee_seconds=[round(x, 3) for x in trn],
        trainee_ratio=round(statistics.median(trn) / e, 2),
        concurrent=len(others), concurrent_seconds=[round(x, 3) for x in crowd],
        concurrent_max=round(max(crowd), 3) if crowd else None,
        concurrent_kernel_mb=round(max(x for x in crowd_mem if x), 1)
        if any(crowd_mem) else None,
        admin_seconds=[round(x, 3) for x in adm] if adm else None,
        admin_ratio=round(statistics.median(adm) / e, 2) if adm else None,
        concurrent_people=len(set(others)),
        concurrent_empty_seconds=[round(x, 3) for x in crowd_empty] or None,
        concurrent_empty_max=round(max(crowd_empty), 3) if crowd_empty else None,
        concurrent_pool=crowd_pool or 1,
        concurrent_server_seconds=[round(x, 3) for x in server_crowd] or None,
        concurrent_server_max=round(max(server_crowd), 3) if server_crowd else None,
        concurrent_server_empty_seconds=[round(x, 3) for x in server_empty] or None,
        concurrent_server_empty_max=round(max(server_empty), 3) if server_empty else None)


def write(result: DashboardBench, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(result), indent=1), encoding="utf-8")
    return path
