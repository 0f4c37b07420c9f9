"""The database side of the evidence sources: read raw frames (one query per table), hand them
to each source's pure aggregation (graders.sources SOURCES), and put the results together.

This is the only module of graders.sources that touches a session.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from core.cycles import Cycle
from core.rows import frame as rows_frame
from graders.evidence import Evidence, EvidenceBatch
from graders.sources import (
    COMPETENCY_COLUMNS,
    COMPONENT_COLUMNS,
    COMPONENTS,
    EVIDENCE_COLUMNS,
    FLAG_COLUMNS,
    ROSTER_COLUMNS,
    SOURCES,
    VARIANT_COLUMNS,
    CycleInfo,
    SourceFrames,
    SourceResult,
    resolve,
)
from roster.models import Role, Staff, Team

_FLOATS = ("raw", "max_raw", "score")
#: rows read and turned into columns at a time: keeps a large company's peak memory down
CHUNK_ROWS = 200_000


def evidence_frame(session: Session, cycle_id: int, source: str | None = None) -> pd.DataFrame:
    """Current (not superseded) evidence of a cycle as a DataFrame.

    Read in chunks straight into columns (no ORM objects; `details` stays JSON text until a
    source that needs it calls `details_frame`): a 100,000-staff company has about ten million
    evidence rows, and row objects plus parsed dicts for all of them would not fit in memory.
    """
    q = (select(Evidence.employee_id, Evidence.source, Evidence.rater_id, Evidence.item,
                Evidence.competency, Evidence.raw, Evidence.max_raw, Evidence.score,
                cast(Evidence.details, Text), Evidence.batch_id)
         .where(Evidence.cycle_id == cycle_id, Evidence.batch_id.in_(current_batch_ids())))
    if source is not None:
        q = q.where(Evidence.source == source)
    return raw_frame(session, q, EVIDENCE_COLUMNS, floats=_FLOATS, ints=("batch_id",))


def current_batch_ids():
    """The ids of batches not superseded, as a subquery: `batch_id IN (...)` keeps a row's
    current evidence as a join with the batches would, without a lookup per evidence row (about
    a fifth of reading a large cycle's evidence on SQLite)."""
    return select(EvidenceBatch.id).where(EvidenceBatch.superseded_by.is_(None))


def _texts(col, seen: dict) -> np.ndarray:
    """An object column whose equal texts are one object: the driver makes a new string for
    every value, and a large company's answers repeat a few thousand ids millions of times
    (about 60 bytes each saved per row and column, and hashing them in group-bys is done once
    per distinct text)."""
    try:
        return np.array(list(map(seen.setdefault, col, col)), dtype=object)
    except TypeError:  # a value that cannot be a key (a driver's parsed JSON): kept as it is
        return np.array(col, dtype=object)


def _raw_rows(session: Session, q):
    """The rows of `q` in chunks of CHUNK_ROWS, straight from the driver's cursor: no result
    rows or type processors of SQLAlchemy per value (the columns are converted per column)."""
    result = session.connection().execute(q)
    try:
        while rows := result.cursor.fetchmany(CHUNK_ROWS):
            yield rows
    finally:
        result.close()


def _columns(rows: list[tuple], width: int):
    """The columns of `rows`: one 2-D array built in C (twice as fast as `zip(*rows)`), or
    `zip` when a value is itself a sequence (a driver's parsed JSON)."""
    try:
        table = np.array(rows, dtype=object)
    except ValueError:
        table = None
    if table is None or table.ndim != 2 or table.shape[1] != width:
        return list(zip(*rows))
    return [table[:, j] for j in range(width)]


def raw_frame(session: Session, q, columns: list[str], floats=(), ints=()) -> pd.DataFrame:
    """The rows of `q` as a DataFrame of `columns`, read in chunks from the driver's cursor."""
    parts = []
    seen: dict[str, dict] = {name: {} for name in columns}
    for rows in _raw_rows(session, q):
        cols = _columns(rows, len(columns))
        parts.append(pd.DataFrame({
            name: np.array(col, dtype=float) if name in floats
            else np.array(col, dtype=np.int64) if name in ints
            else _texts(col, seen[name]) for name, col in zip(columns, cols)}))
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def roster_frame(session: Session) -> pd.DataFrame:
    """ROSTER_COLUMNS of everyone on the roster (one query)."""
    q = (select(Staff.employee_id, Staff.team_id, Team.name, Role.family, Staff.active)
         .join(Team, Staff.team_id == Team.id, isouter=True)
         .join(Role, Staff.role_code == Role.code, isouter=True))
    return rows_frame(session.execute(q), ROSTER_COLUMNS)


def current_batches(session: Session, cycle_id: int) -> list[tuple[int, str, dict | None]]:
    """The cycle's current batches, newest first: (id, source, config)."""
    q = (select(EvidenceBatch.id, EvidenceBatch.source, EvidenceBatch.config)
         .where(EvidenceBatch.cycle_id == cycle_id, EvidenceBatch.superseded_by.is_(None))
         .order_by(EvidenceBatch.id.desc()))
    return [tuple(r) for r in session.execute(q)]


def shared_frames(session: Session, cycle_id: int,
                  employee_ids: list[str] | None = None) -> dict[str, SourceFrames]:
    """Per source, the frames every source gets: roster, cycle, its batches."""
    cycle = session.get(Cycle, cycle_id)
    info = None if cycle is None else CycleInfo(cycle.id, cycle.name, cycle.opens_on,
                                                cycle.closes_on)
    roster = roster_frame(session)
    batches = current_batches(session, cycle_id)
    shared: dict = {}
    return {s.name: SourceFrames(s.name, batches=batches, roster=roster,
                                 cycle=info, employee_ids=employee_ids, shared=shared)
            for s in SOURCES}


def evidence_frames(session: Session, frames: SourceFrames) -> SourceFrames:
    """The default loader: the source's current evidence rows of the cycle."""
    if frames.cycle is not None:
        frames.evidence = evidence_frame(session, frames.cycle.id, frames.source)
    return frames


def no_evidence(session: Session, frames: SourceFrames) -> SourceFrames:
    """A loader for sources that read no evidence rows of their own."""
    return frames


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    return pd.concat([f for f in frames if len(f)] or [pd.DataFrame(columns=columns)],
                     ignore_index=True)


def combine(results: list[SourceResult], ids: list[str]) -> SourceResult:
    """Pure: the sources' results as one, with a "missing" row for every component of `ids`
    that no source scored."""
    components = _concat([r.components for r in results], COMPONENT_COLUMNS)
    full = pd.MultiIndex.from_product([ids, list(COMPONENTS)], names=["employee_id", "component"])
    components = (components.set_index(["employee_id", "component"]).reindex(full).reset_index())
    components["status"] = components["status"].fillna("missing")
    components["n"] = components["n"].fillna(0).astype(int)
    components["note"] = components["note"].fillna("")
    components["score"] = components["score"].astype(float)
    competencies = _concat([r.competencies for r in results], COMPETENCY_COLUMNS)
    competencies = competencies[competencies["employee_id"].isin(ids)].reset_index(drop=True)
    flags = _concat([r.flags for r in results], FLAG_COLUMNS)
    variants = _concat([r.variants for r in results], VARIANT_COLUMNS)
    variants = variants[variants["employee_id"].isin(ids)].reset_index(drop=True)
    fits: dict = {}
    for r in results:
        fits.update(r.fits)
    return SourceResult(components[COMPONENT_COLUMNS], competencies[COMPETENCY_COLUMNS], flags,
                        variants[VARIANT_COLUMNS], fits)


#: below this many people on the roster the sources are collected in this process (a fork costs
#: more than it saves for a small company)
PARALLEL_MIN_STAFF = 5_000


def _groups() -> list[list[int]]:
    """Indexes into SOURCES, grouped so that a source sits after the sources it reuses."""
    index = {s.name: i for i, s in enumerate(SOURCES)}
    group_of: dict[int, list[int]] = {}
    groups: list[list[int]] = []
    for i, s in enumerate(SOURCES):
        owners = [group_of[index[r]] for r in s.reuses if r in index]
        if owners:
            g = owners[0]
            for other in owners[1:]:  # two reused sources: one group for all of them
                if other is not g:
                    g.extend(other)
                    groups.remove(other)
                    for j in other:
                        group_of[j] = g
        else:
            g = []
            groups.append(g)
        g.append(i)
        group_of[i] = g
    return groups


def _batch_rows(session: Session, cycle_id: int) -> dict[str, int]:
    q = (select(EvidenceBatch.source, func.sum(EvidenceBatch.rows))
         .where(EvidenceBatch.cycle_id == cycle_id, EvidenceBatch.superseded_by.is_(None))
         .group_by(EvidenceBatch.source))
    return {src: int(n or 0) for src, n in session.execute(q)}


def _collect_group(session: Session, shared: dict[str, SourceFrames], group: list[int]
                   ) -> list[tuple[int, SourceResult, set]]:
    out = []
    for i in group:
        src = SOURCES[i]
        # one source at a time: only its rows are in memory while it is aggregated
        frames = resolve(src.load)(session, shared[src.name])
        ids = set(frames.evidence["employee_id"].unique())
        out.append((i, src.run(frames), ids))
        del frames
    return out


def parallel_worth(staff: int, workers: int) -> bool:
    """Is forking worth it for a grade of `staff` people with `workers` allowed (and possible)?
    The one decision for collecting the sources and hashing the fingerprints."""
    from core.forked import fork_available

    return workers >= 2 and staff >= PARALLEL_MIN_STAFF and fork_available()


def _parallel_url(session: Session, staff: int, workers: int) -> str | None:
    """The database URL children can open, when collecting in parallel is worth it and safe."""
    if not parallel_worth(staff, workers):
        return None
    url = session.get_bind().url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None  # a private in-memory database: nobody else can read it
    return url.render_as_string(hide_password=False)


def collect(session: Session, cycle_id: int, employee_ids: list[str] | None = None,
            workers: int = 1) -> SourceResult:
    """Component scores, competency scores and evidence flags of every trainee in a cycle: each
    source of the registry loaded and aggregated in turn.

    `employee_ids` (default: everyone with evidence) get a "missing" row for every component
    they have no evidence for.

    With `workers` > 1 and a company of at least PARALLEL_MIN_STAFF people, the sources are
    collected in up to `workers` forked processes at once (core.forked), each reading the
    database through its own connection: they see what is COMMITTED, so the caller's transaction
    must hold no evidence it wrote itself (`academy grade`'s holds only the cycle's lock, which
    also keeps every other evidence writer out until it ends). Same results either way.
    """
    shared = shared_frames(session, cycle_id, employee_ids)
    groups = _groups()
    any_frames = next(iter(shared.values()))
    url = _parallel_url(session, len(any_frames.roster), workers)
    if url is None:
        done = [part for g in groups for part in _collect_group(session, shared, g)]
    else:
        from core.db import make_engine
        from core.forked import run_forked

        for src in SOURCES:  # imported once here, not in every child
            resolve(src.load), resolve(src.aggregate)
        rows = _batch_rows(session, cycle_id)
        # the biggest first, so that the last to finish is a small one
        groups.sort(key=lambda g: -sum(rows.get(SOURCES[i].name, 0) for i in g))

        def task(group):
            def run():
                engine = make_engine(url)
                try:
                    with Session(engine) as child:
                        return _collect_group(child, shared, group)
                finally:
                    engine.dispose()
            return run

        parts = run_forked([task(g) for g in groups], workers,
                           names=["+".join(SOURCES[i].name for i in g) for g in groups])
        done = [part for p in parts for part in p]
    done.sort(key=lambda part: part[0])
    results, everyone = [], set()
    for _i, result, ids in done:
        results.append(result)
        everyone.update(ids)
    ids = sorted(set(employee_ids) if employee_ids is not None else everyone)
    return combine(results, ids)
