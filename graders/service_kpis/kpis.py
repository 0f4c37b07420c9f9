"""Operational KPIs from service tickets, per person, team and month (formulas: docs/operations.md).

Everything is computed with pandas column operations over all tickets at once:

* `ticket_facts(tickets, cfg, as_of)` adds to each ticket its clocks (response minutes from the
  repair call, arrival hours from the repair call, fix hours from the start of work, handling hours
  from the repair call to closing), the status of each commitment (met, late, pending or not
  applicable) and first-contact resolution (given, or derived from a reopen or a repeat call by the
  same customer within `repeat_days` of closing);
* `kpis(facts, keys)` aggregates them per group (person and month, team and month ...);
* `breaches(facts)` lists the tickets behind every missed commitment.

A ticket counts in the month of the customer's repair call; throughput counts tickets in the month
they were closed. A commitment met exactly at its limit (30:00) is met.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from graders.service_kpis.config import OperationsConfig

MET, LATE, PENDING, NA = "met", "late", "pending", "n/a"
#: the commitments: (name, clock start, clock stop, target field, unit in seconds)
COMMITMENTS = (
    ("response", "reported_at", "responded_at", "response_minutes", 60),
    ("arrival", "reported_at", "arrived_at", "arrival_hours", 3600),
    ("fix", "started_at", "cleared_at", "fix_hours", 3600),
)
KPI_COLUMNS = [
    "tickets", "closed", "open_at_month_end", "response_met", "response_due", "response_rate",
    "arrival_met", "arrival_due", "arrival_rate", "fix_met", "fix_due", "fix_rate",
    "response_avg_minutes", "response_p90_minutes", "handling_avg_hours", "handling_p90_hours",
    "fcr", "fcr_due", "fcr_rate", "complaints", "complaint_rate", "complaints_resolved",
    "complaint_resolution_rate", "repeats", "repeat_rate", "surveyed", "survey_rate",
]
BREACH_COLUMNS = ["ticket_id", "employee_id", "team", "month", "channel", "customer",
                  "commitment", "status", "reported_at", "clock_start", "clock_stop", "target",
                  "elapsed", "unit"]


def month_end(month: pd.Series) -> pd.Series:
    """The first instant after each YYYY-MM month."""
    codes, uniques = pd.factorize(month)
    ends = (pd.to_datetime([f"{m}-01" for m in uniques]) + pd.offsets.MonthBegin(1))
    return pd.Series(ends.to_numpy(dtype="datetime64[us]")[codes], index=month.index)


def default_as_of(tickets: pd.DataFrame) -> datetime | None:
    """The moment the data describes: the latest time in it (the export's time)."""
    times = [tickets[c].max() for c in ("reported_at", "responded_at", "arrived_at", "started_at",
                                        "cleared_at", "closed_at") if c in tickets]
    times = [t for t in times if not pd.isna(t)]
    return max(times).to_pydatetime() if times else None


def ticket_facts(tickets: pd.DataFrame, cfg: OperationsConfig | None = None,
                 as_of: datetime | None = None, team_of: dict | pd.Series | None = None
                 ) -> pd.DataFrame:
    """Each ticket with its clocks, commitment statuses and first-contact resolution."""
    cfg = cfg or OperationsConfig()
    df = tickets.copy()
    if team_of is not None:
        df["team"] = df["employee_id"].map(team_of)
    elif "team" not in df:
        df["team"] = None
    as_of = pd.Timestamp(as_of or default_as_of(df) or datetime.now())
    closed = df["closed_at"].notna()
    for name, start, stop, target_field, unit in COMMITMENTS:
        target = df["channel"].map({c: getattr(t, target_field)
                                    for c, t in cfg.channels.items()}).astype(float)
        df[f"{name}_target"] = target
        elapsed = (df[stop] - df[start]).dt.total_seconds() / unit
        df[f"{name}_elapsed"] = elapsed
        applies = target.notna() & df[start].notna()
        limit = pd.to_timedelta(target * unit, unit="s")
        happened = df[stop].notna()
        # exact comparison on times: a commitment met at 30:00 sharp is met
        on_time = happened & ((df[stop] - df[start]) <= limit)
        overdue = (~happened) & (~closed) & ((df[start] + limit) < as_of)
        status = np.select([~applies, on_time, happened, overdue, ~happened & ~closed],
                           [NA, MET, LATE, LATE, PENDING], default=NA)
        df[f"{name}_status"] = status
    df["handling_hours"] = (df["closed_at"] - df["reported_at"]).dt.total_seconds() / 3600
    df["month_end"] = month_end(df["month"])
    df["open_at_month_end"] = (~closed) | (df["closed_at"] >= df["month_end"])
    # first-contact resolution: given, else no reopen and no repeat call within the window
    # each ticket's next call by the same customer: sort by (customer code, call time)
    codes = pd.factorize(df["customer"], use_na_sentinel=True)[0]
    calls = df["reported_at"].to_numpy(dtype="datetime64[us]")
    order = np.lexsort((calls, codes))
    c, r = codes[order], calls[order]
    nxt_sorted = np.full(len(df), np.datetime64("NaT"), dtype="datetime64[us]")
    if len(df) > 1:
        same = (c[1:] == c[:-1]) & (c[:-1] >= 0)
        nxt_sorted[:-1] = np.where(same, r[1:], np.datetime64("NaT"))
    nxt = np.empty_like(nxt_sorted)
    nxt[order] = nxt_sorted
    df["next_call"] = pd.Series(nxt, index=df.index)
    window = pd.Timedelta(days=cfg.repeat_days)
    df["repeat_follows"] = (closed & df["next_call"].notna()
                            & ((df["next_call"] - df["closed_at"]) <= window)).astype(bool)
    derived = closed & ~df["reopened"].astype(bool) & ~df["repeat_follows"]
    given = df["fcr_given"]
    df["fcr_known"] = closed | given.notna()
    df["fcr"] = given.where(given.notna(), derived).astype(bool) & df["fcr_known"]
    ym = (df["closed_at"].dt.year * 100 + df["closed_at"].dt.month).fillna(0).astype(int)
    codes, uniques = pd.factorize(ym)
    labels = np.array([f"{u // 100}-{u % 100:02d}" if u else None for u in uniques], dtype=object)
    df["closed_month"] = pd.Series(labels[codes], index=df.index, dtype=object).where(closed, None)
    return df


def _rate(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype(float)


def kpis(facts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The KPI columns per group of `keys` (e.g. ["employee_id", "month"] or ["team", "month"]).

    Throughput (`closed`) counts tickets by the month they were closed, so a "month" key means the
    repair-call month for every other column and the closing month for `closed`.
    """
    if facts.empty:
        return pd.DataFrame(columns=[*keys, *KPI_COLUMNS])
    f = facts
    flags = pd.DataFrame({k: f[k] for k in keys})
    for name, *_ in COMMITMENTS:
        st = f[f"{name}_status"]
        flags[f"{name}_met"] = (st == MET).astype(int)
        flags[f"{name}_due"] = st.isin([MET, LATE]).astype(int)
    flags["tickets"] = 1
    flags["open_at_month_end"] = f["open_at_month_end"].astype(int)
    flags["fcr"] = f["fcr"].astype(int)
    flags["fcr_due"] = f["fcr_known"].astype(int)
    flags["complaints"] = f["complaint"].astype(int)
    resolved = f["complaint_resolved"] == True  # noqa: E712 (None is not resolved)
    flags["complaints_resolved"] = (f["complaint"] & resolved).astype(int)
    flags["repeats"] = f["repeat_follows"].astype(int)
    flags["surveyed"] = f["surveyed"].astype(int)
    resp = f["response_elapsed"].where(f["response_status"].isin([MET, LATE]))
    flags["resp"] = resp * 1.0
    flags["handling"] = f["handling_hours"]
    g = flags.groupby(keys, sort=True, dropna=False)
    counts = [c for c in flags.columns if c not in keys and c not in ("resp", "handling")]
    out = g[counts].sum()
    out["response_avg_minutes"] = g["resp"].mean()
    out["response_p90_minutes"] = g["resp"].quantile(0.9)
    out["handling_avg_hours"] = g["handling"].mean()
    out["handling_p90_hours"] = g["handling"].quantile(0.9)
    # throughput: tickets closed in the month (by the closing month)
    if "month" in keys:
        ck = [k if k != "month" else "closed_month" for k in keys]
        shut = f[f["closed_month"].notna()].groupby(ck, sort=True, dropna=False).size()
        shut.index = shut.index.set_names(keys)
        out = out.join(shut.rename("closed"), how="outer")
        out = out.fillna({c: 0 for c in counts})
    else:
        shut = f["closed_at"].notna().groupby([f[k] for k in keys], dropna=False).sum()
        out["closed"] = shut.reindex(out.index)
    out["closed"] = out["closed"].fillna(0)
    for c in [*counts, "closed"]:
        out[c] = out[c].astype(int)
    for name, *_ in COMMITMENTS:
        out[f"{name}_rate"] = _rate(out[f"{name}_met"], out[f"{name}_due"])
    out["fcr_rate"] = _rate(out["fcr"], out["fcr_due"])
    out["complaint_rate"] = _rate(out["complaints"], out["tickets"])
    out["complaint_resolution_rate"] = _rate(out["complaints_resolved"], out["complaints"])
    out["repeat_rate"] = _rate(out["repeats"], out["fcr_due"])
    out["survey_rate"] = _rate(out["surveyed"], out["tickets"])
    return out.reset_index()[[*keys, *KPI_COLUMNS]]


def breaches(facts: pd.DataFrame) -> pd.DataFrame:
    """One row per missed commitment: the ticket, the clock, the target and the time it took
    (empty when the step has not happened and its deadline has passed)."""
    parts = []
    for name, start, stop, target_field, unit in COMMITMENTS:
        late = facts[facts[f"{name}_status"] == LATE]
        if late.empty:
            continue
        parts.append(pd.DataFrame({
            "ticket_id": late["ticket_id"], "employee_id": late["employee_id"],
            "team": late["team"], "month": late["month"], "channel": late["channel"],
            "customer": late["customer"], "commitment": name,
            "status": np.where(late[stop].notna(), "late", "not yet"),
            "reported_at": late["reported_at"], "clock_start": late[start],
            "clock_stop": late[stop], "target": late[f"{name}_target"],
            "elapsed": late[f"{name}_elapsed"],
            "unit": "minutes" if unit == 60 else "hours"}))
    if not parts:
        return pd.DataFrame(columns=BREACH_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["month", "employee_id", "reported_at", "commitment"],
                           kind="stable").reset_index(drop=True)[BREACH_COLUMNS]


def months_between(first, last) -> list[str]:
    """YYYY-MM of every month from the date `first` to the date `last`, inclusive."""
    return [p.strftime("%Y-%m") for p in pd.period_range(pd.Timestamp(first).to_period("M"),
                                                          pd.Timestamp(last).to_period("M"),
                                                          freq="M")]
