"""Theory exams: the grading outcome of each submission.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exam_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("exam", sa.String(64), nullable=False),
        sa.Column("employee_id", sa.String(64), nullable=False),
        sa.Column("in_roster", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("max_score", sa.Float(), nullable=True),
        sa.Column("late_seconds", sa.Float(), nullable=True),
        sa.Column("penalty_percent", sa.Float(), nullable=True),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_exam_results"),
        sa.UniqueConstraint("exam", "employee_id", name="uq_exam_results_exam_employee"),
    )
    op.create_index("ix_exam_results_exam", "exam_results", ["exam"])


def downgrade() -> None:
    op.drop_index("ix_exam_results_exam", table_name="exam_results")
    op.drop_table("exam_results")
