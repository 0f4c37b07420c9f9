"""`academy practical adjust`: trainer severity and fair scores (graders.engine.fairness)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table as RichTable

from academy.cli_common import console, open_from
from academy.cli_evidence import CycleOpt, practical_app


@practical_app.command("adjust")
def practical_adjust(ctx: typer.Context, cycle: CycleOpt = None,
                     model: Annotated[str, typer.Option(
                         help="rasch (many-facet Rasch, rating scale) or mixed (linear mixed "
                              "model, crossed random effects).")] = "rasch",
                     show: Annotated[int, typer.Option(
                         "--show",
                         help="Trainees listed, largest adjustments first (0: all).")] = 15,
                     variance: Annotated[bool, typer.Option(
                         "--variance/--no-variance",
                         help="Also fit the variance breakdown (a mixed model; slower).")] = True
                     ) -> None:
    """Trainer severity with standard errors and fit, fair scores per trainee, variance by source
    and the trainers per scenario needed for reliability 0.8. Grading uses fair scores when a role
    scheme says `practical: {variant: fair}`."""
    from core.cycles import named_or_current
    from graders.engine.fairness import adjust
    from graders.sources.load import evidence_frame

    h = open_from(ctx)
    with h.transaction() as s:
        c = named_or_current(s, cycle)
        ev = evidence_frame(s, c.id, "practical")
    res = adjust(ev, model, with_variance=variance)
    console.print(render(res, c.name, show))
    h.close()


def render(res, cycle: str, show: int = 15):
    """The report as rich renderables (a Group)."""
    from rich.console import Group

    parts = []
    what = "many-facet Rasch model" if res.model == "rasch" else "linear mixed model"
    t = RichTable(title=f"Trainer severity, cycle {cycle} ({what}"
                        f"{'' if res.converged else ', NOT converged'})")
    for col in ("trainer", "ratings", "trainees", "severity", "SE", "infit", "outfit",
                "points", "SE pts"):
        t.add_column(col)
    for r in res.trainers.sort_values("severity").itertuples():
        t.add_row(str(r.rater_id), str(r.ratings), str(r.trainees),
                  f"{r.severity:+.2f}" if res.model == "rasch" else "",
                  f"{r.se:.2f}" if res.model == "rasch" else "",
                  f"{r.infit:.2f}", f"{r.outfit:.2f}", f"{r.points:+.1f}", f"{r.points_se:.1f}")
    parts.append(t)
    parts.append("Severity in logits: + harsher than the typical (median) trainer, 0. Points: what "
                 "a trainer adds to a 0-100 score (+ lenient). Infit/outfit mean squares near 1 "
                 "fit the model; above 1.5 the trainer is erratic, below 0.5 too predictable "
                 "(halo, central tendency).")
    if len(res.variance):
        v = RichTable(title="Variance of criterion scores by source (points squared)")
        for col in ("source", "variance", "share"):
            v.add_column(col)
        for r in res.variance.itertuples():
            v.add_row(r.source, f"{r.variance:.1f}", f"{r.share:.0%}")
        parts.append(v)
    rel = res.reliability
    if rel:
        def k(x):
            return "-" if x is None else str(x)

        parts.append(
            f"Reliability of one trainer's scenario score: {rel['one_trainer']:.2f} "
            f"(now {rel['trainers']:.1f} trainers per scenario: {rel['current']:.2f}); trainers "
            f"per scenario needed for {rel['target']}: {k(rel['trainers_needed'])} as scored, "
            f"{k(rel['trainers_needed_fair'])} with severity corrected (Spearman-Brown).")
    tr = res.trainees.assign(size=res.trainees["adjustment"].abs()).sort_values(
        ["size", "employee_id"], ascending=[False, True])
    if show:
        tr = tr.head(show)
    tt = RichTable(title="Scores adjusted (0-100), largest first")
    for col in ("trainee", "scenario", "trainers", "raw", "fair", "change", "fair avg"):
        tt.add_column(col)
    for r in tr.itertuples():
        fa = "" if r.fair_average != r.fair_average else f"{r.fair_average:.1f}"
        tt.add_row(str(r.employee_id), str(r.rubric), str(r.raters), f"{r.raw:.1f}",
                   f"{r.fair:.1f}", f"{r.adjustment:+.1f}", fa)
    parts.append(tt)
    return Group(*parts)



