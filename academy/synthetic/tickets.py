"""A believable ticket export for the demo company and the benchmark: same seed, same tickets.

Repair calls come mostly in office hours on weekdays, some in the evening, a few at night and at
weekends (answered more slowly); the hotline answers, remote support opens a session, field
engineers travel and work on site. A few percent of the tickets miss a commitment (a slow answer,
a late arrival, a part that arrives only the next day), some customers call again within days,
and a few complain. Tickets whose steps would lie after `now` are still open. Generated with
numpy, column by column: the benchmark's year for 10,000 staff is about two million tickets.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

#: role -> (channels, their shares); roles not listed serve no tickets (clerks, supervisors ...)
ROLE_CHANNELS = {
    "field_service": (["on_site", "remote"], [0.85, 0.15]),
    "hotline_support": (["hotline"], [1.0]),
    "technical_support": (["remote", "hotline"], [0.6, 0.4]),
}
ZH_CHANNEL = {"hotline": "热线", "remote": "远程", "on_site": "上门"}
ZH_HEADER = {
    "ticket_id": "工单号", "employee_id": "工号", "channel": "服务方式", "customer": "客户编号",
    "reported_at": "报修时间", "responded_at": "首次响应时间", "arrived_at": "到达时间",
    "started_at": "开始维修时间", "cleared_at": "故障排除时间", "closed_at": "关闭时间",
    "reopened": "是否重开", "complaint": "是否投诉", "complaint_resolved": "投诉是否解决",
    "surveyed": "回访",
}
TIMES = ["reported_at", "responded_at", "arrived_at", "started_at", "cleared_at", "closed_at"]


def _minutes(x) -> np.ndarray:
    return (np.asarray(x, dtype=float) * 60_000_000).astype("int64").astype("timedelta64[us]")


def make_tickets(staff: pd.DataFrame, months: list[str], seed: int, now: datetime,
                 per_month: float = 18.0) -> pd.DataFrame:
    """Tickets of `staff` (DataFrame[employee_id, role_code, team]) in `months` (YYYY-MM), about
    `per_month` per serving person and month, none later than `now`."""
    rng = np.random.default_rng(seed)
    serving = staff[staff["role_code"].isin(list(ROLE_CHANNELS))].reset_index(drop=True)
    if serving.empty or not months:
        return pd.DataFrame(columns=["ticket_id", "employee_id", "channel", "customer", *TIMES,
                                     "reopened", "complaint", "complaint_resolved", "surveyed"])
    # a steady ability per person: some are quicker, a few often late
    slowness = rng.lognormal(0.0, 0.35, len(serving))
    counts = rng.poisson(per_month, (len(months), len(serving)))
    month_idx = np.repeat(np.arange(len(months)), counts.sum(axis=1))
    person = np.concatenate([np.repeat(np.arange(len(serving)), c) for c in counts])
    n = len(person)
    starts = pd.to_datetime([m + "-01" for m in months]).to_numpy(dtype="datetime64[us]")
    days_in = pd.to_datetime([m + "-01" for m in months]).days_in_month.to_numpy()
    # the day: weekends half as likely as weekdays
    day = rng.integers(0, days_in[month_idx])
    base = starts[month_idx] + (day * 1440).astype("timedelta64[m]").astype("timedelta64[us]")
    weekday = pd.DatetimeIndex(base).day_of_week.to_numpy()
    redo = (weekday >= 5) & (rng.random(n) < 0.5)
    day = np.where(redo, rng.integers(0, days_in[month_idx]), day)
    base = starts[month_idx] + (day * 1440).astype("timedelta64[m]").astype("timedelta64[us]")
    weekday = pd.DatetimeIndex(base).day_of_week.to_numpy()
    # the hour: office hours, evenings, night calls
    kind = rng.choice(3, n, p=[0.78, 0.16, 0.06])
    hour = np.select([kind == 0, kind == 1],
                     [rng.uniform(8, 18, n), rng.uniform(18, 22, n)],
                     (rng.uniform(22, 31, n)) % 24)
    reported = base + _minutes(np.floor(hour * 60))
    off_hours = (kind != 0) | (weekday >= 5)
    slow = slowness[person]
    roles = serving["role_code"].to_numpy()[person]
    channel = np.empty(n, dtype=object)
    for role, (chans, shares) in ROLE_CHANNELS.items():
        m = roles == role
        channel[m] = rng.choice(chans, m.sum(), p=shares)
    # first response: median ~10 min, slower off hours; a few miss 30 min
    resp = np.round(rng.lognormal(np.log(9), 0.55, n) * slow * np.where(off_hours, 1.6, 1.0))
    responded = reported + _minutes(np.clip(resp, 1, 600))
    on_site = channel == "on_site"
    # on site: travel after the call; next morning for calls after hours; a few take > 24 h
    travel = rng.lognormal(np.log(4.0), 0.6, n) * slow
    # now and then no engineer is free in the area until the next day
    travel = np.where(rng.random(n) < 0.025, travel + rng.uniform(16, 28, n), travel)
    # a call after 18:00 or before 08:00 is visited from 08:00 the next (or same) morning
    call_hour = hour % 24
    wait = np.where(call_hour >= 18, 32 - call_hour, np.where(call_hour < 8, 8 - call_hour, 0.0))
    travel = np.where(wait > 0, wait + rng.lognormal(np.log(1.5), 0.5, n) * slow, travel)
    arrived = reported + _minutes(np.round(travel * 60))
    # engineers do not knock at night: an arrival due after 20:00 or before 08:00 waits for 08:00
    a_hour = pd.DatetimeIndex(arrived).hour.to_numpy()
    a_day = arrived.astype("datetime64[D]").astype("datetime64[us]")
    morning = np.where(a_hour >= 20, a_day + np.timedelta64(32, "h"), a_day + np.timedelta64(8, "h"))
    night = (a_hour >= 20) | (a_hour < 8)
    arrived = np.where(night, morning + _minutes(np.round(rng.lognormal(np.log(60), 0.5, n))),
                       arrived)
    travel = (arrived - reported) / np.timedelta64(1, "h")
    started = np.where(on_site, arrived + _minutes(rng.integers(5, 30, n)),
                       responded + _minutes(rng.integers(10, 120, n)))
    # fault clearing: usually an hour or two; a part awaited makes a few exceed 24 h
    fix = rng.lognormal(np.log(1.2), 0.7, n)
    part = rng.random(n) < 0.035 * slow
    fix = np.where(part, rng.uniform(20, 40, n), fix)
    cleared = started + _minutes(np.round(fix * 60))
    hot = channel == "hotline"
    closed = np.where(hot, responded + _minutes(rng.integers(5, 45, n)),
                      cleared + _minutes(rng.integers(20, 240, n)))
    arrived = np.where(on_site, arrived, np.datetime64("NaT", "us"))
    started = np.where(hot, np.datetime64("NaT", "us"), started)
    cleared = np.where(hot, np.datetime64("NaT", "us"), cleared)
    late = ((resp > 30) | (on_site & (travel > 24)) | (~hot & (fix > 24)))
    complaint = rng.random(n) < np.where(late, 0.18, 0.012)
    # customers: a pool per team, so that some call again within days (a repeat)
    team_code = pd.factorize(serving["team"].to_numpy()[person])[0]
    pool = max(1000, int(per_month * len(months) * len(serving) * 4))
    customer = np.char.add(np.char.add("C", (team_code + 1).astype(str)),
                           np.char.zfill(rng.integers(0, pool, n).astype(str), 5))
    now64 = np.datetime64(now, "us")
    frame = pd.DataFrame({
        "employee_id": serving["employee_id"].to_numpy()[person], "channel": channel,
        "customer": customer, "reported_at": reported, "responded_at": responded,
        "arrived_at": arrived, "started_at": started, "cleared_at": cleared, "closed_at": closed,
        "reopened": rng.random(n) < 0.03, "complaint": complaint,
        "complaint_resolved": complaint & (rng.random(n) < 0.82),
        "surveyed": rng.random(n) < 0.7,
    })
    # about one ticket in ten brings the same customer back to the same person within days
    frame = frame.sort_values(["employee_id", "reported_at"], kind="stable").reset_index(drop=True)
    same = frame["employee_id"].to_numpy()[1:] == frame["employee_id"].to_numpy()[:-1]
    gap = frame["reported_at"].to_numpy()[1:] - frame["closed_at"].to_numpy()[:-1]
    back = same & (gap > np.timedelta64(0)) & (gap <= np.timedelta64(6, "D")) \
        & (rng.random(len(frame) - 1) < 0.12)
    cust = frame["customer"].to_numpy().copy()
    for i in np.flatnonzero(back):  # in order, so a chain of returns keeps one customer
        cust[i + 1] = cust[i]
    frame["customer"] = cust
    frame = frame[frame["reported_at"] <= now64].sort_values("reported_at", kind="stable")
    frame = frame.reset_index(drop=True)
    # steps after `now` have not happened yet: the ticket is still open
    for i, c in enumerate(TIMES[1:], start=1):
        future = frame[c] > now64
        for later in TIMES[i:]:
            frame.loc[future, later] = pd.NaT
    still_open = frame["closed_at"].isna()
    frame.loc[still_open, ["reopened", "complaint", "complaint_resolved"]] = False
    frame.insert(0, "ticket_id", [f"SR{r:08d}" for r in range(1, len(frame) + 1)])
    return frame


def write_ticket_export(tickets: pd.DataFrame, path: Path | str, chinese: bool = True,
                        encoding: str = "gb18030") -> Path:
    """The tickets as a ticket system exports them: Chinese (or English) headers, times as
    YYYY-MM-DD HH:MM text, yes/no as 是/否."""
    path = Path(path)
    out = pd.DataFrame(index=tickets.index)
    for c in tickets.columns:
        s = tickets[c]
        if c in TIMES:
            out[c] = s.dt.strftime("%Y-%m-%d %H:%M").fillna("")
        elif s.dtype == bool:
            out[c] = np.where(s, "是" if chinese else "yes", "否" if chinese else "no")
        elif c == "channel" and chinese:
            out[c] = s.map(ZH_CHANNEL)
        else:
            out[c] = s
    if "complaint_resolved" in out:
        out.loc[~tickets["complaint"].astype(bool), "complaint_resolved"] = ""
    if chinese:
        out.columns = [ZH_HEADER.get(c, c) for c in out.columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, encoding=encoding)
    return path
