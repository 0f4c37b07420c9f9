"""Management grading: SMART goals and their events, one-to-one talks, customer churn.

Revision ID: 0009_management
Revises: 0008_tickets
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_management"
down_revision = "0008_tickets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "goals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("employee_id", sa.String(32), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("person_agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("manager_agreed_by", sa.String(200), nullable=True),
        sa.Column("manager_agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("achievement", sa.Float(), nullable=True),
        sa.Column("scored_by", sa.String(200), nullable=True),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["employee_id"], ["staff.employee_id"],
                                name="fk_goals_employee_id_staff"),
        sa.PrimaryKeyConstraint("id", name="pk_goals"),
        sa.UniqueConstraint("employee_id", "month", "title", name="uq_goals_employee_month_title"),
    )
    op.create_index("ix_goals_employee_id", "goals", ["employee_id"])
    op.create_index("ix_goals_month", "goals", ["month"])
    op.create_table(
        "goal_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["goal_id"], ["goals.id"], name="fk_goal_events_goal_id_goals"),
        sa.PrimaryKeyConstraint("id", name="pk_goal_events"),
    )
    op.create_index("ix_goal_events_goal_id", "goal_events", ["goal_id"])
    op.create_table(
        "one_to_ones",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("employee_id", sa.String(32), nullable=False),
        sa.Column("manager_id", sa.String(32), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["employee_id"], ["staff.employee_id"],
                                name="fk_one_to_ones_employee_id_staff"),
        sa.ForeignKeyConstraint(["manager_id"], ["staff.employee_id"],
                                name="fk_one_to_ones_manager_id_staff"),
        sa.PrimaryKeyConstraint("id", name="pk_one_to_ones"),
        sa.UniqueConstraint("employee_id", "manager_id", "held_on", name="uq_one_to_ones_pair_day"),
    )
    op.create_index("ix_one_to_ones_employee_id", "one_to_ones", ["employee_id"])
    op.create_index("ix_one_to_ones_manager_id", "one_to_ones", ["manager_id"])
    op.create_index("ix_one_to_ones_month", "one_to_ones", ["month"])
    op.create_table(
        "customer_churn",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("lost", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customer_churn"),
        sa.UniqueConstraint("team", "month", name="uq_customer_churn_team_month"),
    )


def downgrade() -> None:
    op.drop_table("customer_churn")
    op.drop_table("one_to_ones")
    op.drop_table("goal_events")
    op.drop_table("goals")
