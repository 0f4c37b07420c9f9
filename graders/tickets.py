"""Importing ticket exports from ticket and CRM systems: who served, through which channel, and the
time of every step (repair call, first response, arrival, start of work, fault cleared, closing).

The file is read with the platform's tabular reader (CSV in UTF-8 with or without BOM, UTF-16,
GB18030/GBK; .xlsx) and its headers matched in English or Chinese, with synonyms. Checking is
vectorised (pandas column operations, not a Python loop per row): a year of a large company's
tickets is millions of rows. The import is all-or-nothing: every bad row is named by file, row and
column, and nothing is written unless the whole file is clean. Re-importing a file of the same
name (or `key`) supersedes its earlier batch; the earlier tickets stay in the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import Problem, ProblemsError
from core.tabular import ColumnMap, Table, map_columns, normalize_text, read_table
from graders.service_kpis.config import OperationsConfig
from graders.ticket_models import Ticket, TicketBatch
from roster.models import Staff

SYNONYMS: dict[str, list[str]] = {
    "ticket_id": ["ticket", "ticket_no", "ticket_number", "case_id", "case", "工单号", "工单编号",
                  "服务单号", "单号"],
    "employee_id": ["staff_id", "engineer_id", "engineer", "agent_id", "工号", "员工编号",
                    "服务人员工号", "处理人工号", "工程师工号"],
    "channel": ["service_type", "service_channel", "type", "渠道", "服务方式", "服务类型",
                "服务渠道"],
    "customer": ["customer_id", "customer_name", "client", "account", "客户", "客户编号",
                 "客户名称", "客户号"],
    "reported_at": ["repair_call", "reported", "call_time", "repair_call_time", "created",
                    "created_at", "opened_at", "报修时间", "来电时间", "报障时间", "创建时间"],
    "responded_at": ["first_response", "response_time", "responded", "first_response_time",
                     "首次响应时间", "响应时间"],
    "arrived_at": ["arrival", "arrived", "arrival_time", "on_site_arrival", "onsite_arrival",
                   "到达时间", "到场时间", "上门时间"],
    "started_at": ["start_of_work", "work_started", "work_start", "start_time", "开始维修时间",
                   "开工时间", "开始处理时间"],
    "cleared_at": ["fault_cleared", "cleared", "fixed_at", "fix_time", "故障排除时间", "排除故障时间",
                   "修复时间"],
    "closed_at": ["closed", "closing", "close_time", "closed_time", "关闭时间", "结单时间",
                  "关单时间"],
    "fcr": ["first_contact_resolution", "resolved_at_first_contact", "resolved_first_contact",
            "一次解决", "首次解决", "是否一次解决", "首次联系解决"],
    "reopened": ["reopen", "re_opened", "重开", "是否重开", "重新打开"],
    "complaint": ["complained", "has_complaint", "投诉", "是否投诉", "客户投诉"],
    "complaint_resolved": ["complaint_closed", "投诉已解决", "投诉是否解决", "投诉解决"],
    "surveyed": ["survey_sent", "survey", "已回访", "已发送问卷", "是否调查", "回访"],
}
REQUIRED = ("ticket_id", "employee_id", "channel", "reported_at")
TIMES = ("reported_at", "responded_at", "arrived_at", "started_at", "cleared_at", "closed_at")
FLAGS = ("fcr", "reopened", "complaint", "complaint_resolved", "surveyed")

CHANNEL_NAMES = {
    "hotline": "hotline", "phone": "hotline", "telephone": "hotline", "call": "hotline",
    "热线": "hotline", "电话": "hotline", "电话支持": "hotline", "热线电话": "hotline",
    "remote": "remote", "remote_support": "remote", "online": "remote", "远程": "remote",
    "远程支持": "remote", "在线": "remote",
    "on_site": "on_site", "on site": "on_site", "onsite": "on_site", "on-site": "on_site",
    "field": "on_site", "visit": "on_site", "上门": "on_site", "现场": "on_site",
    "上门服务": "on_site", "现场服务": "on_site",
}
_TRUE = {"1", "y", "yes", "true", "t", "是", "有", "已", "已解决", "x", "✓", "√"}
_FALSE = {"0", "n", "no", "false", "f", "否", "无", "未", "未解决", "-"}
_STAMP = (r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
          r"(?:[ T]+(\d{1,2})\s*[:时点]\s*(\d{1,2})\s*(?:[:分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?)?$")
#: how many problems are listed before the rest are only counted
MAX_LISTED = 500
#: the order of steps a ticket's times must keep: (earlier, later, message)
ORDER = (
    ("reported_at", "responded_at", "first response before the customer's repair call"),
    ("reported_at", "arrived_at", "arrival on site before the customer's repair call"),
    ("reported_at", "started_at", "start of work before the customer's repair call"),
    ("arrived_at", "started_at", "start of work on site before the arrival"),
    ("started_at", "cleared_at", "fault cleared before work started"),
    ("reported_at", "cleared_at", "fault cleared before the customer's repair call"),
    ("reported_at", "closed_at", "closed before it was reported (the customer's repair call)"),
    ("cleared_at", "closed_at", "closed before the fault was cleared"),
    ("responded_at", "closed_at", "closed before the first response"),
)


@dataclass
class TicketImport:
    file: str
    encoding: str
    batch_id: int | None
    rows: int
    replaced: list[int]
    months: list[str]
    dry_run: bool = False
    extra: dict = field(default_factory=dict)


def _per_unique(s: pd.Series, fn) -> pd.Series:
    """`fn` applied once per distinct cell value (ids, channels, yes/no and minutes repeat a lot
    in a ticket export), spread back to every row: vectorised except for the distinct values."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    values = np.empty(len(uniques) + 1, dtype=object)
    values[:-1] = [fn(u) for u in uniques]
    values[-1] = fn(None)
    return pd.Series(values[codes], index=s.index, dtype=object)


def _normalise(v) -> str:
    """core.tabular.normalize_text, with a shortcut for plain ASCII text (unchanged by NFKC)."""
    if type(v) is str and v.isascii() and v.isprintable() and "  " not in v:
        return v.strip()
    return normalize_text(v)


def _text(s: pd.Series) -> pd.Series:
    """Cells as normalised text (core.tabular.normalize_text: NFKC, trimmed, '' for empty)."""
    return _per_unique(s, _normalise)


_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
_NO_TIME = "no time of day (write it as YYYY-MM-DD hh:mm)"
_BAD_TIME = "not a date and time, or an impossible one (write it as YYYY-MM-DD hh:mm)"


def _parse_distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct cell values -> (datetime64[us] or NaT, why bad or '')."""
    n = len(values)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    why = np.full(n, "", dtype=object)
    is_dt = np.fromiter((isinstance(v, datetime) for v in values), dtype=bool, count=n)
    if is_dt.any():
        out[is_dt] = pd.to_datetime(list(values[is_dt])).as_unit("us").to_numpy()
    text = pd.Series([_normalise(v) if not d else "" for v, d in zip(values, is_dt)],
                     dtype=object)
    todo = (~is_dt) & (text != "").to_numpy()
    for fmt in _FORMATS:  # the usual layouts, parsed in C
        if not todo.any():
            break
        got = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        got = got.to_numpy(dtype="datetime64[us]")
        idx = np.flatnonzero(todo)
        ok = ~np.isnat(got)
        out[idx[ok]] = got[ok]
        todo[idx[ok]] = False
    if todo.any():  # 2026/11/3 9:15, 2026年11月3日 9时15分, impossible dates ...
        parts = text[todo].str.extract(_STAMP)
        parts.columns = ["year", "month", "day", "hour", "minute", "second"]
        nums = parts.apply(pd.to_numeric, errors="coerce")
        no_time = (nums["year"].notna() & nums["hour"].isna()).to_numpy()
        stamp = pd.to_datetime(nums.fillna({"second": 0}), errors="coerce")
        stamp = stamp.to_numpy(dtype="datetime64[us]")
        idx = np.flatnonzero(todo)
        out[idx] = stamp
        bad = np.isnat(stamp)
        why[idx[bad & ~no_time]] = _BAD_TIME
        why[idx[no_time]] = _NO_TIME
    return out, why


def parse_times(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Timestamps from Excel date cells or text such as 2026-11-03 09:15, 2026/11/3 9:15:00,
    2026年11月3日 9时15分. Returns (times, why) where `why` says what is wrong with each bad
    non-empty cell ('' where fine). Each distinct value is parsed once."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    times, why = _parse_distinct(np.asarray(uniques, dtype=object))
    times = np.append(times, np.datetime64("NaT", "us"))
    why = np.append(why, "")
    return (pd.Series(times[codes], index=raw.index, dtype="datetime64[us]"),
            pd.Series(why[codes], index=raw.index, dtype=object))


def _flag(text: str | None):
    low = (text or "").lower()
    return True if low in _TRUE else False if low in _FALSE else None if not low else "bad"


def _flags(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """yes/no cells: (values as object True/False/None, mask of unreadable cells)."""
    val = _per_unique(text, _flag)
    bad = (val == "bad").astype(bool)
    return val.where(~bad, None), bad


class _Problems:
    """Problems located by row (spreadsheet numbering) and field column."""

    def __init__(self, table: Table, cols: ColumnMap, rows: np.ndarray):
        self.table, self.cols, self.rows = table, cols, rows
        self.items: list[Problem] = list(table.problems)
        self.count = len(self.items)

    def add(self, mask: pd.Series | np.ndarray, field_name: str | None, message) -> None:
        """`message` is a string, or a function of the bad rows' positions giving one per row."""
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(idx):
            return
        self.count += len(idx)
        room = MAX_LISTED - len(self.items)
        if room <= 0:
            return
        idx = idx[:room]
        header, letter = self.cols.locate(field_name) if field_name else (None, None)
        msgs = message(idx) if callable(message) else [message] * len(idx)
        self.items += [Problem(self.table.file, int(self.rows[i]), header, m, letter)
                       for i, m in zip(idx, msgs)]

    def raise_if_any(self) -> None:
        if not self.count:
            return
        items = list(self.items)
        if self.count > len(items):
            items.append(Problem(self.table.file, None, None,
                                 f"... and {self.count - len(items)} more problems not listed"))
        raise ProblemsError(items, what=self.table.file)


def parse_tickets(table: Table, staff: set[str], elsewhere: dict[str, str] | None = None,
                  now: datetime | None = None) -> pd.DataFrame:
    """Check a ticket table; returns one row per ticket with typed columns, or raises a
    ProblemsError naming every bad row. `elsewhere` maps ticket ids already imported from other
    files to that file's name (a ticket is imported once)."""
    cols, header_problems = map_columns(table, SYNONYMS, REQUIRED)
    if header_problems:
        raise ProblemsError([*table.problems, *header_problems], what=table.file)
    rows = np.array([r for r, _ in table.rows], dtype=np.int64)
    n = len(rows)
    wanted = sorted(cols.index.items(), key=lambda kv: kv[1])
    if n:
        frame = pd.DataFrame([[cells[i] for _, i in wanted] for _, cells in table.rows],
                             columns=[f for f, _ in wanted], dtype=object)
    else:
        frame = pd.DataFrame(columns=[f for f, _ in wanted])
    p = _Problems(table, cols, rows)
    empty = pd.Series("", index=range(n), dtype=object)
    text = {f: _text(frame[f]) if f in frame else empty for f in SYNONYMS}
    for f in REQUIRED:
        p.add(text[f] == "", f, f"missing required {f.replace('_at', ' time').replace('_', ' ')}")

    tid = text["ticket_id"]
    dup = (tid != "") & tid.duplicated(keep="first")
    if dup.any():
        first = pd.Series(rows, index=tid.index).groupby(tid).transform("first")
        p.add(dup, "ticket_id", lambda ix: [f"duplicate ticket {tid.iat[i]} (first on row "
                                            f"{int(first.iat[i])})" for i in ix])
    if elsewhere:
        other = tid.map(elsewhere)
        p.add(other.notna() & ~dup, "ticket_id",
              lambda ix: [f"ticket {tid.iat[i]} was already imported from {other.iat[i]}"
                          for i in ix])
    emp = text["employee_id"]
    p.add((emp != "") & ~emp.isin(staff), "employee_id",
          lambda ix: [f"unknown staff id {emp.iat[i]!r}" for i in ix])
    ch_text = text["channel"]
    names = {k.replace("_", " "): v for k, v in CHANNEL_NAMES.items()}
    channel = _per_unique(ch_text, lambda x: names.get((x or "").lower().replace("_", " ")))
    p.add((ch_text != "") & channel.isna(), "channel",
          lambda ix: [f"unknown channel {ch_text.iat[i]!r} (use hotline, remote or on site; "
                      "热线, 远程, 上门)" for i in ix])

    times: dict[str, pd.Series] = {}
    now = now or datetime.now()
    limit = pd.Timestamp(now + timedelta(days=1))
    for f in TIMES:
        raw = frame[f] if f in frame else pd.Series([None] * n, dtype=object)
        t, why = parse_times(raw.reset_index(drop=True))
        times[f] = t
        p.add(why != "", f, lambda ix, why=why, f=f: [f"{text[f].iat[i]!r}: {why.iat[i]}"
                                                      for i in ix])
        p.add(t > limit, f, lambda ix, f=f: [f"{text[f].iat[i]!r} is in the future" for i in ix])
    for early, late, message in ORDER:
        a, b = times[early], times[late]
        p.add(a.notna() & b.notna() & (b < a), late,
              lambda ix, a=a, b=b, m=message: [f"{m}: {b.iat[i]:%Y-%m-%d %H:%M} is before "
                                               f"{a.iat[i]:%Y-%m-%d %H:%M}" for i in ix])

    flags: dict[str, pd.Series] = {}
    for f in FLAGS:
        val, bad = _flags(text[f])
        flags[f] = val
        p.add(bad, f, lambda ix, f=f: [f"{text[f].iat[i]!r} is not yes/no (use yes/no, 1/0, 是/否)"
                                       for i in ix])
    p.add((flags["complaint_resolved"] == True) & (flags["complaint"] != True),  # noqa: E712
          "complaint_resolved", "a complaint is marked resolved but the ticket has no complaint")
    p.add((flags["fcr"] == True) & (flags["reopened"] == True), "fcr",  # noqa: E712
          "resolved at first contact, yet reopened")
    p.raise_if_any()

    reported = times["reported_at"]
    ym = pd.Series(reported.dt.year.to_numpy() * 100 + reported.dt.month.to_numpy(),
                   index=reported.index)
    month = _per_unique(ym, lambda v: f"{v // 100}-{v % 100:02d}" if v is not None else None)
    return pd.DataFrame({
        "ticket_id": tid, "employee_id": emp, "channel": channel.astype(object),
        "customer": text["customer"].where(text["customer"] != "", None),
        "month": month.astype(object), **times,
        "fcr_given": flags["fcr"],
        "reopened": flags["reopened"].fillna(False).astype(bool),
        "complaint": flags["complaint"].fillna(False).astype(bool),
        "complaint_resolved": flags["complaint_resolved"].where(
            flags["complaint"] == True, None),  # noqa: E712
        "surveyed": flags["surveyed"].fillna(False).astype(bool),
    })


def _current_elsewhere(session: Session, key: str) -> dict[str, str]:
    """Ticket ids in current batches of other files -> that file's name."""
    rows = session.execute(
        select(Ticket.ticket_id, TicketBatch.file_name)
        .join(TicketBatch, Ticket.batch_id == TicketBatch.id)
        .where(TicketBatch.superseded_by.is_(None), TicketBatch.key != key)).all()
    return dict(rows)


INSERT_CHUNK = 20_000


#: how SQLAlchemy stores a DateTime in SQLite (its default storage format), so that rows written
#: here straight through the driver read back like any other
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
_COLUMNS = ["batch_id", "ticket_id", "employee_id", "channel", "customer", "month", *TIMES,
            "fcr_given", "reopened", "complaint", "complaint_resolved", "surveyed"]


def _time_values(s: pd.Series, sqlite: bool) -> np.ndarray:
    """Times as the driver takes them: text in SQLAlchemy's SQLite format, else datetimes."""
    arr = s.to_numpy(dtype="datetime64[us]")
    nat = np.isnat(arr)
    if sqlite:
        out = np.char.replace(np.datetime_as_string(arr, unit="us"), "T", " ").astype(object)
    else:
        out = s.astype(object).to_numpy()
        out = np.array([v.to_pydatetime() if not n else None for v, n in zip(out, nat)],
                       dtype=object)
    out[nat] = None
    return out


def _rows(df: pd.DataFrame, batch_id: int, sqlite: bool):
    """Rows as tuples in _COLUMNS order (None for missing), a chunk at a time."""
    cols = []
    for c in _COLUMNS:
        if c == "batch_id":
            cols.append(np.full(len(df), batch_id, dtype=object))
        elif c in TIMES:
            cols.append(_time_values(df[c], sqlite))
        else:
            v = df[c].astype(object)
            cols.append(v.where(v.notna(), None).to_numpy())
    for start in range(0, len(df), INSERT_CHUNK):
        yield list(zip(*(col[start:start + INSERT_CHUNK].tolist() for col in cols)))


def store_tickets(session: Session, df: pd.DataFrame, table: Table, key: str, entered_by: str,
                  config: OperationsConfig | None) -> tuple[TicketBatch, list[int]]:
    """Write checked tickets as one new batch; earlier current batches of the same key are
    superseded (kept, with their tickets, for history)."""
    before = list(session.scalars(select(TicketBatch).where(
        TicketBatch.key == key, TicketBatch.superseded_by.is_(None))))
    batch = TicketBatch(key=key, file_name=table.file, sha256=table.sha256,
                        encoding=table.encoding, entered_by=entered_by, entered_at=utcnow(),
                        rows=len(df), config=config.model_dump(mode="json") if config else None)
    session.add(batch)
    session.flush()
    for old in before:
        old.superseded_by = batch.id
    # straight through the driver, one executemany per chunk: millions of rows would spend most
    # of their time in per-value processing otherwise
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    marks = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO tickets ({', '.join(_COLUMNS)}) "
           f"VALUES ({', '.join([marks] * len(_COLUMNS))})")
    for chunk in _rows(df, batch.id, sqlite):
        conn.exec_driver_sql(sql, chunk)
    session.flush()
    return batch, [b.id for b in before]


def import_tickets(session: Session, path: Path | str, entered_by: str,
                   config: OperationsConfig | None = None, key: str | None = None,
                   sheet: str | None = None, dry_run: bool = False) -> TicketImport:
    """Check a ticket export completely and store it as one batch (the caller commits, or rolls
    back for a dry run)."""
    table = read_table(path, sheet=sheet)
    key = key or Path(path).name
    staff = set(session.scalars(select(Staff.employee_id)))
    df = parse_tickets(table, staff, _current_elsewhere(session, key))
    batch, replaced = store_tickets(session, df, table, key, entered_by, config)
    return TicketImport(table.file, table.encoding, None if dry_run else batch.id, len(df),
                        replaced, sorted(df["month"].unique().tolist()), dry_run,
                        {"open": int(df["closed_at"].isna().sum()),
                         "complaints": int(df["complaint"].sum())})


def current_tickets(session: Session, months: list[str] | None = None,
                    employee_ids: list[str] | None = None) -> pd.DataFrame:
    """Tickets of the current (not superseded) batches as a DataFrame, optionally only some
    months (of the repair call) or people. Read straight into columns (SQLite's stored times as
    text, parsed per column in C)."""
    c = Ticket.__table__.c
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    times = [cast(c[t], String) if sqlite else c[t] for t in TIMES]
    q = (select(c.ticket_id, c.employee_id, c.channel, c.customer, c.month, *times, c.fcr_given,
                c.reopened, c.complaint, c.complaint_resolved, c.surveyed, c.batch_id)
         .join(TicketBatch, c.batch_id == TicketBatch.id)
         .where(TicketBatch.superseded_by.is_(None)))
    if months is not None:
        q = q.where(c.month.in_(months))
    if employee_ids is not None:
        q = q.where(c.employee_id.in_(employee_ids))
    names = ["ticket_id", "employee_id", "channel", "customer", "month", *TIMES, "fcr_given",
             "reopened", "complaint", "complaint_resolved", "surveyed", "batch_id"]

    def column(name, col):
        if name in TIMES:
            if sqlite:
                return pd.to_datetime(pd.Series(col, dtype=object), format="ISO8601")\
                    .astype("datetime64[us]")
            return pd.to_datetime(pd.Series(col, dtype=object)).astype("datetime64[us]")
        if name in ("fcr_given", "complaint_resolved"):
            return np.array([None if v is None else bool(v) for v in col], dtype=object)
        return np.array(col, dtype=object)

    parts = []
    for rows in conn.execute(q).partitions(200_000):
        columns = list(zip(*rows))
        parts.append(pd.DataFrame({name: column(name, col) for name, col in zip(names, columns)}))
    if not parts:
        return pd.DataFrame({n: pd.Series(dtype="datetime64[us]" if n in TIMES else object)
                             for n in names})
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    for b in ("reopened", "complaint", "surveyed"):
        df[b] = df[b].astype(bool)
    return df
