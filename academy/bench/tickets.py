"""`academy bench tickets`: one year of tickets for a large company imported and turned into monthly
KPIs and monthly pay, against the same for a company a tenth its size (the baseline ratio; ideal 10).

Each company is the demo company's roster (academy.synthetic.company) with a year of synthetic tickets
(academy.synthetic.tickets) written as a UTF-8 CSV export. Each timed step runs in a fresh child
process doing what the command does, which reports its own time and peak memory:

* import: `academy tickets import`'s code: read, check every row, store as one batch;
* kpis: every ticket of the twelve months read back, clocks and commitment statuses, KPIs per
  person, team and month, breaches, and the monthly pay of every person and month.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

MONTHS = [f"{y}-{m:02d}" for y, m in [(2025, 12)] + [(2026, m) for m in range(1, 12)]]
NOW = datetime(2026, 11, 30, 22, 0)
TODAY = date(2026, 12, 1)


def build(root: Path, staff: int, per_month: float = 20.0, seed: int = 2026, log=print) -> Path:
    """The company (roster imported) and its year of tickets as a CSV export; returns the CSV."""
    import pandas as pd
    from sqlalchemy.orm import Session

    from academy.demo import synthetic_company
    from academy.synthetic.tickets import make_tickets, write_ticket_export
    from graders.sources.operations import staff_frame

    t0 = time.perf_counter()
    ctx = synthetic_company(root, staff, seed, TODAY)
    with Session(ctx.home.engine) as s:
        people = staff_frame(s)
    ctx.home.close()
    tickets = make_tickets(people, MONTHS, seed, NOW, per_month)
    path = write_ticket_export(tickets, root / "imports" / "tickets_year.csv", chinese=True,
                               encoding="utf-8")
    log(f"  built {staff} staff, {len(tickets):,} tickets in {time.perf_counter() - t0:.0f} s "
        f"({path.stat().st_size / 1e6:.0f} MB CSV)")
    del tickets, pd
    return path


def _child(step: str, root: Path, csv: Path | None = None) -> dict:
    """Run one timed step in a fresh interpreter; it prints one JSON line."""
    args = [sys.executable, "-m", "academy.bench.tickets", step, str(root)] + \
        ([str(csv)] if csv else [])
    proc = subprocess.run(args, capture_output=True, text=True, timeout=7200)
    if proc.returncode != 0:
        raise SystemExit(f"bench step {step} failed on {root}:\n{proc.stdout[-2000:]}"
                         f"\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def step_import(root: Path, csv: Path) -> dict:
    from core.home import open_home
    from graders.service_kpis.config import load_operations
    from graders.tickets import import_tickets

    h = open_home(root)
    t0, c0 = time.perf_counter(), _cpu()
    with h.transaction() as s:
        res = import_tickets(s, csv, "bench", load_operations(h.assessments_dir))
    secs, cpu = time.perf_counter() - t0, _cpu() - c0
    h.close()
    return {"seconds": secs, "cpu_seconds": cpu, "tickets": res.rows, "peak_mb": _peak_mb()}


def step_kpis(root: Path) -> dict:
    from core.home import open_home
    from graders.engine.schemes import home_schemes
    from graders.service_kpis.monthly_pay import monthly_pay
    from graders.sources.operations import load_operations_kpis, staff_frame

    h = open_home(root)
    schemes = home_schemes(h)
    t0, c0 = time.perf_counter(), _cpu()
    with h.transaction() as s:
        ops = load_operations_kpis(s, MONTHS)
        roster = staff_frame(s)
    t_read = time.perf_counter() - t0
    pay, items, checks = monthly_pay(ops.people, roster, schemes, MONTHS)
    secs, cpu = time.perf_counter() - t0, _cpu() - c0
    h.close()
    return {"seconds": secs, "cpu_seconds": cpu, "read_and_kpis_seconds": t_read, "tickets": len(ops.facts),
            "person_months": len(ops.people), "team_months": len(ops.teams),
            "breaches": len(ops.breaches), "pay_rows": len(pay),
            "revise_checks": int((checks["level"] == "revise").sum()), "peak_mb": _peak_mb()}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process so far: on a machine shared with other work a steadier
    measure than the wall clock."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


@dataclass
class TicketBench:
    small_staff: int
    large_staff: int
    small_tickets: int
    large_tickets: int
    small_import_seconds: float
    large_import_seconds: float
    import_ratio: float
    small_kpi_seconds: float
    large_kpi_seconds: float
    kpi_ratio: float
    small_peak_mb: float
    large_peak_mb: float
    ticket_ratio: float
    small_import_cpu: float = 0.0
    large_import_cpu: float = 0.0
    import_cpu_ratio: float = 0.0
    small_kpi_cpu: float = 0.0
    large_kpi_cpu: float = 0.0
    kpi_cpu_ratio: float = 0.0
    target: str = "ten times the staff (and tickets) costs about ten times as much (ratio <= 12)"
    date: str = ""
    machine: str = ""
    load_before: list = field(default_factory=list)
    load_after: list = field(default_factory=list)
    details: dict = field(default_factory=dict)


def run(base: Path, staff: int = 10_000, per_month: float = 20.0, reuse: bool = False,
        log=print) -> TicketBench:
    small, large = max(10, staff // 10), staff
    load_before = list(os.getloadavg())
    figures = {}
    for n in (small, large):
        root = base / f"tickets-{n}"
        csv = root / "imports" / "tickets_year.csv"
        if not (reuse and csv.exists() and (root / "academy.yaml").exists()):
            log(f"Building the {n}-staff company in {root}")
            csv = build(root, n, per_month, log=log)
        else:  # a fresh database for the import: the roster again, the CSV kept
            from academy.demo import synthetic_company

            keep = csv.read_bytes()
            synthetic_company(root, n, 2026, TODAY).home.close()
            csv.parent.mkdir(parents=True, exist_ok=True)
            csv.write_bytes(keep)
        imp = _child("import", root, csv)
        log(f"  {n} staff: import of {imp['tickets']:,} tickets {imp['seconds']:.1f} s "
            f"(CPU {imp['cpu_seconds']:.1f} s), peak {imp['peak_mb']:.0f} MB")
        kp = _child("kpis", root)
        log(f"  {n} staff: monthly KPIs and pay {kp['seconds']:.1f} s "
            f"(CPU {kp['cpu_seconds']:.1f} s) "
            f"({kp['person_months']:,} person-months, {kp['breaches']:,} breaches), "
            f"peak {kp['peak_mb']:.0f} MB")
        figures[n] = {"import": imp, "kpis": kp}
    s, g = figures[small], figures[large]
    return TicketBench(
        small_staff=small, large_staff=large,
        small_tickets=s["import"]["tickets"], large_tickets=g["import"]["tickets"],
        small_import_seconds=round(s["import"]["seconds"], 2),
        large_import_seconds=round(g["import"]["seconds"], 2),
        import_ratio=round(g["import"]["seconds"] / s["import"]["seconds"], 2),
        small_kpi_seconds=round(s["kpis"]["seconds"], 2),
        large_kpi_seconds=round(g["kpis"]["seconds"], 2),
        kpi_ratio=round(g["kpis"]["seconds"] / s["kpis"]["seconds"], 2),
        small_peak_mb=round(max(s["import"]["peak_mb"], s["kpis"]["peak_mb"])),
        large_peak_mb=round(max(g["import"]["peak_mb"], g["kpis"]["peak_mb"])),
        ticket_ratio=round(g["import"]["tickets"] / s["import"]["tickets"], 2),
        small_import_cpu=round(s["import"]["cpu_seconds"], 2),
        large_import_cpu=round(g["import"]["cpu_seconds"], 2),
        import_cpu_ratio=round(g["import"]["cpu_seconds"] / s["import"]["cpu_seconds"], 2),
        small_kpi_cpu=round(s["kpis"]["cpu_seconds"], 2),
        large_kpi_cpu=round(g["kpis"]["cpu_seconds"], 2),
        kpi_cpu_ratio=round(g["kpis"]["cpu_seconds"] / s["kpis"]["cpu_seconds"], 2),
        date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        machine=f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        load_before=load_before, load_after=list(os.getloadavg()), details=figures)


def write(result: TicketBench, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(result), indent=1), encoding="utf-8")
    return path


if __name__ == "__main__":  # the timed child steps
    step, root = sys.argv[1], Path(sys.argv[2])
    out = step_import(root, Path(sys.argv[3])) if step == "import" else step_kpis(root)
    print(json.dumps(out))
