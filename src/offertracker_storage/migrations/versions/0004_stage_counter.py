"""A kept count of each user's interview stages, filled for the accounts that exist already.

``/progress/stats`` reports the user's stages; stages carry no ``user_id``, so
counting them meant probing every application's stages (15-21 ms at 10,000
applications). From this revision the stage services keep
``user_progress.stages`` in the transaction of the change, like the other
counters of 0002; existing accounts get theirs from one UPDATE here. Plain SQL
that SQLite and PostgreSQL both run, so the migration imports no application code.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every user has a user_progress row: 0002 made one for each, and a user's first application
# (which a stage needs) creates it since.
BACKFILL = """
UPDATE user_progress SET stages = (
    SELECT count(*) FROM application_stages s JOIN applications a ON a.id = s.application_id
    WHERE a.user_id = user_progress.user_id
)
"""


def upgrade() -> None:
    op.add_column("user_progress", sa.Column("stages", sa.Integer(), server_default="0", nullable=False))
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("user_progress") as batch:
        batch.drop_column("stages")
