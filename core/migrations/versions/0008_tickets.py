"""Service tickets with timestamps (operations evidence): ticket batches and tickets.

Revision ID: 0008_tickets
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_tickets"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("encoding", sa.String(32), nullable=False),
        sa.Column("entered_by", sa.String(200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("config", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["superseded_by"], ["ticket_batches.id"],
                                name="fk_ticket_batches_superseded_by_ticket_batches"),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_batches"),
    )
    op.create_index("ix_ticket_batches_key", "ticket_batches", ["key"])
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("employee_id", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("customer", sa.String(200), nullable=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.Column("arrived_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("cleared_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("fcr_given", sa.Boolean(), nullable=True),
        sa.Column("reopened", sa.Boolean(), nullable=False),
        sa.Column("complaint", sa.Boolean(), nullable=False),
        sa.Column("complaint_resolved", sa.Boolean(), nullable=True),
        sa.Column("surveyed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["ticket_batches.id"],
                                name="fk_tickets_batch_id_ticket_batches"),
        sa.ForeignKeyConstraint(["employee_id"], ["staff.employee_id"],
                                name="fk_tickets_employee_id_staff"),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
    )
    op.create_index("ix_tickets_batch_month", "tickets", ["batch_id", "month"])
    op.create_index("ix_tickets_ticket_id", "tickets", ["ticket_id"])
    op.create_index("ix_tickets_employee_id", "tickets", ["employee_id"])


def downgrade() -> None:
    op.drop_table("tickets")
    op.drop_table("ticket_batches")
