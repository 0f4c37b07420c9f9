"""Evidence read per cycle and source: one index on both, so grading a cycle reads each source's
rows without scanning the whole cycle once per source.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_evidence_cycle_source", "evidence", ["cycle_id", "source"])


def downgrade() -> None:
    op.drop_index("ix_evidence_cycle_source", table_name="evidence")
