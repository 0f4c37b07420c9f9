"""Penalties, career paths and recognition: the append-only ladder event log and skill
competition results.

Revision ID: 0010_ladder
Revises: 0008_tickets
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_ladder"
down_revision = "0009_management"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ladder_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("domain", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("employee_id", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["employee_id"], ["staff.employee_id"],
                                name="fk_ladder_events_employee_id_staff"),
        sa.PrimaryKeyConstraint("id", name="pk_ladder_events"),
    )
    op.create_index("ix_ladder_events_domain_subject", "ladder_events", ["domain", "subject"])
    op.create_index("ix_ladder_events_employee_id", "ladder_events", ["employee_id"])
    op.create_table(
        "competition_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("encoding", sa.String(32), nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["superseded_by"], ["competition_imports.id"],
                                name="fk_competition_imports_superseded_by_competition_imports"),
        sa.PrimaryKeyConstraint("id", name="pk_competition_imports"),
    )
    op.create_index("ix_competition_imports_key", "competition_imports", ["key"])
    op.create_table(
        "competition_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("competition", sa.String(200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("employee_id", sa.String(32), nullable=True),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["import_id"], ["competition_imports.id"],
                                name="fk_competition_results_import_id_competition_imports"),
        sa.ForeignKeyConstraint(["employee_id"], ["staff.employee_id"],
                                name="fk_competition_results_employee_id_staff"),
        sa.PrimaryKeyConstraint("id", name="pk_competition_results"),
    )
    op.create_index("ix_competition_results_import_id", "competition_results", ["import_id"])


def downgrade() -> None:
    op.drop_table("competition_results")
    op.drop_table("competition_imports")
    op.drop_index("ix_ladder_events_employee_id", "ladder_events")
    op.drop_index("ix_ladder_events_domain_subject", "ladder_events")
    op.drop_table("ladder_events")
