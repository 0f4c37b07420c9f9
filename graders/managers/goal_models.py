"""Tables of SMART goals, their audit trail, monthly one-to-one talks and customer churn figures
(graders.managers.goals, graders.managers.store)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class Goal(Base):
    """One SMART goal of one person for one month: set, agreed by the person and by a manager
    above them, scored the next month. Never deleted; every step is also a GoalEvent."""

    __tablename__ = "goals"
    __table_args__ = (UniqueConstraint("employee_id", "month", "title",
                                       name="uq_goals_employee_month_title"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("staff.employee_id"), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    title: Mapped[str] = mapped_column(String(500))
    #: how it is measured (the M of SMART)
    measure: Mapped[str] = mapped_column(Text)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    person_agreed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    manager_agreed_by: Mapped[str | None] = mapped_column(String(200))
    manager_agreed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: 0-100, the share of the goal achieved
    achievement: Mapped[float | None] = mapped_column(Float)
    scored_by: Mapped[str | None] = mapped_column(String(200))
    scored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str | None] = mapped_column(Text)


class GoalEvent(Base):
    """Who did what to a goal, and when (set, agree_person, agree_manager, score)."""

    __tablename__ = "goal_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    detail: Mapped[dict | None] = mapped_column(JSON)


class OneToOne(Base):
    """A one-to-one talk held between a person and a manager above them."""

    __tablename__ = "one_to_ones"
    __table_args__ = (UniqueConstraint("employee_id", "manager_id", "held_on",
                                       name="uq_one_to_ones_pair_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("staff.employee_id"), index=True)
    manager_id: Mapped[str] = mapped_column(ForeignKey("staff.employee_id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    month: Mapped[str] = mapped_column(String(7), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CustomerChurn(Base):
    """Customers of a team at the start of a month and how many of them were lost (optional)."""

    __tablename__ = "customer_churn"
    __table_args__ = (UniqueConstraint("team", "month", name="uq_customer_churn_team_month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(String(200))
    month: Mapped[str] = mapped_column(String(7))
    customers: Mapped[int] = mapped_column(Integer)
    lost: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(500))
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
