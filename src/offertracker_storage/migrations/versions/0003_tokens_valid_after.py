"""Revocable tokens: ``users.tokens_valid_after``.

Tokens issued before a user's ``tokens_valid_after`` are refused (logout,
password change). Existing users get NULL, which means "never revoked": every
token they hold stays valid. The downgrade drops the column (a plain
``ALTER TABLE … DROP COLUMN``, which SQLite supports from 3.35), so revoked
tokens that have not expired yet work again after it.

Every foreign key to ``users`` already cascades on delete (0001, 0002), which
account deletion relies on; nothing to change there.

Revision ID: 0003
Revises: 0002
Create Date: 2026-03-15 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("tokens_valid_after", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "tokens_valid_after")
