"""Final grades: grading runs with provenance, results and the component/competency detail behind
them, outcomes (awards, actions, training plans), publication state, overrides and audit trail.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grade_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_by", sa.String(200), nullable=False),
        sa.Column("schemes", sa.JSON(), nullable=False),
        sa.Column("inputs_sha256", sa.String(64), nullable=False),
        sa.Column("results_sha256", sa.String(64), nullable=False),
        sa.Column("evidence_batches", sa.JSON(), nullable=False),
        sa.Column("graded", sa.Integer(), nullable=False),
        sa.Column("incomplete", sa.Integer(), nullable=False),
        sa.Column("excluded", sa.Integer(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("reference_pay", sa.JSON(), nullable=True),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"],
                                name="fk_grade_runs_cycle_id_cycles"),
        sa.PrimaryKeyConstraint("id", name="pk_grade_runs"),
    )
    op.create_index("ix_grade_runs_cycle_id", "grade_runs", ["cycle_id"])
    op.create_table(
        "grade_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("role_code", sa.String(64), nullable=False),
        sa.Column("family", sa.String(32), nullable=False),
        sa.Column("scheme", sa.String(64), nullable=False),
        sa.Column("scheme_version", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("computed_score", sa.Float(), nullable=True),
        sa.Column("final_score", sa.Float(), nullable=True),
        sa.Column("band", sa.String(32), nullable=True),
        sa.Column("band_override", sa.String(32), nullable=True),
        sa.Column("overridden", sa.Boolean(), nullable=False),
        sa.Column("rank_team", sa.Integer(), nullable=True),
        sa.Column("rank_company", sa.Integer(), nullable=True),
        sa.Column("team_size", sa.Integer(), nullable=False),
        sa.Column("weight_present", sa.Float(), nullable=False),
        sa.Column("missing", sa.Text(), nullable=False),
        sa.Column("insufficient", sa.Text(), nullable=False),
        sa.Column("critical_flags", sa.Integer(), nullable=False),
        sa.Column("kpi", sa.Float(), nullable=True),
        sa.Column("reference_pay", sa.Float(), nullable=True),
        sa.Column("base_pay", sa.Float(), nullable=True),
        sa.Column("performance_pay", sa.Float(), nullable=True),
        sa.Column("total_pay", sa.Float(), nullable=True),
        sa.Column("individual_award", sa.Boolean(), nullable=False),
        sa.Column("team_award", sa.Boolean(), nullable=False),
        sa.Column("promotion", sa.Boolean(), nullable=False),
        sa.Column("corrective", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"],
                                name="fk_grade_results_cycle_id_cycles"),
        sa.ForeignKeyConstraint(["run_id"], ["grade_runs.id"],
                                name="fk_grade_results_run_id_grade_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_grade_results"),
    )
    op.create_index("ix_grade_results_cycle_id", "grade_results", ["cycle_id"])
    op.create_index("ix_grade_results_employee_id", "grade_results", ["employee_id"])
    op.create_index("ix_grade_results_run_id", "grade_results", ["run_id"])
    op.create_table(
        "grade_components",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(32), nullable=False),
        sa.Column("component", sa.String(32), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("weight_used", sa.Float(), nullable=False),
        sa.Column("contribution", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["grade_runs.id"],
                                name="fk_grade_components_run_id_grade_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_grade_components"),
    )
    op.create_index("ix_grade_components_run_id", "grade_components", ["run_id"])
    op.create_table(
        "grade_competencies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(32), nullable=False),
        sa.Column("competency", sa.String(32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("sources", sa.Integer(), nullable=False),
        sa.Column("team_mean", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["grade_runs.id"],
                                name="fk_grade_competencies_run_id_grade_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_grade_competencies"),
    )
    op.create_index("ix_grade_competencies_run_id", "grade_competencies", ["run_id"])
    op.create_table(
        "grade_outcomes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("employee_id", sa.String(32), nullable=True),
        sa.Column("team", sa.String(200), nullable=True),
        sa.Column("family", sa.String(32), nullable=True),
        sa.Column("competency", sa.String(32), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("team_mean", sa.Float(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("modules", sa.Text(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["grade_runs.id"],
                                name="fk_grade_outcomes_run_id_grade_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_grade_outcomes"),
    )
    op.create_index("ix_grade_outcomes_run_id", "grade_outcomes", ["run_id"])
    op.create_table(
        "grade_publications",
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"],
                                name="fk_grade_publications_cycle_id_cycles"),
        sa.ForeignKeyConstraint(["run_id"], ["grade_runs.id"],
                                name="fk_grade_publications_run_id_grade_runs"),
        sa.PrimaryKeyConstraint("cycle_id", name="pk_grade_publications"),
    )
    op.create_table(
        "grade_overrides",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(32), nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("entered_by", sa.String(200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"],
                                name="fk_grade_overrides_cycle_id_cycles"),
        sa.PrimaryKeyConstraint("id", name="pk_grade_overrides"),
    )
    op.create_index("ix_grade_overrides_cycle_id", "grade_overrides", ["cycle_id"])
    op.create_table(
        "grade_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(32), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("field", sa.String(32), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"],
                                name="fk_grade_audit_cycle_id_cycles"),
        sa.PrimaryKeyConstraint("id", name="pk_grade_audit"),
    )
    op.create_index("ix_grade_audit_cycle_id", "grade_audit", ["cycle_id"])


def downgrade() -> None:
    op.drop_table("grade_audit")
    op.drop_table("grade_overrides")
    op.drop_table("grade_publications")
    op.drop_table("grade_outcomes")
    op.drop_table("grade_competencies")
    op.drop_table("grade_components")
    op.drop_table("grade_results")
    op.drop_table("grade_runs")
