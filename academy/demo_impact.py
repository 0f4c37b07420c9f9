"""The demo's training impact: completions of the service-process course spread over the months
of the ticket export, and tickets of trained staff that show it (fewer repeat calls and reopened
tickets, quicker first responses from the month of completion on), so `academy impact` and the
manager dashboard have something real to find.

`step_completions` runs before the ticket step and leaves `ctx.extras["adjust_tickets"]`, which
the ticket step applies to its export before importing it (academy.demo_operations).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

#: the course the demo trains its serving staff in, and the share of them it trains
COURSE = "service_process"
TRAINED_SHARE = 0.6
#: after completing: share of repeat calls avoided, of reopened tickets avoided, response speed-up
REPEATS_AVOIDED, REOPENS_AVOIDED, RESPONSE_FACTOR = 0.9, 0.9, 0.5


def completion_days(employee_ids: list[str], today: date, seed: int,
                    months_back: int = 5) -> dict[str, date]:
    """A completion day for about TRAINED_SHARE of the people, in the first ten days of one of
    the months from `months_back - 1` months ago up to the previous month (the first month of
    the ticket export stays untrained, so everyone has a month before)."""
    rng = np.random.default_rng(seed * 31 + 7)
    this = pd.Timestamp(today).to_period("M")
    months = [(this - k).to_timestamp() for k in range(months_back - 1, 0, -1)]
    out = {}
    for emp in employee_ids:
        if rng.random() < TRAINED_SHARE:
            start = months[int(rng.integers(0, len(months)))]
            out[emp] = (start + pd.Timedelta(days=int(rng.integers(0, 10)))).date()
    return out


def record_completions(session: Session, days: dict[str, date], seed: int) -> int:
    """Every module of COURSE opened, practised and self-checked by each person on their day."""
    from training.catalog import all_modules
    from training.progress import record_opened, record_practice, record_reaction, record_self_check

    mods = [m for m in all_modules() if m.course_id == COURSE]
    rng = np.random.default_rng(seed * 13 + 5)
    for emp, day in sorted(days.items()):
        when = datetime.combine(day, time(10), tzinfo=UTC)
        for m in mods:
            record_opened(session, emp, COURSE, m.id, now=when)
            ids = list(m.content().practice)
            for pid in ids:
                record_practice(session, emp, COURSE, m.id, pid, ids, now=when)
            record_self_check(session, emp, COURSE, m.id, float(rng.choice([60, 80, 100])),
                              now=when + timedelta(minutes=m.minutes))
            if rng.random() < 0.5:
                record_reaction(session, emp, COURSE, m.id, int(rng.choice([3, 4, 4, 5])),
                                None, now=when + timedelta(minutes=m.minutes))
            when += timedelta(minutes=m.minutes + 10)
    session.flush()
    return len(days)


def trained_tickets(tickets: pd.DataFrame, completed: dict[str, datetime], seed: int
                    ) -> pd.DataFrame:
    """The ticket export as it would look if training worked: tickets of a trained person from
    the moment of completion on are answered sooner, reopened less and followed by fewer repeat
    calls of the same customer (the next call of that customer goes to someone else's record as
    a new customer)."""
    if tickets.empty or not completed:
        return tickets
    rng = np.random.default_rng(seed * 17 + 3)
    t = tickets.sort_values(["employee_id", "reported_at"], kind="stable").copy()
    since = t["employee_id"].map({k: pd.Timestamp(v).tz_localize(None) if pd.Timestamp(v).tzinfo
                                  else pd.Timestamp(v) for k, v in completed.items()})
    after = (since.notna() & (t["reported_at"] >= since)).to_numpy()
    # quicker first responses
    took = t["responded_at"] - t["reported_at"]
    quicker = t["reported_at"] + took * RESPONSE_FACTOR
    t["responded_at"] = t["responded_at"].where(~after, quicker.dt.ceil("min"))
    # fewer reopened tickets
    t["reopened"] = t["reopened"].astype(bool) & ~(after & (rng.random(len(t)) < REOPENS_AVOIDED))
    # fewer repeat calls: the same customer's next call to the same person, within days
    emp, cust = t["employee_id"].to_numpy(), t["customer"].to_numpy().copy()
    for i in np.flatnonzero(after[:-1] & (emp[1:] == emp[:-1]) & (cust[1:] == cust[:-1])):
        if rng.random() < REPEATS_AVOIDED:
            cust[i + 1] = f"{cust[i + 1]}N{i}"
    t["customer"] = cust
    return t.sort_values("reported_at", kind="stable").reset_index(drop=True)


def step_completions(ctx) -> None:
    """academy.demo step: spread completions of COURSE over the months; leave the ticket
    adjustment for the ticket step."""
    from academy.synthetic.tickets import ROLE_CHANNELS
    from graders.sources.operations import staff_frame
    from graders.training_impact.store import completions
    from training.catalog import all_modules
    from training.progress import ModuleProgress

    with Session(ctx.home.engine) as s, s.begin():
        staff = staff_frame(s)
        serving = sorted(staff.loc[staff["role_code"].isin(list(ROLE_CHANNELS)), "employee_id"])
        started = set(s.scalars(select(ModuleProgress.employee_id)
                                .where(ModuleProgress.course == COURSE)))
        days = completion_days([e for e in serving if e not in started], ctx.today, ctx.seed)
        record_completions(s, days, ctx.seed)
        mods = [m.id for m in all_modules() if m.course_id == COURSE]
        done = completions(s, COURSE, mods)
    completed = dict(zip(done["employee_id"], done["completed_at"]))
    ctx.extras["adjust_tickets"] = lambda tickets: trained_tickets(tickets, completed, ctx.seed)
    months = sorted({pd.Timestamp(v).strftime("%Y-%m") for v in completed.values()})
    ctx.notes.append(f"training impact: {len(completed)} people completed {COURSE} "
                     f"({', '.join(months)}); their tickets after completing show it "
                     f"(academy impact {COURSE} --kpi fcr)")
