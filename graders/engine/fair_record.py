"""A fitted fairness model (graders.engine.fairness.FairResult) as a JSON record stored with the grade
run that used it, and back. Pure and light: no scipy or statsmodels here, so a dashboard kernel
reads a run's trainer severities without importing the model fitting code."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

FRAMES = ("trainers", "trainees", "criteria", "variance")
#: why a run has no fit (labels in dashboards.labels)
NO_RATINGS = "fair_none"
DISCONNECTED = "fair_disconnected"


@dataclass
class StoredFair:
    """What the trainer view needs of a fit: the same attributes as graders.engine.fairness.FairResult."""

    model: str
    trainers: pd.DataFrame
    trainees: pd.DataFrame
    criteria: pd.DataFrame
    variance: pd.DataFrame
    reliability: dict = field(default_factory=dict)
    converged: bool = True


def _plain(v):
    """A JSON value: NaN and infinities become None (PostgreSQL's JSON refuses NaN)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):  # numpy scalars
        return _plain(v.item())
    return v


def _frame_record(frame: pd.DataFrame) -> dict:
    rows = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
    return {"columns": [str(c) for c in frame.columns],
            "numbers": [str(c) for c in frame.columns
                        if pd.api.types.is_numeric_dtype(frame[c].dtype)],
            "data": [[_plain(v) for v in r] for r in rows]}


def to_record(res) -> dict:
    """A FairResult (or StoredFair) as a JSON-safe dict."""
    out: dict[str, object] = {name: _frame_record(getattr(res, name)) for name in FRAMES}
    out["reliability"] = {k: _plain(v) for k, v in (res.reliability or {}).items()}
    out["model"], out["converged"] = res.model, bool(res.converged)
    return out


def _frame(rec: dict) -> pd.DataFrame:
    f = pd.DataFrame(rec["data"], columns=rec["columns"], dtype=object)
    for c in rec.get("numbers", []):  # numbers back to floats (None -> NaN), text stays text
        f[c] = pd.to_numeric(f[c]).astype(float)
    return f


def from_record(rec: dict) -> StoredFair:
    rel = {k: (math.nan if v is None and k in ("one_trainer", "current", "one_trainer_fair")
               else v) for k, v in (rec.get("reliability") or {}).items()}
    return StoredFair(rec.get("model", "rasch"), trainers=_frame(rec["trainers"]),
                      trainees=_frame(rec["trainees"]), criteria=_frame(rec["criteria"]),
                      variance=_frame(rec["variance"]), reliability=rel,
                      converged=bool(rec.get("converged", True)))
