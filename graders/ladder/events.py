"""Pure helpers shared by the ladder's event domains (violations, coaching, promotion cases):
an event's data, a day read back from storage, and who stands above a person in the roster."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd


def event_data(v) -> dict:
    """An event's `data` as stored: a JSON text (SQLite) or a dict (PostgreSQL JSON)."""
    if isinstance(v, str):
        return json.loads(v)
    return dict(v or {})


def event_day(v) -> date | None:
    """A date as it comes back from a frame or JSON: a date, an ISO text, None or NaN."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


def line_above(people: pd.DataFrame, employee_id: str) -> set[str]:
    """Everyone above a person in the roster: their supervisor chain and their team's manager
    (`people`: employee_id, supervisor_id, team_manager_id); never the person themself."""
    sup = dict(zip(people["employee_id"], people["supervisor_id"]))
    out, cur = set(), sup.get(employee_id)
    while cur and cur not in out:
        out.add(cur)
        cur = sup.get(cur)
    row = people[people["employee_id"] == employee_id]
    if len(row) and row.iloc[0]["team_manager_id"]:
        out.add(row.iloc[0]["team_manager_id"])
    out.discard(employee_id)
    return out
