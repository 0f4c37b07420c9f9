"""The database shell around the scoring engine: load a cycle's inputs, store and read results
with their provenance, overrides and audit trail. The engine itself (graders.engine.grading) is pure.

Every read is one query per table (never one per person) and every write one bulk insert.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import JSON, Text, cast, delete, func, insert, select, update
from sqlalchemy.orm import Session

from core.cycles import Cycle, get_cycle
from core.db import utcnow
from core.errors import AcademyError
from core.rows import frame as rows_frame
from core.rows import insert_frame, json_texts
from graders.engine import grading as g
from graders.engine.course_catalog import module_catalog
from graders.engine.schemes import Scheme, home_schemes, load_schemes
from graders.evidence import EvidenceBatch
from graders.ladder.violations_store import cycle_penalties
from graders.results.cycle_lock import lock_cycle
from graders.results.models import (
    GradeAudit,
    GradeCompetency,
    GradeComponent,
    GradeOutcome,
    GradeOverride,
    GradePublication,
    GradeResult,
    GradeRun,
)
from graders.results.publishing import PUBLISHED, assert_cycle_writable
from graders.results.run_flags_store import has_flags_record, write_run_extras
from graders.sources.load import collect
from roster.models import Role, Staff, Team

NOT_GRADED = "not_graded"


def roster_frame(session: Session) -> pd.DataFrame:
    """Active staff with team and role family: DataFrame[employee_id, name, team, role_code, family]."""
    q = (select(Staff.employee_id, Staff.name, Team.name, Staff.role_code, Role.family)
         .join(Team, Staff.team_id == Team.id).join(Role, Staff.role_code == Role.code)
         .where(Staff.active.is_(True)).order_by(Staff.employee_id))
    return rows_frame(session.execute(q), g.ROSTER_COLUMNS)


def history_frame(session: Session, cycle: Cycle, depth: int = 11) -> pd.DataFrame:
    """Bands of the published results of the `depth` cycles before `cycle` (back = 1, 2, ...)."""

    prior = list(session.scalars(select(Cycle).where(Cycle.opens_on < cycle.opens_on)
                                 .order_by(Cycle.opens_on.desc()).limit(depth)))
    if not prior:
        return pd.DataFrame(columns=g.HISTORY_COLUMNS)
    back = {c.id: i + 1 for i, c in enumerate(prior)}
    q = (select(GradeResult.cycle_id, GradeResult.employee_id, GradeResult.band)
         .join(GradePublication, GradePublication.run_id == GradeResult.run_id)
         .where(GradePublication.state == PUBLISHED, GradeResult.cycle_id.in_(list(back))))
    h = rows_frame(session.execute(q), ["cycle_id", "employee_id", "band"])
    h["back"] = h["cycle_id"].map(back)
    return h[g.HISTORY_COLUMNS]


def load_inputs(session: Session, cycle: Cycle, catalog: pd.DataFrame | None = None,
                depth: int = 11, reference_pay: pd.Series | None = None,
                workers: int = 1) -> g.GradeInputs:
    """Everything the engine needs for a cycle, read with one query per table (the evidence
    sources in up to `workers` processes: graders.sources.load.collect)."""

    roster = roster_frame(session)
    src = collect(session, cycle.id, list(roster["employee_id"]), workers=workers)
    return g.GradeInputs(
        roster=roster, components=src.components, competencies=src.competencies,
        flags=src.flags, closes_on=cycle.closes_on, history=history_frame(session, cycle, depth),
        catalog=module_catalog() if catalog is None else catalog, reference_pay=reference_pay,
        variants=src.variants, penalties=cycle_penalties(session, cycle), fits=src.fits)


def current_run(session: Session, cycle_id: int) -> GradeRun | None:
    return session.scalar(select(GradeRun).where(GradeRun.cycle_id == cycle_id,
                                                 GradeRun.current.is_(True)))


def overrides_frame(session: Session, cycle_id: int) -> pd.DataFrame:
    q = (select(GradeOverride.employee_id, GradeOverride.field, GradeOverride.value)
         .where(GradeOverride.cycle_id == cycle_id, GradeOverride.active.is_(True))
         .order_by(GradeOverride.id))
    return rows_frame(session.execute(q), ["employee_id", "field", "value"])


def _records(frame: pd.DataFrame, **extra) -> list[dict]:
    f = frame.astype(object).where(frame.notna(), None)
    for k, v in extra.items():
        f[k] = v
    return f.to_dict("records")


def _frame(session: Session, model, columns: list[str], run_id: int, *where) -> pd.DataFrame:
    json_columns = [c for c in columns if isinstance(getattr(model, c).type, JSON)]
    q = (select(*[cast(getattr(model, c), Text) if c in json_columns else getattr(model, c)
                  for c in columns]).where(model.run_id == run_id, *where)
         .order_by(model.id))  # as written, whichever index finds the rows
    f = rows_frame(session.execute(q), columns)
    for c in json_columns:
        f[c] = pd.Series(json_texts(f[c].tolist()), index=f.index, dtype=object)
    return f


def _write_detail(session: Session, run: GradeRun, result: g.GradeResult) -> None:
    """Replace the detail rows of `run` with `result`."""
    for model in (GradeResult, GradeComponent, GradeCompetency, GradeOutcome):
        session.execute(delete(model).where(model.run_id == run.id))
    # plain tuples through the driver (core.rows.insert_frame): a large company's run is over a
    # million rows, which SQLAlchemy's insert of dicts took twice as long to write
    insert_frame(session, GradeResult, result.results, run_id=run.id, cycle_id=run.cycle_id)
    insert_frame(session, GradeComponent, result.components, run_id=run.id)
    insert_frame(session, GradeCompetency, result.competencies, run_id=run.id)
    outcomes = pd.concat([
        result.awards.rename(columns={}).assign(competency=None, modules=None, due_on=None,
                                                team_mean=None),
        result.actions.assign(family=None, competency=None, score=None, rank=None, modules=None,
                              team_mean=None),
        result.training.assign(kind=g.TRAINING, family=None, rank=None),
        result.excluded.assign(kind=NOT_GRADED, competency=None, score=None, rank=None,
                               modules=None, due_on=None, team_mean=None)
        .drop(columns=["name"]),
    ], ignore_index=True)
    cols = ["kind", "employee_id", "team", "family", "competency", "score", "team_mean", "rank",
            "modules", "due_on", "reason"]
    insert_frame(session, GradeOutcome, outcomes[cols], run_id=run.id)
    session.flush()


def _scheme_record(schemes: dict[str, Scheme]) -> dict:
    return {fam: s.model_dump(mode="json") for fam, s in schemes.items()}


@dataclass
class GradeReport:
    cycle: str
    run_id: int | None
    result: g.GradeResult
    inputs_sha256: str
    results_sha256: str
    dry_run: bool
    unchanged: bool = False
    diff: pd.DataFrame | None = None
    #: the cycle's evidence flags as collected for this grade (the dashboards keep them)
    flags: pd.DataFrame | None = None


def stored_result(session: Session, cycle_id: int, teams: list[str] | None = None,
                  people: list[str] | None = None) -> g.GradeResult | None:
    """The cycle's current results, read back from the database (None if never graded); with
    `teams`, only the rows of those teams' people (and those teams' outcomes), read through the
    indexes of migration 0013 (a dashboard page reads what its viewer may see, not the company);
    with `people` (a few employee ids), only those people's own rows (a trainee's page)."""
    run = current_run(session, cycle_id)
    if run is None:
        return None
    res_w, comp_w, prof_w, out_w = (), (), (), ()
    if people is not None:
        people = list(people)
        res_w = (GradeResult.employee_id.in_(people),)
        comp_w = (GradeComponent.employee_id.in_(people),)
        prof_w = (GradeCompetency.employee_id.in_(people),)
        out_w = (GradeOutcome.employee_id.in_(people),)
    if teams is not None and people is None:
        teams = list(teams)
        people = select(GradeResult.employee_id).where(GradeResult.run_id == run.id,
                                                       GradeResult.team.in_(teams))
        res_w = (GradeResult.team.in_(teams),)
        comp_w = (GradeComponent.employee_id.in_(people),)
        prof_w = (GradeCompetency.employee_id.in_(people),)
        out_w = (GradeOutcome.employee_id.in_(people) | GradeOutcome.team.in_(teams),)
    res = _frame(session, GradeResult, g.RESULT_COLUMNS, run.id, *res_w).sort_values(
        "employee_id", kind="stable").reset_index(drop=True)
    for c in ("rank_team", "rank_company"):
        res[c] = res[c].astype("Int64")
    out = _frame(session, GradeOutcome, ["kind", "employee_id", "team", "family", "competency",
                                         "score", "team_mean", "rank", "modules", "due_on",
                                         "reason"], run.id, *out_w)
    out["rank"] = out["rank"].astype("Int64")
    awards = out[out["kind"].isin([g.INDIVIDUAL_AWARD, g.TEAM_AWARD])][g.AWARD_COLUMNS]
    actions = out[out["kind"].isin([g.PROMOTION, g.CORRECTIVE])][g.ACTION_COLUMNS]
    training = out[out["kind"] == g.TRAINING][g.PLAN_COLUMNS]
    excluded = out[out["kind"] == NOT_GRADED].assign(name="")[g.EXCLUDED_COLUMNS]
    return g.GradeResult(
        results=res,
        components=_frame(session, GradeComponent, g.DETAIL_COLUMNS, run.id, *comp_w),
        competencies=_frame(session, GradeCompetency, g.PROFILE_COLUMNS, run.id, *prof_w),
        awards=awards.reset_index(drop=True), actions=actions.reset_index(drop=True),
        training=training.reset_index(drop=True),
        checks=pd.DataFrame(run.checks, columns=g.CHECK_COLUMNS), excluded=excluded)


def profile_means(session: Session, run_id: int) -> pd.Series:
    """competency -> mean score over everyone in a run (an aggregate, one grouped query)."""
    q = (select(GradeCompetency.competency, func.avg(GradeCompetency.score))
         .where(GradeCompetency.run_id == run_id).group_by(GradeCompetency.competency)
         .order_by(GradeCompetency.competency))
    rows = session.execute(q).all()
    return pd.Series([float(v) if v is not None else np.nan for _c, v in rows],
                     index=pd.Index([c for c, _v in rows], name="competency"), name="score",
                     dtype=float)


def run_schemes(run: GradeRun) -> dict[str, Scheme]:
    """The exact schemes a run was computed with (stored whole with the run)."""
    return {fam: Scheme.model_validate(d) for fam, d in run.schemes.items()}


def _fingerprints(inputs: g.GradeInputs, result: g.GradeResult, workers: int):
    """A function giving (inputs sha256, results sha256). For a large company graded with
    `workers` > 1 they are computed in a forked process from now on (core.forked), beside the
    caller's reading of the previous results and writing of the new ones; otherwise when asked."""
    from core.forked import Forked
    from graders.sources.load import parallel_worth

    def both() -> tuple[str, str]:
        return inputs.sha256(), result.sha256()

    if not parallel_worth(len(inputs.roster), workers):
        return both
    return Forked(both, "fingerprints").result


def grade_cycle(session: Session, cycle_name: str, schemes: dict[str, Scheme], by: str,
                dry_run: bool = False, catalog: pd.DataFrame | None = None,
                reference_pay: pd.Series | None = None, workers: int = 1) -> GradeReport:
    """Compute a cycle's grades and (unless `dry_run`) store them as its current results.

    A published cycle is refused unless this is a dry run (a what-if that touches nothing); the
    report's `diff` then says who would change band or award compared with the stored results.

    `workers` > 1 collects the evidence sources in that many processes at once, reading what is
    committed: only for a session that has written nothing but the cycle's lock (`academy
    grade`'s own transaction).
    """
    cycle = get_cycle(session, cycle_name)
    if not dry_run:
        assert_cycle_writable(session, cycle.id)
    previous = current_run(session, cycle.id)
    if reference_pay is None and previous is not None and previous.reference_pay:
        reference_pay = pd.Series(previous.reference_pay, dtype=float)  # as given last time
    inputs = load_inputs(session, cycle, catalog, reference_pay=reference_pay, workers=workers)
    result = g.grade(inputs, schemes, overrides_frame(session, cycle.id))
    fingerprints = _fingerprints(inputs, result, workers)
    diff = None
    if previous is not None:
        before = stored_result(session, cycle.id)
        diff = g.diff_results(before.results, result.results)
    inputs_sha = results_sha = None
    if dry_run or previous is not None:
        inputs_sha, results_sha = fingerprints()
    report = GradeReport(cycle.name, None, result, inputs_sha, results_sha, dry_run, diff=diff,
                         flags=inputs.flags)
    if dry_run:
        return report
    if previous is not None and previous.results_sha256 == results_sha \
            and previous.schemes == _scheme_record(schemes):
        report.run_id, report.unchanged = previous.id, True
        if previous.inputs_sha256 != inputs_sha or not has_flags_record(session, previous.id):
            # same results from other inputs (or a run stored before flags were kept): the run
            # keeps what this computation used
            write_run_extras(session, previous.id, inputs.flags, inputs.fits)
        return report
    if previous is not None:
        previous.current = False
        for model in (GradeResult, GradeComponent, GradeCompetency, GradeOutcome):
            session.execute(delete(model).where(model.run_id == previous.id))
    batches = list(session.scalars(select(EvidenceBatch.id).where(
        EvidenceBatch.cycle_id == cycle.id, EvidenceBatch.superseded_by.is_(None))
        .order_by(EvidenceBatch.id)))
    res = result.results
    run = GradeRun(cycle_id=cycle.id, computed_at=utcnow(), computed_by=by,
                   schemes=_scheme_record(schemes), inputs_sha256=inputs_sha or "",
                   results_sha256=results_sha or "", evidence_batches=batches,
                   graded=int((res["status"] == g.COMPLETE).sum()),
                   incomplete=int((res["status"] == g.INCOMPLETE).sum()),
                   excluded=len(result.excluded),
                   checks=_records(result.checks), current=True,
                   reference_pay=None if reference_pay is None
                   else reference_pay.rename(index=str).astype(float).to_dict())
    session.add(run)
    session.flush()
    _write_detail(session, run, result)
    write_run_extras(session, run.id, inputs.flags, inputs.fits)  # same transaction as the run
    if inputs_sha is None:  # computed beside the writing of the rows (`_fingerprints`)
        inputs_sha, results_sha = fingerprints()
        run.inputs_sha256, run.results_sha256 = inputs_sha, results_sha
        report.inputs_sha256, report.results_sha256 = inputs_sha, results_sha
    versions = ", ".join(f"{s.scheme} {s.version} ({s.sha256[:12]})" for s in schemes.values())
    session.add(GradeAudit(cycle_id=cycle.id, action="grade", field="run",
                           before=f"#{previous.id}" if previous else None, after=f"#{run.id}",
                           reason=f"schemes {versions}; inputs {inputs_sha[:12]}; results "
                                  f"{results_sha[:12]}", by=by, at=utcnow()))
    session.flush()
    report.run_id = run.id
    return report


def override(session: Session, cycle_name: str, employee_id: str, field: str, value: str,
             reason: str, by: str) -> pd.DataFrame:
    """Override one person's final score or band, with a reason; everything that follows from the
    grades (bands, ranks, awards, pay, plans) is re-derived from the stored scores. Allowed on a
    published cycle too: an override is an explicit, audited change. Returns who changed band or
    award as a consequence."""
    cycle = get_cycle(session, cycle_name)
    lock_cycle(session, cycle.id)  # serialised with publish, reopen and grading
    if field not in g.OVERRIDE_FIELDS:
        raise AcademyError(f"can override {' or '.join(g.OVERRIDE_FIELDS)}, not {field!r}")
    if not reason or not reason.strip():
        raise AcademyError("an override needs a reason (--reason)")
    run = current_run(session, cycle.id)
    if run is None:
        raise AcademyError(f"cycle {cycle.name} has no grades yet: run `academy grade {cycle.name}`")
    before = stored_result(session, cycle.id)
    person = before.results[before.results["employee_id"] == employee_id]
    if person.empty:
        raise AcademyError(f"{employee_id} has no result in cycle {cycle.name}")
    schemes = run_schemes(run)
    scheme = schemes[person["family"].iloc[0]]
    if field == "final_score":
        try:
            number = float(value)
        except ValueError:
            raise AcademyError(f"a final score is a number from 0 to 100, not {value!r}") from None
        if not 0 <= number <= 100:
            raise AcademyError(f"a final score is a number from 0 to 100, not {value!r}")
        value = f"{number:.2f}"
    elif value not in [b.code for b in scheme.bands]:
        raise AcademyError(f"band {value!r} is not in scheme {scheme.scheme} "
                           f"(bands: {', '.join(b.code for b in scheme.bands)})")
    old = person.iloc[0]
    old_value = old["final_score"] if field == "final_score" else old["band"]
    now = utcnow()
    session.add(GradeOverride(cycle_id=cycle.id, employee_id=employee_id, field=field, value=value,
                              reason=reason.strip(), entered_by=by, entered_at=now, active=True))
    session.flush()
    after = rederive(session, cycle, run, schemes)
    new = after.results[after.results["employee_id"] == employee_id].iloc[0]
    new_value = new["final_score"] if field == "final_score" else new["band"]
    session.add(GradeAudit(cycle_id=cycle.id, employee_id=employee_id, action="override",
                           field=field, before=_text(old_value), after=_text(new_value),
                           reason=reason.strip(), by=by, at=now))
    return _audit_consequences(session, cycle, employee_id, before, after, reason, by, now)


def _audit_consequences(session: Session, cycle: Cycle, employee_id: str, before: g.GradeResult,
                        after: g.GradeResult, reason: str, by: str, now) -> pd.DataFrame:
    """Record everyone else whose band or award changed because of a change to one person."""
    diff = g.diff_results(before.results, after.results)
    consequences = diff[diff["employee_id"] != employee_id]
    if len(consequences):
        session.execute(insert(GradeAudit), [
            {"cycle_id": cycle.id, "employee_id": d["employee_id"], "action": "override",
             "field": d["change"], "before": f"{d['before_band']} award={d['before_award']}",
             "after": f"{d['after_band']} award={d['after_award']}",
             "reason": f"consequence of the override of {employee_id}: {reason.strip()}",
             "by": by, "at": now} for d in consequences.to_dict("records")])
    session.flush()
    return diff


def clear_overrides(session: Session, cycle_name: str, employee_id: str, reason: str,
                    by: str) -> pd.DataFrame:
    """Withdraw every standing override of one person (recorded with the reason): the computed
    score and its band apply again, and what follows is re-derived."""
    cycle = get_cycle(session, cycle_name)
    lock_cycle(session, cycle.id)
    if not reason or not reason.strip():
        raise AcademyError("clearing an override needs a reason (--reason)")
    run = current_run(session, cycle.id)
    active = list(session.scalars(select(GradeOverride).where(
        GradeOverride.cycle_id == cycle.id, GradeOverride.employee_id == employee_id,
        GradeOverride.active.is_(True))))
    if run is None or not active:
        raise AcademyError(f"{employee_id} has no override in cycle {cycle.name}")
    before = stored_result(session, cycle.id)
    old = before.results.set_index("employee_id").loc[employee_id]
    for o in active:
        o.active = False
    session.flush()
    after = rederive(session, cycle, run, run_schemes(run))
    new = after.results.set_index("employee_id").loc[employee_id]
    now = utcnow()
    session.add(GradeAudit(cycle_id=cycle.id, employee_id=employee_id, action="override",
                           field="cleared",
                           before=f"{_text(old['final_score'])} {old['band']}",
                           after=f"{_text(new['final_score'])} {new['band']}",
                           reason=reason.strip(), by=by, at=now))
    return _audit_consequences(session, cycle, employee_id, before, after, reason, by, now)


def _text(v) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return f"{v:.2f}" if isinstance(v, float) else str(v)


def rederive(session: Session, cycle: Cycle, run: GradeRun,
             schemes: dict[str, Scheme]) -> g.GradeResult:
    """Re-derive bands, ranks, awards, pay and plans of a run from its stored scores with the
    cycle's standing overrides (no evidence is re-read: the scores stay as computed)."""
    cols = ["employee_id", "name", "team", "role_code", "family", "scheme", "scheme_version",
            "computed_score", "weight_present", "missing", "insufficient", "critical_flags",
            "reference_pay"]
    scored = _frame(session, GradeResult, cols, run.id).sort_values("employee_id", kind="stable")
    scored = g.apply_overrides(scored.reset_index(drop=True), overrides_frame(session, cycle.id))
    detail = _frame(session, GradeComponent, g.DETAIL_COLUMNS, run.id)
    profile = _frame(session, GradeCompetency, g.PROFILE_COLUMNS, run.id)
    excluded = stored_result(session, cycle.id).excluded

    pay = scored.set_index("employee_id")["reference_pay"].dropna()
    scored = scored.drop(columns=["reference_pay"])
    inputs = g.GradeInputs(roster=pd.DataFrame(columns=g.ROSTER_COLUMNS),
                           components=pd.DataFrame(), competencies=pd.DataFrame(),
                           closes_on=cycle.closes_on, history=history_frame(session, cycle),
                           catalog=module_catalog(), reference_pay=pay.astype(float))
    result = g.consequences(scored, detail, profile, excluded, inputs, schemes)
    _write_detail(session, run, result)
    session.execute(update(GradeRun).where(GradeRun.id == run.id).values(
        results_sha256=result.sha256(), checks=_records(result.checks)))
    session.flush()
    return result


def audit_trail(session: Session, cycle_name: str, employee_id: str | None = None) -> list[GradeAudit]:
    """Every recorded change of a cycle's grades (optionally of one person), oldest first."""
    cycle = get_cycle(session, cycle_name)
    q = select(GradeAudit).where(GradeAudit.cycle_id == cycle.id).order_by(GradeAudit.id)
    if employee_id is not None:
        q = q.where(GradeAudit.employee_id == employee_id)
    return list(session.scalars(q))


def what_if_inputs(session: Session, cycle_name: str, home=None,
                   schemes: dict[str, Scheme] | None = None):
    """What a live what-if needs: (inputs, schemes, baseline results). The baseline is the
    cycle's stored (e.g. published) results, or an empty frame if it was never graded; the
    schemes are the home's (or those given). Pass them to `graders.engine.grading.what_if`."""

    cycle = get_cycle(session, cycle_name)
    if schemes is None:
        schemes = home_schemes(home) if home is not None else load_schemes()
    inputs = load_inputs(session, cycle)
    stored = stored_result(session, cycle.id)
    baseline = stored.results if stored is not None else pd.DataFrame(columns=g.RESULT_COLUMNS)
    return inputs, schemes, baseline
