"""`academy impact COURSE --kpi ...` (what completing a course changed in job figures) and
`academy bench impact` (the estimator's interval coverage on simulated panels with a known effect).
Thin: options in, graders.training_impact.store / graders.training_impact.analysis / academy.synthetic.impact_sim called, tables out;
the words come from dashboards.impact in the home's language."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from academy.cli_common import console, open_from
from core import labels


def impact_cmd(
    ctx: typer.Context,
    course: Annotated[str, typer.Argument(help="Course id (academy course list).")],
    kpi: Annotated[Optional[list[str]], typer.Option(
        "--kpi", help="Job figure (repeatable): fcr, commitments, csat, deductions, practical, "
                      "review. Default: fcr and commitments.")] = None,
    match: Annotated[str, typer.Option(
        help="Compare within the same ... (comma-separated: team, role, tenure; 'none' for "
             "everyone).")] = "team,role,tenure",
    draws: Annotated[int, typer.Option(help="Bootstrap draws (people resampled).")] = 499,
    level: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 2026,
    events: Annotated[bool, typer.Option(
        "--events/--no-events", help="Show the event study (effect by months since).")] = True,
) -> None:
    """Estimate what completing COURSE changed in job figures: staggered difference-in-differences
    against peers of the same team, role and tenure band not yet trained (docs/impact.md)."""
    from sqlalchemy.orm import Session

    from core.errors import AcademyError
    from dashboards import impact as words
    from graders.training_impact import analysis as impact
    from graders.training_impact.store import KPIS, load_impact
    from training.catalog import all_modules

    kpis = kpi or ["fcr", "commitments"]
    bad = [k for k in kpis if k not in KPIS]
    if bad:
        raise AcademyError(f"--kpi {bad[0]!r}: choose from {', '.join(KPIS)}")
    fields = tuple(f.strip() for f in match.split(",") if f.strip() and f.strip() != "none")
    wrong = [f for f in fields if f not in impact.MATCH_FIELDS]
    if wrong:
        raise AcademyError(f"--match {wrong[0]!r}: choose from team, role, tenure (or none)")
    if not 0.5 <= level < 1:
        raise AcademyError("--level must be between 0.5 and 1, e.g. 0.95")
    if draws < 50:
        raise AcademyError("--draws must be at least 50")
    h = open_from(ctx)
    loc = h.settings.locale
    mods = [(m.course_id, m.id) for m in all_modules()]
    for code in kpis:
        with Session(h.engine) as s:
            d = load_impact(s, course, code, mods, fields)
        console.rule(f"{course}: {words.kpi_name(code, loc)}")
        try:
            res = impact.estimate(d.panel, draws=draws, level=level, seed=seed)
        except impact.NotEnoughData as exc:
            console.print(f"[yellow]{words.reason_text(exc, loc)}[/yellow]")
            continue
        for line in words.summary(res, code, loc):
            console.print(line, markup=False, soft_wrap=True)
        tab = RichTable(title=None)
        for col in words.cohort_table(res, d.periods, loc).columns:
            tab.add_column(str(col))
        for r in words.cohort_table(res, d.periods, loc).itertuples(index=False):
            tab.add_row(*[str(v) for v in r])
        console.print(tab)
        if events:
            ev = RichTable(title=labels.t("chart", loc, "impact"))
            for col in ("months_since", "effect", "interval", "people"):
                ev.add_column(labels.t(col, loc, "impact"))
            for r in res.event_study.itertuples(index=False):
                if r.event_time == -1:  # the base month: zero by construction
                    ev.add_row("-1", "0", "", "")
                    continue
                ev.add_row(f"{r.event_time:+d}", f"{r.est:+.1f}", f"{r.low:+.1f} … {r.high:+.1f}",
                           str(r.n))
            console.print(ev)
    h.close()


def bench_impact(
    replications: Annotated[int, typer.Option(help="Simulated panels.")] = 200,
    effect: Annotated[float, typer.Option(help="The true effect.")] = 5.0,
    people: Annotated[int, typer.Option(help="People per panel.")] = 240,
    periods: Annotated[int, typer.Option(help="Months per panel.")] = 10,
    draws: Annotated[int, typer.Option(help="Bootstrap draws per estimate.")] = 199,
    seed: Annotated[int, typer.Option(help="First seed.")] = 2026,
    out: Annotated[Path, typer.Option("--out", help="JSON file for the figures.")] =
        Path("bench-results/impact.json"),
) -> None:
    """Interval coverage of `academy impact`'s estimator on simulated panels with a known effect,
    the share of 'not enough evidence' when the effect is zero, and how often an injected
    pre-trend is detected."""
    from dataclasses import asdict

    from academy.synthetic.impact_sim import coverage

    figures = {}
    for name, kw in (("known_effect", {"effect": effect}), ("zero_effect", {"effect": 0.0}),
                     ("pretrend", {"effect": effect, "pretrend": 1.0})):
        started = time.monotonic()
        c = coverage(replications, people=people, periods=periods, draws=draws, seed=seed, **kw)
        figures[name] = {**asdict(c), "seconds": round(time.monotonic() - started, 1)}
        console.print(f"{name}: {c.replications} panels, truth {c.truth:g}: interval covers the "
                      f"truth {c.covered:.1%}, 'not enough evidence' {c.unclear:.1%}, pre-trend "
                      f"flagged {c.pretrend_flagged:.1%}, placebo interval holds 0 "
                      f"{c.placebo_covered_zero:.1%}; mean estimate {c.mean_estimate:.2f} "
                      f"(se {c.mean_se:.2f}); {figures[name]['seconds']} s")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    console.print(f"Figures written to {out}")


def register(root: typer.Typer, bench: typer.Typer) -> None:
    root.command("impact")(impact_cmd)
    bench.command("impact")(bench_impact)
