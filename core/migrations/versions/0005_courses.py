"""Course progress and reaction ratings: module_progress, reaction_ratings.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "module_progress",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("employee_id", sa.String(64), nullable=False),
        sa.Column("course", sa.String(64), nullable=False),
        sa.Column("module", sa.String(100), nullable=False),
        sa.Column("first_opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("times_opened", sa.Integer(), nullable=False),
        sa.Column("practice", sa.JSON(), nullable=True),
        sa.Column("practice_done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("self_check_score", sa.Float(), nullable=True),
        sa.Column("self_check_best", sa.Float(), nullable=True),
        sa.Column("self_check_attempts", sa.Integer(), nullable=False),
        sa.Column("self_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_module_progress"),
        sa.UniqueConstraint("employee_id", "course", "module",
                            name="uq_module_progress_trainee_module"),
    )
    op.create_index("ix_module_progress_employee_id", "module_progress", ["employee_id"])
    op.create_index("ix_module_progress_course", "module_progress", ["course"])
    op.create_table(
        "reaction_ratings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("employee_id", sa.String(64), nullable=False),
        sa.Column("course", sa.String(64), nullable=False),
        sa.Column("module", sa.String(100), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_reaction_ratings_rating_1_to_5"),
        sa.PrimaryKeyConstraint("id", name="pk_reaction_ratings"),
        sa.UniqueConstraint("employee_id", "course", "module",
                            name="uq_reaction_ratings_trainee_module"),
    )
    op.create_index("ix_reaction_ratings_employee_id", "reaction_ratings", ["employee_id"])
    op.create_index("ix_reaction_ratings_course", "reaction_ratings", ["course"])


def downgrade() -> None:
    op.drop_table("reaction_ratings")
    op.drop_table("module_progress")
