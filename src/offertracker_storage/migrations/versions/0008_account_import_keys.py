"""Account imports: what each import created, so importing the same document twice skips it.

``account_import_keys`` maps, per user and kind of item, the id an item had in an
imported export document to the id it was given here. It goes with its user.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 04:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_import_keys",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_account_import_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", "source_id", name=op.f("pk_account_import_keys")),
    )


def downgrade() -> None:
    op.drop_table("account_import_keys")
