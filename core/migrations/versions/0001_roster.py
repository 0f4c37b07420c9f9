"""Roster: roles, teams, staff, roster imports and their change log.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roles",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("family", sa.String(32), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_roles"),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region", sa.String(200), nullable=True),
        sa.Column("manager_id", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_teams"),
        sa.UniqueConstraint("name", name="uq_teams_name"),
    )
    op.create_table(
        "staff",
        sa.Column("employee_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("role_code", sa.String(64), nullable=False),
        sa.Column("supervisor_id", sa.String(32), nullable=True),
        sa.Column("hire_date", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_staff_team_id_teams"),
        sa.ForeignKeyConstraint(["role_code"], ["roles.code"], name="fk_staff_role_code_roles"),
        sa.ForeignKeyConstraint(
            ["supervisor_id"], ["staff.employee_id"], name="fk_staff_supervisor_id_staff"
        ),
        sa.PrimaryKeyConstraint("employee_id", name="pk_staff"),
    )
    op.create_index("ix_staff_team_id", "staff", ["team_id"])
    op.create_index("ix_staff_supervisor_id", "staff", ["supervisor_id"])
    op.create_table(
        "roster_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("encoding", sa.String(32), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("deactivated", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_roster_imports"),
    )
    op.create_table(
        "roster_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(32), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"], ["roster_imports.id"], name="fk_roster_changes_import_id_roster_imports"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_roster_changes"),
    )
    op.create_index("ix_roster_changes_import_id", "roster_changes", ["import_id"])
    op.create_index("ix_roster_changes_employee_id", "roster_changes", ["employee_id"])


def downgrade() -> None:
    op.drop_table("roster_changes")
    op.drop_table("roster_imports")
    op.drop_index("ix_staff_supervisor_id", table_name="staff")
    op.drop_index("ix_staff_team_id", table_name="staff")
    op.drop_table("staff")
    op.drop_table("teams")
    op.drop_table("roles")
