"""`academy bench`: benchmarks (not tests), one subcommand per area; each prints one line per
figure with its ratio against the baseline measured in the same run and writes the figures to a
file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from academy.cli_common import console

app = typer.Typer(help="Benchmarks: figures against a baseline measured in the same run.",
                  no_args_is_help=True)


@app.command("dashboards")
def dashboards_cmd(
    staff: Annotated[int, typer.Option(help="Staff of the synthetic company.")] = 10_000,
    cycles: Annotated[int, typer.Option(help="Quarterly cycles, graded and published.")] = 4,
    runs: Annotated[int, typer.Option(help="Timed page loads of each notebook.")] = 3,
    home: Annotated[Optional[Path], typer.Option(
        "--bench-home", help="Where to build the company (reused with --reuse).")] = None,
    reuse: Annotated[bool, typer.Option(
        "--reuse", help="Reuse the company already built in --bench-home.")] = False,
    out: Annotated[Path, typer.Option("--out", help="JSON file for the figures.")] =
        Path("bench-results/dashboards.json"),
    concurrent: Annotated[int, typer.Option(
        help="Managers opening their page at the same moment (loopback only).")] = 20,
    admin: Annotated[bool, typer.Option(
        "--admin", help="Also time the whole company's page (an administrator).")] = False,
    crowd_pool: Annotated[int, typer.Option(
        help="Preheated manager kernels of the server the concurrent managers meet "
             "(0: the production pool of one).")] = 0,
) -> None:
    """Manager and trainee dashboards: time until their charts are drawn in Chromium for a large
    company (cold, warm, many managers at once), against an empty Voila notebook on the same
    server; and the dashboard kernels' memory."""
    import tempfile

    from academy.bench import dashboards as bench
    from core.home import open_home

    root = home or Path(tempfile.gettempdir()) / f"academy-bench-{staff}"
    if reuse:
        h = open_home(root)
    else:
        console.print(f"Building a company of {staff} staff with {cycles} quarterly cycles in {root}")
        h = bench.build_company(root, staff, cycles=cycles, log=console.print)
    result = bench.run(h, runs=runs, log=console.print, concurrent=concurrent, admin=admin,
                       crowd_pool=crowd_pool)
    import statistics

    e, m = statistics.median(result.empty_seconds), statistics.median(result.manager_seconds)
    console.print(f"empty Voila notebook, drawn: {e:.2f} s (median of {runs})")
    console.print(f"manager dashboard cold (server just started), {result.staff} staff: "
                  f"{result.cold_seconds:.2f} s; ratio {result.cold_ratio:.2f} (target <= 3)")
    console.print(f"manager dashboard warm ({result.viewer}), {result.cycles} cycles, charts "
                  f"drawn: {m:.2f} s (median of {runs}); ratio {result.ratio:.2f} (target <= 1.5)")
    console.print(f"trainee dashboard warm: {statistics.median(result.trainee_seconds):.2f} s "
                  f"(median of {runs}); ratio {result.trainee_ratio:.2f} (target <= 1.2)")
    if result.admin_seconds:
        console.print(f"whole company's page (administrator): "
                      f"{statistics.median(result.admin_seconds):.2f} s; ratio "
                      f"{result.admin_ratio:.2f}")
    if result.concurrent_empty_seconds:
        console.print(f"{result.concurrent} empty Voila notebooks at once (baseline): all drawn "
                      f"within {result.concurrent_empty_max:.2f} s")
    if result.concurrent:
        console.print(f"{result.concurrent} managers ({result.concurrent_people} different "
                      f"people, {result.concurrent_pool} preheated kernel(s)) at once: all drawn within "
                      f"{result.concurrent_max:.2f} s (target <= 10 s); kernel memory up to "
                      f"{result.concurrent_kernel_mb} MB")
    if result.concurrent_server_seconds:
        console.print(f"the same {result.concurrent} at once, server side (each page rendered, its "
                      f"kernel run, its widgets built; no browser on this machine): all ready "
                      f"within {result.concurrent_server_max:.2f} s (target <= 10 s); "
                      f"{result.concurrent} empty notebooks the same way within "
                      f"{result.concurrent_server_empty_max:.2f} s")
    console.print(f"dashboard kernel memory: up to {result.kernel_mb} MB (target < 300 MB)")
    console.print(f"figures written to {bench.write(result, out)}")


@app.command("autograde")
def autograde_cmd(
    submissions: Annotated[int, typer.Option(
        help="Demo submissions, split between the two demo exams.")] = 200,
    workers: Annotated[int | None, typer.Option(
        help="Our autograde's workers (default: its own default, one per core).")] = None,
    stock_env: Annotated[Path | None, typer.Option(
        "--stock-env", help="The stock nbgrader environment (made there if missing; default "
                            "~/.cache/service-academy/bench/stock-nbgrader-<version>).")] = None,
    home: Annotated[Path | None, typer.Option(
        "--bench-home", help="Where to build the workload (reused with --reuse).")] = None,
    reuse: Annotated[bool, typer.Option(
        "--reuse", help="Reuse the workload already built in --bench-home.")] = False,
    out: Annotated[Path, typer.Option("--out", help="JSON file for the figures.")] =
        Path("bench-results/autograde.json"),
    no_sandbox: Annotated[bool, typer.Option(
        "--no-sandbox", help="Benchmark only: grade ours WITHOUT the grading sandbox, to measure "
                             "what the sandbox costs. Never a way to grade.")] = False,
    sandbox_cost: Annotated[bool, typer.Option(
        "--sandbox-cost", help="Skip stock nbgrader: run ours with and without the sandbox "
                               "--rounds times each, alternating, and say where the sandbox's "
                               "time goes (target: at most 10% slower).")] = False,
    rounds: Annotated[int, typer.Option(help="Rounds of --sandbox-cost.")] = 2,
    profile: Annotated[Path | None, typer.Option(
        "--profile", help="Profile our grading workers (cProfile files into this folder) and "
                          "print where a submission's time goes (the run is slower).")] = None,
) -> None:
    """Exam autograde throughput: `academy exam autograde` against stock `nbgrader autograde`
    (its own environment, as a user installs it) on the same demo submissions, and whether both
    gave the same scores (exit code 1 if not)."""
    import tempfile

    from academy.bench import exam as bench

    if submissions < 1:
        raise typer.BadParameter("at least one submission", param_hint="--submissions")
    root = (home or Path(tempfile.gettempdir()) / f"academy-bench-autograde-{submissions}").resolve()
    if sandbox_cost:
        _sandbox_cost(bench, root, submissions, rounds, workers, reuse, out)
        return
    r = bench.run(root, submissions, workers=workers, stock_env=stock_env, reuse=reuse,
                  log=console.print, sandbox=not no_sandbox,
                  profile=profile.resolve() if profile else None)
    console.print(f"stock nbgrader autograde, as installed: {r.submissions} submissions in "
                  f"{r.stock_seconds:.1f} s ({r.stock_seconds_each:.2f} s each, {r.stock_cpu:.1f} CPU s; "
                  f"rfc3987-syntax {'installed' if r.stock_packages.get('rfc3987-syntax') else 'absent'})")
    console.print(f"stock nbgrader autograde, without rfc3987-syntax: {r.lean_seconds:.1f} s "
                  f"({r.lean_seconds_each:.2f} s each, {r.lean_cpu:.1f} CPU s; rfc3987-syntax "
                  f"{'installed' if r.lean_packages.get('rfc3987-syntax') else 'absent'})")
    console.print(f"academy exam autograde ({r.workers}): {r.submissions} in {r.ours_seconds:.1f} s "
                  f"({r.ours_seconds_each:.2f} s each, {r.ours_cpu:.1f} CPU s)")
    console.print(f"throughput ratio against stock as installed: {r.throughput_ratio:.1f}x "
                  f"(target >= {r.target_ratio:g}x); CPU ratio {r.cpu_ratio:.1f}x")
    console.print(f"throughput ratio against stock without rfc3987-syntax: {r.lean_ratio:.1f}x "
                  f"(target >= {r.target_lean_ratio:g}x); CPU ratio {r.lean_cpu_ratio:.1f}x")
    if r.profile:
        console.print("where our workers' time goes (seconds inside the workers, per submission):")
        for item in r.profile:
            console.print(f"  {item['per_submission']:6.3f} s  {item['item']}", markup=False)
    if r.same_scores:
        console.print(f"same scores: yes ({r.cells_compared} cells of {r.submissions} submissions)")
    else:
        console.print(f"same scores: NO ({len(r.differences)} difference(s) shown, "
                      f"graded submissions {r.submissions_graded})")
        for d in r.differences[:10]:
            console.print(f"  {d}", markup=False)
    for e in r.errors[:10]:
        console.print(f"  error: {e}", markup=False)
    console.print(f"load average {r.load_before[0]:.2f} before, {r.load_after[0]:.2f} after; "
                  f"figures written to {bench.write(r, out)}")
    if not r.same_scores or r.errors:
        raise typer.Exit(1)


def _sandbox_cost(bench, root: Path, submissions: int, rounds: int, workers, reuse: bool,
                  out: Path) -> None:
    import json
    from dataclasses import asdict

    if rounds < 1:
        raise typer.BadParameter("at least one round", param_hint="--rounds")
    c = bench.sandbox_cost(root, submissions, rounds, workers, reuse, log=console.print)
    console.print(f"academy exam autograde ({c.workers}), {c.submissions} submissions: sandboxed "
                  f"{c.sandboxed_seconds} s, unsandboxed {c.unsandboxed_seconds} s; sandbox "
                  f"overhead {100 * c.overhead:+.1f}% of the median (target <= +10%)")
    for phase, by in sorted(c.phases.items()):
        cells = "; ".join(f"{k} {n} x {mean:.3f} s" for k, (n, mean) in sorted(by.items()))
        console.print(f"  {phase}: {cells}", markup=False)
    for e in c.errors[:10]:
        console.print(f"  error: {e}", markup=False)
    console.print(f"load average {c.load_before[0]:.2f} before, {c.load_after[0]:.2f} after")
    path = out.with_name(out.stem + "-sandbox-cost.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(c), indent=1), encoding="utf-8")
    console.print(f"figures written to {path}", soft_wrap=True)
    if c.errors:
        raise typer.Exit(1)


@app.command("grade")
def grade_cmd(
    staff: Annotated[int, typer.Option(help="Staff of the smaller company; the larger has ten "
                                            "times as many.")] = 10_000,
    runs: Annotated[int, typer.Option(help="Timed `academy grade` runs of each company.")] = 1,
    home: Annotated[Optional[Path], typer.Option(
        "--bench-home", help="Folder for both companies (reused with --reuse).")] = None,
    reuse: Annotated[bool, typer.Option(
        "--reuse", help="Reuse the companies already built in --bench-home.")] = False,
    backend: Annotated[Optional[list[str]], typer.Option(
        "--backend", help="sqlite and/or postgresql (repeatable; default both).")] = None,
    base_staff: Annotated[Optional[int], typer.Option(
        "--base-staff", help="Build both companies as copies of one company of this many "
                             "staff (e.g. 1000: much quicker than building 10,000).")] = None,
    out: Annotated[Path, typer.Option("--out", help="JSON file for the figures.")] =
        Path("bench-results/grade.json"),
) -> None:
    """`academy grade` on 10,000 and on 100,000 staff, on SQLite and on PostgreSQL: CPU seconds
    per step, wall seconds, peak memory and the ratio of the two sizes (how cost grows)."""
    import tempfile

    from academy.bench import grade as grade_bench

    if staff < 10 or runs < 1:
        raise typer.BadParameter("at least 10 staff and one run")
    backends = tuple(backend or ("sqlite", "postgresql"))
    if set(backends) - {"sqlite", "postgresql"}:
        raise typer.BadParameter("sqlite or postgresql", param_hint="--backend")
    base = (home or Path(tempfile.gettempdir()) / "academy-bench-grade").resolve()
    r = grade_bench.run(base, staff, runs=runs, reuse=reuse, log=console.print,
                        backends=backends, base_staff=base_staff)
    import statistics

    for b, sizes in r.runs.items():
        small, large = (grade_bench.step_table(sizes[k]) for k in ("small", "large"))
        table = RichTable(title=f"{b}: CPU seconds per step (median of {runs})")
        for col in ("step", f"{r.small_staff} staff", f"{r.large_staff} staff", "ratio"):
            table.add_column(col)
        for k in dict.fromkeys([*small, *large]):
            a, z = small.get(k, 0.0), large.get(k, 0.0)
            table.add_row(k, f"{a:.2f}", f"{z:.2f}", f"{z / a:.1f}" if a >= 0.05 else "")
        console.print(table)
        for size, staff_n in (("small", r.small_staff), ("large", r.large_staff)):
            rs = sizes[size]
            cpu = statistics.median(grade_bench.run_cpu(x) for x in rs)
            server = (f", database server {statistics.median(x['server_cpu'] for x in rs):.1f} "
                      "CPU s" if "server_cpu" in rs[0] else "")
            console.print(f"{b}, {staff_n} staff: {cpu:.1f} CPU s{server}, wall "
                          f"{statistics.median(x['wall'] for x in rs):.1f} s, peak "
                          f"{max(grade_bench.run_peak_mb(x) for x in rs):.0f} MB, load average "
                          f"{rs[0]['load_average']}")
        ratio = (statistics.median(grade_bench.run_cpu(x) for x in sizes["large"])
                 / statistics.median(grade_bench.run_cpu(x) for x in sizes["small"]))
        console.print(f"{b}: CPU ratio {ratio:.2f} for {r.size_ratio:g}x the staff "
                      "(target <= 11; 100,000 staff in <= 90 s, peak < 4 GB)")
    for n in r.notes:
        console.print(n, markup=False)
    console.print(f"figures written to {grade_bench.write(r, out)}")


@app.command("imports")
def imports_cmd(
    runs: Annotated[int, typer.Option(help="Timed imports of each entry point on each side.")] = 3,
    out: Annotated[Path, typer.Option("--out", help="JSON file for the figures.")] =
        Path("bench-results/imports.json"),
) -> None:
    """The lean runtime: import time of the platform's entry points without rfc3987-syntax (as
    installed) against the same environment with it put back."""
    from academy.bench import imports as bench_imports

    if runs < 1:
        raise typer.BadParameter("at least one run", param_hint="--runs")
    r = bench_imports.run(runs, log=console.print)
    console.print(f"figures written to {bench_imports.write(r, out)}")


@app.command("layers")
def layers_cmd(
    root: Annotated[Optional[Path], typer.Option(
        "--root", help="Source tree to read (default: this installation's).")] = None,
) -> None:
    """The layering (docs/architecture.md): import cycles between packages and modules, imports
    of a higher layer by a lower one, and imports inside functions (project, third-party, standard
    library). Read from the source, nothing imported."""
    from academy.bench.layering import report

    typer.echo(report(root.resolve() if root else None))


@app.command("tickets")
def tickets_cmd(
    staff: Annotated[int, typer.Option(help="Staff of the large company; the baseline has a "
                                            "tenth as many.")] = 10_000,
    per_month: Annotated[float, typer.Option(help="Tickets per serving person and month.")] = 20.0,
    home: Annotated[Optional[Path], typer.Option(
        "--bench-home", help="Folder for both companies (their CSV exports reused with --reuse).")]
        = None,
    reuse: Annotated[bool, typer.Option(
        "--reuse", help="Reuse the ticket exports already written in --bench-home.")] = False,
    out: Annotated[Path, typer.Option("--out", help="JSON file for the figures.")] =
        Path("bench-results/tickets.json"),
) -> None:
    """A year of tickets (about 2 million for 10,000 staff) imported and turned into monthly KPIs
    and pay, against a company a tenth the size: the ratio of the two (ideal 10)."""
    import tempfile

    from academy.bench import tickets as ticket_bench

    if staff < 100:
        raise typer.BadParameter("at least 100 staff", param_hint="--staff")
    base = (home or Path(tempfile.gettempdir()) / "academy-bench-tickets").resolve()
    r = ticket_bench.run(base, staff, per_month, reuse, log=console.print)
    console.print(f"import: {r.small_tickets:,} tickets ({r.small_staff} staff) {r.small_import_seconds:.1f} s; "
                  f"{r.large_tickets:,} tickets ({r.large_staff} staff) {r.large_import_seconds:.1f} s; "
                  f"ratio {r.import_ratio:.2f} for {r.ticket_ratio:g}x the tickets")
    console.print(f"monthly KPIs and pay: {r.small_kpi_seconds:.1f} s; {r.large_kpi_seconds:.1f} s; "
                  f"ratio {r.kpi_ratio:.2f}")
    console.print(f"CPU time: import {r.small_import_cpu:.1f} s and {r.large_import_cpu:.1f} s "
                  f"(ratio {r.import_cpu_ratio:.2f}); KPIs and pay {r.small_kpi_cpu:.1f} s and "
                  f"{r.large_kpi_cpu:.1f} s (ratio {r.kpi_cpu_ratio:.2f})")
    console.print(f"peak memory {r.small_peak_mb:.0f} MB and {r.large_peak_mb:.0f} MB; load average "
                  f"{r.load_before[0]:.2f} before, {r.load_after[0]:.2f} after")
    console.print(f"figures written to {ticket_bench.write(r, out)}")


@app.command("hub")
def hub_cmd(
    users: Annotated[int, typer.Option(help="Simulated trainees signing in at once (1-200).")] = 10,
    out: Annotated[Path, typer.Option("--out", help="JSON file for the figures.")] =
        Path("bench-results/hub.json"),
) -> None:
    """JupyterHub on loopback: N trainees sign in at once, each fetching and submitting an exam;
    p50/p95 time to a ready server, submissions lost, hub + proxy memory (as root)."""
    from academy.bench import hub as bench

    fig = bench.run(users, out=console)
    bench.report(fig, console)
    bench.save(fig, out)
    if fig["lost"]:
        raise typer.Exit(1)
