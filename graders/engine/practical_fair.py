"""The practical component with its fair variant: graders.sources.practical's scores plus, per trainee,
the score with trainer severity taken off (graders.engine.fairness, many-facet Rasch), which a role
scheme grades on with `practical: {variant: fair}`. Both stay in every result's provenance
(grade_components.scores). A design whose trainers and trainees are not connected gives no fair
variant (the raw score counts) and a flag saying why."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from core.errors import AcademyError
from graders.engine import fairness
from graders.engine.fair_record import DISCONNECTED, NO_RATINGS
from graders.forms_config import PracticalRules
from graders.sources import FLAG_COLUMNS, VARIANT_COLUMNS, SourceFrames, SourceResult, practical

FLAG_DISCONNECTED = "practical_disconnected"
FLAG_NOT_ADJUSTED = "practical_not_adjusted"
#: trainees up to which a grade run also decomposes the practical scores' variance (a mixed
#: model with crossed random effects: its dense design grows with ratings x trainees, so at a
#: large company's size it would not fit in memory; the trainer view then shows severities only)
VARIANCE_MAX_TRAINEES = 500


def fair_variants(ev: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(variants, flags): the practical component's fair score per trainee, or a flag."""
    variants, flags, _fit = fair_fit(ev)
    return variants, flags


def fair_fit(ev: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, tuple]:
    """(variants, flags, (FairResult or None, reason or None)): the fair scores and the fitted
    model with its variance components, which the grade run stores for the trainer view."""
    empty = pd.DataFrame(columns=VARIANT_COLUMNS)
    if ev.empty or ev["rater_id"].nunique() < 2:
        return empty, pd.DataFrame(columns=FLAG_COLUMNS), (None, NO_RATINGS)
    try:
        res = fairness.adjust(ev, "rasch", with_variance=ev["employee_id"].nunique()
                              <= VARIANCE_MAX_TRAINEES)
    except fairness.DisconnectedDesign as exc:
        return empty, pd.DataFrame([(FLAG_DISCONNECTED, "practical", "practical",
                                     f"{len(exc.groups)} separate groups of trainers and trainees: "
                                     "scores not adjusted for trainer severity")],
                                   columns=FLAG_COLUMNS), (None, DISCONNECTED)
    except AcademyError as exc:
        return empty, pd.DataFrame([(FLAG_NOT_ADJUSTED, "practical", "practical", str(exc))],
                                   columns=FLAG_COLUMNS), (None, NO_RATINGS)
    comp = res.component()
    out = pd.DataFrame({
        "employee_id": comp["employee_id"], "component": "practical", "variant": "fair",
        "score": comp["fair"].round(4),
        "note": [f"fair score: {a:+.1f} points for trainer severity (raw {r:.1f})"
                 for a, r in zip(comp["adjustment"], comp["raw"])]})
    return out[VARIANT_COLUMNS], pd.DataFrame(columns=FLAG_COLUMNS), (res, None)


def aggregate(session: Session | None, cycle_id: int | None, ev: pd.DataFrame) -> SourceResult:
    return _with_fair(practical.aggregate(session, cycle_id, ev), ev)


def aggregate_frames(frames: SourceFrames) -> SourceResult:
    """graders.sources aggregation of the practical source (pure)."""
    ev = frames.evidence
    return _with_fair(practical.aggregate_rows(ev, frames.config("rules", PracticalRules)), ev)


def _with_fair(res: SourceResult, ev: pd.DataFrame) -> SourceResult:
    variants, flags, fit = fair_fit(ev)
    if len(flags):
        res.flags = pd.concat([res.flags, flags], ignore_index=True)
    res.variants = variants
    res.fits = {"practical": fit}
    return res
