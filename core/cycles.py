"""Assessment cycles (periods such as 2026-Q4) to which every score is attached."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, utcnow
from core.errors import AcademyError

OPEN, CLOSED = "open", "closed"


class Cycle(Base):
    __tablename__ = "cycles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


def period_dates(name: str) -> tuple[date, date] | None:
    """The dates a conventional cycle name stands for: 2026-Q4, 2026-11 or 2026; None otherwise."""
    if m := _QUARTER.match(name):
        year, q = int(m[1]), int(m[2])
        first, last = 3 * q - 2, 3 * q
        return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])
    if m := _MONTH.match(name):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    if m := _YEAR.match(name):
        return date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)
    return None


def quarter_name(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def get_cycle(session: Session, name: str) -> Cycle:
    cycle = session.scalar(select(Cycle).where(Cycle.name == name))
    if cycle is None:
        known = ", ".join(session.scalars(select(Cycle.name).order_by(Cycle.opens_on))) or "none yet"
        raise AcademyError(f"no cycle named {name!r} (cycles: {known})")
    return cycle


def open_cycle(
    session: Session, name: str, opens_on: date | None = None, closes_on: date | None = None
) -> Cycle:
    """Create an open cycle. Dates default from the name (2026-Q4, 2026-11, 2026)."""
    if not _NAME.match(name):
        raise AcademyError(
            f"cycle name {name!r}: use letters, digits, '-', '_' or '.', such as 2026-Q4"
        )
    if session.scalar(select(Cycle).where(Cycle.name == name)) is not None:
        raise AcademyError(f"cycle {name!r} exists already")
    implied = period_dates(name)
    if opens_on is None or closes_on is None:
        if implied is None:
            raise AcademyError(
                f"cycle {name!r}: give --opens and --closes dates "
                "(they are implied only by names like 2026-Q4, 2026-11 or 2026)"
            )
        opens_on = opens_on or implied[0]
        closes_on = closes_on or implied[1]
    if closes_on < opens_on:
        raise AcademyError(f"cycle {name!r}: closes {closes_on} before it opens {opens_on}")
    cycle = Cycle(name=name, opens_on=opens_on, closes_on=closes_on, status=OPEN)
    session.add(cycle)
    session.flush()
    return cycle


def close_cycle(session: Session, name: str) -> Cycle:
    cycle = get_cycle(session, name)
    if cycle.status == CLOSED:
        raise AcademyError(f"cycle {name!r} is closed already (since {cycle.closed_at:%Y-%m-%d})")
    cycle.status = CLOSED
    cycle.closed_at = utcnow()
    return cycle


def list_cycles(session: Session) -> list[Cycle]:
    return list(session.scalars(select(Cycle).order_by(Cycle.opens_on, Cycle.name)))


def current_cycle(session: Session, today: date | None = None) -> Cycle | None:
    """The open cycle that contains today (the shortest if several do), else the latest open one."""
    today = today or date.today()
    open_ = [c for c in list_cycles(session) if c.status == OPEN]
    containing = [c for c in open_ if c.opens_on <= today <= c.closes_on]
    if containing:
        return min(containing, key=lambda c: (c.closes_on - c.opens_on, c.name))
    return open_[-1] if open_ else None


def named_or_current(session: Session, name: str | None) -> Cycle:
    """The named cycle, else the current open one; a clear error (never None) when there is none."""
    if name:
        return get_cycle(session, name)
    cycle = current_cycle(session)
    if cycle is None:
        raise AcademyError("no open assessment cycle: open one (`academy cycle open 2026-Q4`) "
                           "or name one with --cycle")
    return cycle
