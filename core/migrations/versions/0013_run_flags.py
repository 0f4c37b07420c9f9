"""Evidence-quality flags and the fitted fairness model stored with the grade run that used them
(the dashboards read them instead of recomputing them), and indexes for reading one run's rows of
a few teams or people (a dashboard page reads only what its viewer may see).

Revision ID: 0013_run_flags
Revises: 0011_fair
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_run_flags"
down_revision = "0011_fair"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grade_run_flags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["grade_runs.id"],
                                name="fk_grade_run_flags_run_id_grade_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_grade_run_flags"),
    )
    op.create_index("ix_grade_run_flags_run_id", "grade_run_flags", ["run_id"])
    op.create_table(
        "grade_run_fairness",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(16), nullable=True),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("fit", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["grade_runs.id"],
                                name="fk_grade_run_fairness_run_id_grade_runs"),
        sa.PrimaryKeyConstraint("run_id", name="pk_grade_run_fairness"),
    )
    for name, table, cols in INDEXES:
        op.create_index(name, table, cols)


#: a dashboard page reads only its viewer's teams' rows of a run
INDEXES = [("ix_grade_results_run_team", "grade_results", ["run_id", "team"]),
           ("ix_grade_results_run_employee", "grade_results", ["run_id", "employee_id"]),
           ("ix_grade_components_run_employee", "grade_components", ["run_id", "employee_id"]),
           ("ix_grade_competencies_run_employee", "grade_competencies", ["run_id", "employee_id"]),
           ("ix_grade_outcomes_run_employee", "grade_outcomes", ["run_id", "employee_id"]),
           ("ix_grade_outcomes_run_team", "grade_outcomes", ["run_id", "team"])]


def downgrade() -> None:
    for name, table, _cols in INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("grade_run_fairness")
    op.drop_index("ix_grade_run_flags_run_id", table_name="grade_run_flags")
    op.drop_table("grade_run_flags")
