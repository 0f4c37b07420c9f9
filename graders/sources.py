"""From evidence to component scores: one row per trainee and assessment source, on 0-100.

This is the contract between the evidence capabilities (exams, practical, reviews, surveys,
key behaviours) and the grading engine: `collect(session, cycle_id)` returns

* `components`: DataFrame[employee_id, component, score, n, status, note] where `component` is one
  of COMPONENTS, `score` is 0-100 (NaN when there is no usable score), `n` how many ratings,
  responses or questions it rests on, `status` one of "ok", "insufficient" (some evidence but not
  enough to be trusted, e.g. fewer peer raters than the minimum) or "missing" (no evidence);
* `competencies`: DataFrame[employee_id, component, competency, score, n]: the same evidence split
  by the four competencies of the model;
* `flags`: DataFrame[kind, source, subject, detail]: evidence-quality warnings.

Each source registers an aggregator in AGGREGATORS; a source without one is averaged plainly
(sum of raw over sum of maxima, else the mean of 0-100 scores).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from graders.evidence import Evidence, EvidenceBatch
from graders.management import INDICATORS as _MANAGEMENT_INDICATORS

COMPONENTS = ("theory", "practical", "peer", "supervisor", "self", "customer", "key_behaviour",
              "operations",  # operations: from service tickets (graders.operations_store)
              "upward", "goals",  # upward review by one's own staff; own SMART goal completion
              *_MANAGEMENT_INDICATORS)  # supervisors' and managers' team indicators
STATUSES = ("ok", "insufficient", "missing")

COMPONENT_COLUMNS = ["employee_id", "component", "score", "n", "status", "note"]
COMPETENCY_COLUMNS = ["employee_id", "component", "competency", "score", "n"]
FLAG_COLUMNS = ["kind", "source", "subject", "detail"]
#: other ways of scoring a component that a role scheme may choose (ComponentRule.variant), e.g.
#: the customer component's plain satisfaction instead of the shrunk one
VARIANT_COLUMNS = ["employee_id", "component", "variant", "score", "note"]


@dataclass
class SourceResult:
    components: pd.DataFrame
    competencies: pd.DataFrame
    flags: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FLAG_COLUMNS))
    variants: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VARIANT_COLUMNS))
    #: models a source fitted on the way, kept with the grade run (graders.run_flags_store),
    #: e.g. "practical": (graders.fairness.FairResult or None, reason or None)
    fits: dict = field(default_factory=dict)


EVIDENCE_COLUMNS = ["employee_id", "source", "rater_id", "item", "competency", "raw", "max_raw",
                    "score", "details", "batch_id"]
_FLOATS = ("raw", "max_raw", "score")
#: rows read and turned into columns at a time: keeps a large company's peak memory down
CHUNK_ROWS = 200_000


def evidence_frame(session: Session, cycle_id: int, source: str | None = None) -> pd.DataFrame:
    """Current (not superseded) evidence of a cycle as a DataFrame.

    Read in chunks straight into columns (no ORM objects; `details` stays JSON text until a
    source that needs it calls `details_frame`): a 100,000-staff company has about ten million
    evidence rows, and row objects plus parsed dicts for all of them would not fit in memory.
    """
    import numpy as np

    q = (select(Evidence.employee_id, Evidence.source, Evidence.rater_id, Evidence.item,
                Evidence.competency, Evidence.raw, Evidence.max_raw, Evidence.score,
                cast(Evidence.details, Text), Evidence.batch_id)
         .join(EvidenceBatch, Evidence.batch_id == EvidenceBatch.id)
         .where(Evidence.cycle_id == cycle_id, EvidenceBatch.superseded_by.is_(None)))
    if source is not None:
        q = q.where(Evidence.source == source)
    parts = []
    for rows in session.execute(q).partitions(CHUNK_ROWS):
        columns = list(zip(*rows))
        parts.append(pd.DataFrame({
            name: np.array(col, dtype=float) if name in _FLOATS
            else np.array(col, dtype=np.int64) if name == "batch_id"
            else np.array(col, dtype=object)
            for name, col in zip(EVIDENCE_COLUMNS, columns)}))
    if not parts:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def details_frame(ev: pd.DataFrame) -> pd.DataFrame:
    """The `details` of evidence rows as columns (position-aligned with `ev`, RangeIndex); they
    come as JSON text from `evidence_frame` or as dicts from a caller's own frame."""
    import json

    values = ev["details"].tolist()
    if not values:
        return pd.DataFrame()
    if all(isinstance(v, str) for v in values):
        dicts = json.loads("[" + ",".join(values) + "]")  # one decoder call, not one per row
    else:
        dicts = [json.loads(v) if isinstance(v, str) else (v or {}) for v in values]
    return pd.DataFrame.from_records(dicts)


def _plain_scores(ev: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group of `keys`: sum of raw over sum of maxima where both are known (and the maxima add
    up to more than 0), else the mean 0-100 score; and the number of rows. Vectorised."""
    known = ev["raw"].notna() & ev["max_raw"].notna()
    frame = ev[keys].assign(raw=ev["raw"].where(known, 0.0).astype(float),
                            max_raw=ev["max_raw"].where(known, 0.0).astype(float),
                            known=known, score=ev["score"].astype(float))
    g = frame.groupby(keys, sort=True)
    out = g.agg(raw=("raw", "sum"), max_raw=("max_raw", "sum"), known=("known", "sum"),
                mean=("score", "mean"), n=("score", "size"))
    use_raw = (out["known"] > 0) & (out["max_raw"] > 0)
    ratio = 100.0 * out["raw"] / out["max_raw"].where(use_raw)
    out["score"] = ratio.where(use_raw, out["mean"]).astype(float)
    out["n"] = out["n"].astype(int)
    return out[["score", "n"]].reset_index()


def plain_average(ev: pd.DataFrame, source: str) -> SourceResult:
    """Sum of raw points over sum of maxima where both are known, else the mean 0-100 score."""
    if ev.empty:
        return SourceResult(pd.DataFrame(columns=COMPONENT_COLUMNS),
                            pd.DataFrame(columns=COMPETENCY_COLUMNS))
    comp = _plain_scores(ev, ["employee_id"])
    comp["component"], comp["status"], comp["note"] = source, "ok", ""
    by_c = _plain_scores(ev.dropna(subset=["competency"]), ["employee_id", "competency"])
    by_c["component"] = source
    return SourceResult(comp[COMPONENT_COLUMNS], by_c[COMPETENCY_COLUMNS])


Aggregator = Callable[[Session, int, pd.DataFrame], SourceResult]
#: source -> aggregator(session, cycle_id, evidence of that source); filled by the source modules.
AGGREGATORS: dict[str, Aggregator] = {}
#: components scored together from data other than evidence rows, once per collect:
#: name -> (components, fn(session, cycle_id, employee_ids) -> SourceResult); e.g. the management
#: indicators from team figures (graders.management_store)
GROUP_AGGREGATORS: dict[str, tuple[tuple[str, ...], Callable]] = {}


def collect(session: Session, cycle_id: int, employee_ids: list[str] | None = None) -> SourceResult:
    """Component scores, competency scores and evidence flags of every trainee in a cycle.

    `employee_ids` (default: everyone with evidence) get a "missing" row for every component
    they have no evidence for.
    """
    import graders.register  # noqa: F401  (fills AGGREGATORS)

    parts, comps, flags, variants, fits = [], [], [], [], {}
    everyone: set[str] = set()
    grouped = {c for comps_, _ in GROUP_AGGREGATORS.values() for c in comps_}
    for _name, (_comps, group) in GROUP_AGGREGATORS.items():
        res = group(session, cycle_id, employee_ids)
        parts.append(res.components)
        comps.append(res.competencies)
        flags.append(res.flags)
        variants.append(res.variants)
        fits.update(res.fits)
    for source in COMPONENTS:
        if source in grouped:
            continue
        # one source at a time: only its rows are in memory while its aggregator runs
        sub = evidence_frame(session, cycle_id, source)
        everyone.update(sub["employee_id"].unique())
        agg = AGGREGATORS.get(source)
        res = agg(session, cycle_id, sub) if agg else plain_average(sub, source)
        del sub
        parts.append(res.components)
        comps.append(res.competencies)
        flags.append(res.flags)
        variants.append(res.variants)
        fits.update(res.fits)
    components = pd.concat([p for p in parts if len(p)] or [pd.DataFrame(columns=COMPONENT_COLUMNS)],
                           ignore_index=True)
    ids = sorted(set(employee_ids) if employee_ids is not None else everyone)
    full = pd.MultiIndex.from_product([ids, COMPONENTS], names=["employee_id", "component"])
    components = (components.set_index(["employee_id", "component"]).reindex(full).reset_index())
    components["status"] = components["status"].fillna("missing")
    components["n"] = components["n"].fillna(0).astype(int)
    components["note"] = components["note"].fillna("")
    components["score"] = components["score"].astype(float)
    competencies = pd.concat([c for c in comps if len(c)] or
                             [pd.DataFrame(columns=COMPETENCY_COLUMNS)], ignore_index=True)
    competencies = competencies[competencies["employee_id"].isin(ids)].reset_index(drop=True)
    flag_frame = pd.concat([f for f in flags if len(f)] or [pd.DataFrame(columns=FLAG_COLUMNS)],
                           ignore_index=True)
    variant_frame = pd.concat([v for v in variants if len(v)] or
                              [pd.DataFrame(columns=VARIANT_COLUMNS)], ignore_index=True)
    variant_frame = variant_frame[variant_frame["employee_id"].isin(ids)].reset_index(drop=True)
    return SourceResult(components[COMPONENT_COLUMNS], competencies[COMPETENCY_COLUMNS], flag_frame,
                        variant_frame[VARIANT_COLUMNS], fits)
