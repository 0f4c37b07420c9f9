"""Service tickets with their timestamps: the operational evidence behind the service commitments.

A *ticket batch* is one imported ticket export. Re-importing a file of the same name (the batch
key) supersedes the earlier batch; the superseded batch and its tickets stay, for history, exactly
as evidence batches do. Tickets are not bound to an assessment cycle: operations are measured per
month, and a cycle reads the months it spans.

Times are stored as the local wall-clock times the ticket system exported (no time zone).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

CHANNELS = ("hotline", "remote", "on_site")


class TicketBatch(Base):
    __tablename__ = "ticket_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: what this batch replaces when re-delivered (the file name by default)
    key: Mapped[str] = mapped_column(String(200), index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    encoding: Mapped[str] = mapped_column(String(32))
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("ticket_batches.id"))
    #: the operations settings in force at import (repeat window, commitments)
    config: Mapped[dict | None] = mapped_column(JSON)


class Ticket(Base):
    """One service ticket: who served, through which channel, and when each step happened."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_batch_month", "batch_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("ticket_batches.id"))
    ticket_id: Mapped[str] = mapped_column(String(64), index=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("staff.employee_id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    customer: Mapped[str | None] = mapped_column(String(200))
    #: month of the customer's repair call, YYYY-MM: the month the ticket counts in
    month: Mapped[str] = mapped_column(String(7))
    reported_at: Mapped[datetime] = mapped_column(DateTime)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: resolved at first contact as the export says (None: derive from reopen / repeat visit)
    fcr_given: Mapped[bool | None] = mapped_column(Boolean)
    reopened: Mapped[bool] = mapped_column(Boolean, default=False)
    complaint: Mapped[bool] = mapped_column(Boolean, default=False)
    complaint_resolved: Mapped[bool | None] = mapped_column(Boolean)
    surveyed: Mapped[bool] = mapped_column(Boolean, default=False)
