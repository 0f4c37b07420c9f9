"""Fair measurement: every component of a result keeps the scores its variants offer (practical
raw and fair, customer shrunk and plain), whichever the scheme graded on.

Revision ID: 0011_fair
Revises: 0008_tickets
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_fair"
down_revision = "0010_ladder"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("grade_components") as batch:
        batch.add_column(sa.Column("scores", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grade_components") as batch:
        batch.drop_column("scores")
