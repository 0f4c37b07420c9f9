"""`academy bench`: benchmarks (not tests), one subcommand per area; each prints one line per
figure with its ratio against the baseline measured in the same run and writes the figures to a
file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

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
) -> None:
    """Manager dashboard: time until its charts are drawn in Chromium for a large company,
    against an empty Voila notebook on the same server; and the dashboard kernel's memory."""
    import tempfile

    from academy.home import open_home
    from dashboards import bench

    root = home or Path(tempfile.gettempdir()) / f"academy-bench-{staff}"
    if reuse:
        h = open_home(root)
    else:
        console.print(f"Building a company of {staff} staff with {cycles} quarterly cycles in {root}")
        h = bench.build_company(root, staff, cycles=cycles, log=console.print)
    result = bench.run(h, runs=runs, log=console.print)
    import statistics

    e, m = statistics.median(result.empty_seconds), statistics.median(result.manager_seconds)
    console.print(f"empty Voila notebook, drawn: {e:.2f} s (median of {runs})")
    console.print(f"manager dashboard, {result.staff} staff, {result.cycles} cycles, charts "
                  f"drawn: {m:.2f} s (median of {runs}); ratio {result.ratio:.2f}")
    console.print(f"manager dashboard kernel memory: {result.kernel_mb} MB")
    console.print(f"figures written to {bench.write(result, out)}")
