"""The database shell of the penalty ladder (graders.ladder.violations): record violations and their
steps as events, read them back folded. Each recorded step carries the catalogue and ladder in
force (`violations.yaml`) so a violation's level can always be re-derived from the log alone."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from core.errors import AcademyError
from graders.ladder import store
from graders.ladder import violations as vio


def ladder_config(session: Session) -> vio.ViolationsConfig:
    """The ladder in force: the one the latest recorded step carried, else the shipped one."""
    ev = store.events(session, vio.DOMAIN)
    withcfg = [d for d in ev["data"].tolist()[::-1] if isinstance(d, dict) and d.get("ladder")]
    if withcfg:
        return vio.ViolationsConfig.model_validate(withcfg[0]["ladder"])
    return vio.load_violations_config()


def all_violations(session: Session, employee_ids: list[str] | None = None) -> pd.DataFrame:
    """Every violation folded from its events (optionally only these people's)."""
    cfg = ladder_config(session)
    ev = store.events(session, vio.DOMAIN)
    out = vio.fold(ev, cfg)
    if employee_ids is not None:
        out = out[out["employee_id"].isin(list(employee_ids))].reset_index(drop=True)
    return out


def get_violation(session: Session, violation_id: str) -> dict:
    v = all_violations(session)
    hit = v[v["violation_id"] == violation_id]
    if hit.empty:
        raise AcademyError(f"no violation {violation_id!r} (see `academy violations list`)")
    return hit.iloc[0].to_dict()


def _evidence_ref(ref: str | None) -> dict:
    if not ref:
        return {}
    p = Path(ref)
    if p.is_file():
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        return {"evidence_ref": str(p), "evidence_sha256": digest}
    return {"evidence_ref": ref}


def record(session: Session, cfg: vio.ViolationsConfig, employee_id: str, vtype: str,
           occurred_on: date, evidence: str, by: str, reason: str | None = None,
           evidence_ref: str | None = None, today: date | None = None) -> str:
    """Record a violation; returns its id (V-n)."""
    store.lock(session, vio.DOMAIN)
    store.active_person(session, employee_id)
    data = {"type": vtype, "occurred_on": occurred_on, "evidence": (evidence or "").strip(),
            **_evidence_ref(evidence_ref)}
    vio.check_step(None, vio.RECORDED, data, cfg, today or date.today())
    vid = store.next_subject(session, vio.DOMAIN, "V")
    store.append(session, vio.DOMAIN, vid, employee_id, vio.RECORDED,
                 {**data, "ladder": cfg.model_dump(mode="json")}, by,
                 reason or f"recorded: {cfg.type_name(vtype)}")
    return vid


def step(session: Session, cfg: vio.ViolationsConfig, violation_id: str, action: str, by: str,
         reason: str, today: date | None = None, **data) -> dict:
    """Record one more step on a violation (correct, void, plan, met, extend, escalate); refused
    when out of order. Returns the violation as it now stands."""
    store.lock(session, vio.DOMAIN)
    today = today or date.today()
    v = get_violation(session, violation_id)
    if action == vio.PLAN_SET and data.get("due_on") is None:
        data["due_on"] = date.fromordinal(today.toordinal() + cfg.corrective.due_days)
    if action == vio.CORRECTED:
        data = {k: val for k, val in data.items() if val is not None}
        if "evidence_ref" in data:
            data.update(_evidence_ref(data["evidence_ref"]))
        if not data:
            raise AcademyError("a correction needs at least one new fact (type, date, evidence)")
    vio.check_step(v, action, data, cfg, today)
    store.append(session, vio.DOMAIN, violation_id, v["employee_id"], action,
                 {**data, "ladder": cfg.model_dump(mode="json")}, by, reason)
    return get_violation(session, violation_id)


def history(session: Session, violation_id: str) -> pd.DataFrame:
    ev = store.events(session, vio.DOMAIN, subject=violation_id)
    if ev.empty:
        raise AcademyError(f"no violation {violation_id!r}")
    return ev


def standing(session: Session, as_of: date, employee_ids: list[str] | None = None) -> pd.DataFrame:
    """Open violations and warning level per person on `as_of` (graders.ladder.violations.standing)."""
    return vio.standing(all_violations(session, employee_ids), ladder_config(session), as_of)


def cycle_penalties(session: Session, cycle) -> pd.DataFrame:
    """The counted violations dated in `cycle` (an core.cycles.Cycle): the grading input."""
    return vio.cycle_penalties(all_violations(session), cycle.opens_on, cycle.closes_on)


def violation_months(session: Session, cycle, months: list[str]) -> pd.DataFrame:
    """employee_id, month of every violation not voided in `months` (YYYY-MM): the management
    scheme's `violation_free` indicator (graders.managers.store.EXTRA_LOADERS)."""
    v = all_violations(session)
    if v.empty:
        return pd.DataFrame(columns=["employee_id", "month"])
    v = v[v["state"] != vio.VOID]
    month = v["occurred_on"].map(lambda d: f"{d.year:04d}-{d.month:02d}")
    out = pd.DataFrame({"employee_id": v["employee_id"], "month": month})
    return out[out["month"].isin(months)].reset_index(drop=True)
