"""Evidence store: batches of evidence and the scores in them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("entered_by", sa.String(200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("config", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"],
                                name="fk_evidence_batches_cycle_id_cycles"),
        sa.ForeignKeyConstraint(["superseded_by"], ["evidence_batches.id"],
                                name="fk_evidence_batches_superseded_by_evidence_batches"),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_batches"),
    )
    op.create_index("ix_evidence_batches_cycle_id", "evidence_batches", ["cycle_id"])
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("employee_id", sa.String(32), nullable=False),
        sa.Column("rater_id", sa.String(64), nullable=True),
        sa.Column("item", sa.String(300), nullable=False),
        sa.Column("competency", sa.String(32), nullable=True),
        sa.Column("raw", sa.Float(), nullable=True),
        sa.Column("max_raw", sa.Float(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["evidence_batches.id"],
                                name="fk_evidence_batch_id_evidence_batches"),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name="fk_evidence_cycle_id_cycles"),
        sa.ForeignKeyConstraint(["employee_id"], ["staff.employee_id"],
                                name="fk_evidence_employee_id_staff"),
        sa.PrimaryKeyConstraint("id", name="pk_evidence"),
    )
    op.create_index("ix_evidence_batch_id", "evidence", ["batch_id"])
    op.create_index("ix_evidence_cycle_id", "evidence", ["cycle_id"])
    op.create_index("ix_evidence_source", "evidence", ["source"])
    op.create_index("ix_evidence_employee_id", "evidence", ["employee_id"])
    op.create_table(
        "service_tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("employee_id", sa.String(32), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("surveyed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["evidence_batches.id"],
                                name="fk_service_tickets_batch_id_evidence_batches"),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"],
                                name="fk_service_tickets_cycle_id_cycles"),
        sa.ForeignKeyConstraint(["employee_id"], ["staff.employee_id"],
                                name="fk_service_tickets_employee_id_staff"),
        sa.PrimaryKeyConstraint("id", name="pk_service_tickets"),
    )
    op.create_index("ix_service_tickets_batch_id", "service_tickets", ["batch_id"])
    op.create_index("ix_service_tickets_cycle_id", "service_tickets", ["cycle_id"])
    op.create_index("ix_service_tickets_ticket_id", "service_tickets", ["ticket_id"])
    op.create_index("ix_service_tickets_employee_id", "service_tickets", ["employee_id"])


def downgrade() -> None:
    op.drop_table("service_tickets")
    op.drop_table("evidence")
    op.drop_table("evidence_batches")
