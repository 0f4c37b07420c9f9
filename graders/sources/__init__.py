"""Evidence sources: one object per source, declared once in one registry (`SOURCES`).

This is the contract between the evidence capabilities (exams, practical, reviews, surveys,
key behaviours, tickets, team indicators) and the grading engine. Each source is an
`EvidenceSource`: the definition file it reads, its parser (file -> records, problems named by
file, row and column), its loader (session -> `SourceFrames`: the only part touching the
database, `graders.sources.load`) and a PURE aggregation (`SourceFrames` -> `SourceResult`) that
returns

* `components`: DataFrame[employee_id, component, score, n, status, note] where `component` is one
  of COMPONENTS, `score` is 0-100 (NaN when there is no usable score), `n` how many ratings,
  responses or questions it rests on, `status` one of "ok", "insufficient" (some evidence but not
  enough to be trusted, e.g. fewer peer raters than the minimum) or "missing" (no evidence);
* `competencies`: DataFrame[employee_id, component, competency, score, n]: the same evidence split
  by the four competencies of the model;
* `flags`: DataFrame[kind, source, subject, detail]: evidence-quality warnings;
* `variants`: other scores of a component a role scheme may choose.

`graders.sources.load.collect` iterates SOURCES in order. A built-in source names its functions as
"module:attribute" (resolved when first used, like a package's entry points), so this module sits
below every source module and imports none of them; a source added at run time (`register`)
may give the functions themselves. A source without its own aggregation is averaged plainly
(sum of raw over sum of maxima, else the mean of 0-100 scores).
"""

from __future__ import annotations

import importlib
import json
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from core.rows import json_texts
from graders.managers.grading import INDICATORS as _MANAGEMENT_INDICATORS

STATUSES = ("ok", "insufficient", "missing")

COMPONENT_COLUMNS = ["employee_id", "component", "score", "n", "status", "note"]
COMPETENCY_COLUMNS = ["employee_id", "component", "competency", "score", "n"]
FLAG_COLUMNS = ["kind", "source", "subject", "detail"]
#: other ways of scoring a component that a role scheme may choose (ComponentRule.variant), e.g.
#: the customer component's plain satisfaction instead of the shrunk one
VARIANT_COLUMNS = ["employee_id", "component", "variant", "score", "note"]
EVIDENCE_COLUMNS = ["employee_id", "source", "rater_id", "item", "competency", "raw", "max_raw",
                    "score", "details", "batch_id"]
#: the roster every source may use: DataFrame[employee_id, team_id, team, family, active]
ROSTER_COLUMNS = ["employee_id", "team_id", "team", "family", "active"]


@dataclass
class SourceResult:
    components: pd.DataFrame
    competencies: pd.DataFrame
    flags: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FLAG_COLUMNS))
    variants: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VARIANT_COLUMNS))
    #: models a source fitted on the way, kept with the grade run (graders.results.run_flags_store),
    #: e.g. "practical": (graders.engine.fairness.FairResult or None, reason or None)
    fits: dict = field(default_factory=dict)


def empty_result() -> SourceResult:
    return SourceResult(pd.DataFrame(columns=COMPONENT_COLUMNS),
                        pd.DataFrame(columns=COMPETENCY_COLUMNS))


@dataclass(frozen=True)
class CycleInfo:
    id: int
    name: str
    opens_on: date
    closes_on: date

    @property
    def months(self) -> list[str]:
        """YYYY-MM of every month the cycle touches."""
        out, y, m = [], self.opens_on.year, self.opens_on.month
        while date(y, m, 1) <= self.closes_on:
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


@dataclass
class SourceFrames:
    """Everything a source's aggregation may read: raw frames, no session."""

    source: str
    #: EVIDENCE_COLUMNS of the cycle's current (not superseded) batches of this source
    evidence: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EVIDENCE_COLUMNS))
    #: the cycle's current batches (every source's: rows of one source may arrive in another's
    #: batch, e.g. self reviews in a peer review file), newest first: (id, source, config)
    batches: list[tuple[int, str, dict | None]] = field(default_factory=list)
    #: ROSTER_COLUMNS, everyone (active or not)
    roster: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ROSTER_COLUMNS))
    cycle: CycleInfo | None = None
    #: whom the grade is for (None: everyone with evidence)
    employee_ids: list[str] | None = None
    #: frames of the source's own (e.g. tickets, team data)
    extra: dict[str, Any] = field(default_factory=dict)
    #: frames a loader left for the sources after it in the same collect (one dict for all)
    shared: dict[str, Any] = field(default_factory=dict)

    def config(self, key: str, model, rows: pd.DataFrame | None = None):
        """The `key` part of the newest batch config among the batches of `rows` (default: the
        evidence), as `model`; None when there is none (graders.importing.latest_config)."""
        rows = self.evidence if rows is None else rows
        if rows is None or len(rows) == 0:
            return None
        used = {int(b) for b in rows["batch_id"]}
        for bid, _source, cfg in self.batches:
            if bid in used and cfg and key in cfg:
                return model.model_validate(cfg[key])
        return None

    def own_batches(self) -> list[tuple[int, dict | None]]:
        """The current batches of this source, newest first: (id, config)."""
        return [(bid, cfg) for bid, src, cfg in self.batches if src == self.source]

    def team_ids(self) -> dict[str, object]:
        return dict(zip(self.roster["employee_id"], self.roster["team_id"]))

    def team_names(self) -> dict[str, object]:
        return dict(zip(self.roster["employee_id"], self.roster["team"]))


#: "module:attribute" or the object itself
Ref = Any


def resolve(ref: Ref):
    """A function named "module:attribute" (imported on first use), or `ref` itself."""
    if not isinstance(ref, str):
        return ref
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class EvidenceSource:
    """One evidence source: what it reads, how it parses, loads and aggregates.

    `load(session, frames) -> SourceFrames` gets the frames every source shares (roster, cycle,
    batches) and adds its own; `aggregate(frames) -> SourceResult` is pure.
    """

    name: str
    #: the components it scores (default: its name)
    components: tuple[str, ...] = ()
    #: the definition file(s) it reads, relative to the home's assessments folder
    definition: str | None = None
    #: file -> evidence records; raises ProblemsError naming file, row and column
    parse: Ref | None = None
    load: Ref = "graders.sources.load:evidence_frames"
    aggregate: Ref = "graders.sources:plain"
    #: its rows arrive as evidence batches (graders.evidence.new_batch)
    batches: bool = True
    #: sources whose loaded frames its loader reuses (`SourceFrames.shared`): collected after
    #: them, in the same process when sources are collected in parallel
    reuses: tuple[str, ...] = ()

    @property
    def scores(self) -> tuple[str, ...]:
        return self.components or (self.name,)

    def run(self, frames: SourceFrames) -> SourceResult:
        return resolve(self.aggregate)(frames)


_M = "graders.managers.store"
#: THE registry: every evidence source, once, in the order the engine collects them (and the
#: order of the components in results)
SOURCES: list[EvidenceSource] = [
    EvidenceSource("theory", components=("theory",), definition="source/*/",
                   parse="graders.exam.lifecycle:gradebook_rows"),
    EvidenceSource("practical", definition="rubrics/*.yaml, practical.yaml",
                   parse="graders.sources.practical:parse_sheet",
                   aggregate="graders.engine.practical_fair:aggregate_frames"),
    EvidenceSource("peer", definition="reviews/review_form.yaml",
                   parse="graders.sources.reviews:parse_sheet", aggregate="graders.sources.reviews:peer_frames"),
    EvidenceSource("supervisor", definition="reviews/review_form.yaml, plans/work_plan.yaml",
                   parse="graders.sources.reviews:parse_sheet",
                   aggregate="graders.sources.work_plans:supervisor_frames"),
    EvidenceSource("self", definition="reviews/review_form.yaml",
                   parse="graders.sources.reviews:parse_sheet", aggregate="graders.sources.reviews:self_frames"),
    EvidenceSource("customer", definition="surveys/customer_survey.yaml",
                   parse="graders.sources.surveys:parse_responses",
                   load="graders.sources.surveys:load_frames", aggregate="graders.sources.surveys:aggregate_frames"),
    EvidenceSource("key_behaviour", definition="behaviours/key_behaviours.yaml",
                   parse="graders.sources.behaviour:parse_sheet",
                   aggregate="graders.sources.behaviour:aggregate_frames"),
    EvidenceSource("operations", definition="operations.yaml", batches=False,
                   parse="graders.tickets:parse_tickets",
                   load="graders.sources.operations:load_frames",
                   aggregate="graders.sources.operations:aggregate_frames"),
    EvidenceSource("upward", definition="reviews/review_form.yaml", batches=False,
                   parse="graders.sources.reviews:parse_sheet", aggregate="graders.sources.reviews:upward_frames"),
    EvidenceSource("management", components=("goals", *_MANAGEMENT_INDICATORS), batches=False,
                   definition="schemes/*.yaml", load=f"{_M}:load_frames",
                   aggregate=f"{_M}:aggregate_frames", reuses=("customer",)),
]


class _Names(Sequence):
    """A live, read-only view of names from the registry (so a registered source counts)."""

    def __init__(self, names: Callable[[], list[str]]):
        self._names = names

    def __getitem__(self, i):
        return tuple(self._names())[i]

    def __len__(self) -> int:
        return len(self._names())

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __contains__(self, x) -> bool:
        return x in self._names()

    def __repr__(self) -> str:
        return repr(tuple(self._names()))


def _component_names() -> list[str]:
    return [c for s in SOURCES for c in s.scores]


#: every component a role scheme may weigh (the order of result columns)
COMPONENTS: Sequence[str] = _Names(_component_names)
#: the sources whose rows are stored as evidence batches (graders.evidence.new_batch)
BATCH_SOURCES: Sequence[str] = _Names(lambda: [s.name for s in SOURCES if s.batches])


def source(name: str) -> EvidenceSource:
    for s in SOURCES:
        if s.name == name:
            return s
    raise KeyError(f"unknown evidence source {name!r}")


@contextmanager
def registered(*added: EvidenceSource) -> Iterator[None]:
    """Sources added to the registry for the duration of a block (a plug-in, a test)."""
    known = {s.name for s in SOURCES} | set(COMPONENTS)
    for s in added:
        if s.name in known or set(s.scores) & known:
            raise ValueError(f"evidence source {s.name!r} or its components already registered")
    SOURCES.extend(added)
    try:
        yield
    finally:
        for s in added:
            SOURCES.remove(s)


#: id(frame) -> (weak reference to it, its length, {what: derived frame}): see `derived`
_DERIVED: dict[int, tuple[weakref.ref, int, dict[str, pd.DataFrame]]] = {}


def derived(ev: pd.DataFrame, what: str, compute: Callable[[pd.DataFrame], pd.DataFrame]
            ) -> pd.DataFrame:
    """`compute(ev)`, computed once per evidence frame and kept while the frame lives: a
    source's aggregation asks for the same parsed details or ratings of one frame several times
    (the practical source six times). Each caller gets its own copy, so changing it changes
    nothing kept. The evidence frames handed to the aggregations are never changed in place."""
    key = id(ev)
    entry = _DERIVED.get(key)
    if entry is None or entry[0]() is not ev or entry[1] != len(ev):
        entry = (weakref.ref(ev, lambda _r, key=key: _DERIVED.pop(key, None)), len(ev), {})
        _DERIVED[key] = entry
    kept = entry[2]
    if what not in kept:
        kept[what] = compute(ev)
    return kept[what].copy()


def details_frame(ev: pd.DataFrame) -> pd.DataFrame:
    """The `details` of evidence rows as columns (position-aligned with `ev`, RangeIndex); they
    come as JSON text from `evidence_frame` or as dicts from a caller's own frame. Parsed once
    per frame (`derived`)."""
    return derived(ev, "details", _parse_details)


def _parse_details(ev: pd.DataFrame) -> pd.DataFrame:
    values = ev["details"].tolist()
    if not values:
        return pd.DataFrame()
    if all(isinstance(v, str) for v in values):
        dicts = json_texts(values)
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
        return empty_result()
    comp = _plain_scores(ev, ["employee_id"])
    comp["component"], comp["status"], comp["note"] = source, "ok", ""
    by_c = _plain_scores(ev.dropna(subset=["competency"]), ["employee_id", "competency"])
    by_c["component"] = source
    return SourceResult(comp[COMPONENT_COLUMNS], by_c[COMPETENCY_COLUMNS])


def plain(frames: SourceFrames) -> SourceResult:
    """The default aggregation: plain_average of the source's evidence."""
    return plain_average(frames.evidence, frames.source)

