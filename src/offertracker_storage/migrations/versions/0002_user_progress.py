"""Running milestone totals per user, filled for the accounts that exist already.

Tracked actions used to count the user's rows (six COUNTs) on every write;
from this revision the services keep these counters in the same transaction
as the rows they count. Existing accounts get their counters from one
INSERT … SELECT recount here, the same figures as behaviour.md §6 "Totals"
(applications, their reflections, their outcomes whose status is Offer,
follows made, group memberships, posts written). Plain SQL that SQLite and
PostgreSQL both run, so the migration imports no application code.

Revision ID: 0002
Revises: 0001
Create Date: 2026-03-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = ("applications", "reflections", "offers", "follows", "groups_joined", "posts")

BACKFILL = """
INSERT INTO user_progress (user_id, applications, reflections, offers, follows, groups_joined, posts)
SELECT
    u.id,
    (SELECT count(*) FROM applications a WHERE a.user_id = u.id),
    (SELECT count(*) FROM reflections r JOIN applications a ON a.id = r.application_id
        WHERE a.user_id = u.id),
    (SELECT count(*) FROM outcomes o JOIN applications a ON a.id = o.application_id
        WHERE a.user_id = u.id AND o.status = 'Offer'),
    (SELECT count(*) FROM follows f WHERE f.follower_id = u.id),
    (SELECT count(*) FROM group_members g WHERE g.user_id = u.id),
    (SELECT count(*) FROM posts p WHERE p.user_id = u.id)
FROM users u
"""


def upgrade() -> None:
    op.create_table(
        "user_progress",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in COUNTERS),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_progress_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_progress")),
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("user_progress")
