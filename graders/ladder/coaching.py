"""Follow-up of the grades' corrective actions (issue 14): the engine marks everyone in the
lowest band with a coaching plan and a follow-up date (graders.engine.grading, `corrective`); this
module folds the recorded follow-ups into where each (cycle, employee) action stands.

A follow-up is one event of the ladder log (domain `coaching`, subject `CYCLE:EMPLOYEE_ID`):
`met` (closed), `extended` with a new due date (at most MAX_EXTENSIONS times, as violation plans)
or `escalated` (closed: handed up, e.g. to the penalty ladder or HR). Every step carries who, when
and why; nothing is changed or deleted. Pure: DataFrames in, DataFrames out.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from core.errors import AcademyError
from graders.ladder.events import event_data as _data
from graders.ladder.events import event_day as _day
from graders.ladder.events import line_above

DOMAIN = "coaching"
MET, EXTENDED, ESCALATED = "met", "extended", "escalated"
ACTIONS = (MET, EXTENDED, ESCALATED)
#: states: awaiting follow-up (possibly extended), or closed by met / escalated
DUE = "due"
CLOSED_STATES = (MET, ESCALATED)
MAX_EXTENSIONS = 2
#: identities that may record a follow-up for anyone (dashboards.access prefixes)
ANYONE_PREFIXES = ("admin:", "trainer:")

#: a corrective action of a published cycle (coaching_store.corrective_actions)
ACTION_COLUMNS = ["cycle", "employee_id", "name", "team", "due_on", "reason"]
FOLLOWUP_COLUMNS = ["cycle", "employee_id", "name", "team", "first_due", "due_on", "state",
                    "extensions", "last_by", "last_at", "last_why", "steps"]


def subject(cycle: str, employee_id: str) -> str:
    return f"{cycle}:{employee_id}"


def fold(actions: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Every corrective action as its follow-ups make it now (one row per action of `actions`);
    events about actions not in `actions` (e.g. a cycle reopened) are ignored."""
    rows: dict[str, dict] = {}
    for a in actions.itertuples(index=False):
        rows[subject(a.cycle, a.employee_id)] = {
            "cycle": a.cycle, "employee_id": a.employee_id, "name": a.name, "team": a.team,
            "first_due": _day(a.due_on), "due_on": _day(a.due_on), "state": DUE, "extensions": 0,
            "last_by": None, "last_at": None, "last_why": None, "steps": 0}
    ev = events[events["domain"] == DOMAIN] if len(events) else events
    for e in ev.sort_values("id").itertuples(index=False) if len(ev) else []:
        r = rows.get(e.subject)
        if r is None:
            continue
        d = _data(e.data)
        r.update(last_by=e.by, last_at=e.at, last_why=e.reason, steps=r["steps"] + 1)
        if e.action == EXTENDED:
            r.update(due_on=_day(d["due_on"]), extensions=r["extensions"] + 1)
        elif e.action in CLOSED_STATES:
            r["state"] = e.action
    out = pd.DataFrame(list(rows.values()), columns=FOLLOWUP_COLUMNS)
    return out.sort_values(["cycle", "due_on", "employee_id"], kind="stable").reset_index(drop=True)


def check_step(action_row: dict | None, action: str, data: dict, cycle: str,
               employee_id: str) -> None:
    """Refuse a follow-up that does not fit the action's state, with what to do instead."""
    if action not in ACTIONS:
        raise AcademyError(f"unknown follow-up {action!r} (one of: {', '.join(ACTIONS)})")
    if action_row is None:
        raise AcademyError(f"{employee_id} has no corrective action in cycle {cycle} "
                           "(see `academy coaching list`)")
    if action_row["state"] in CLOSED_STATES:
        raise AcademyError(f"the corrective action of {employee_id} in {cycle} was recorded as "
                           f"{action_row['state']} already; nothing more can be recorded on it")
    if action == EXTENDED:
        until = data.get("due_on")
        if until is None:
            raise AcademyError("an extension needs its new due date (--until YYYY-MM-DD)")
        if until <= action_row["due_on"]:
            raise AcademyError(f"the new due date {until} must be after the current one "
                               f"({action_row['due_on']})")
        if action_row["extensions"] >= MAX_EXTENSIONS:
            raise AcademyError(f"the corrective action of {employee_id} in {cycle} was extended "
                               f"{action_row['extensions']} times already (at most "
                               f"{MAX_EXTENSIONS}): record it as met or escalate it")


def check_recorder(by: str, employee_id: str, people: pd.DataFrame) -> None:
    """Only someone above the person in the roster, or an admin/trainer identity, may record."""
    by = str(by or "").strip()
    if by.startswith(ANYONE_PREFIXES):
        return
    if by not in line_above(people, employee_id):
        raise AcademyError(f"{by or 'unknown'} is not above {employee_id} in the roster: only "
                           "their supervisor line, a trainer or an admin may record a follow-up")


def due(followups: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Actions still awaiting follow-up whose (possibly extended) due date has come."""
    f = followups[followups["state"] == DUE]
    return f[f["due_on"].map(lambda d: d is not None and d <= as_of)].reset_index(drop=True)


def apply_to_below(below: pd.DataFrame, followups: pd.DataFrame | None) -> tuple[pd.DataFrame, int]:
    """The attention screen's people below the line (employee_id, ..., due_on) with their
    follow-ups applied: met or escalated ones dropped, an extended one at its new date (and
    `extended` True). Returns the rows and how many were dropped as followed up."""
    below = below.copy()
    below["extended"] = False
    if followups is None or followups.empty:
        return below, 0
    f = followups.drop_duplicates("employee_id", keep="last").set_index("employee_id")
    state = below["employee_id"].map(f["state"])
    closed = state.isin(list(CLOSED_STATES)).to_numpy()
    ext = below["employee_id"].map(f["extensions"]).fillna(0).astype(int).to_numpy() > 0
    new_due = below["employee_id"].map(f["due_on"])
    below.loc[ext, "due_on"] = new_due[ext]
    below.loc[ext, "extended"] = True
    return below[~closed].reset_index(drop=True), int(closed.sum())
