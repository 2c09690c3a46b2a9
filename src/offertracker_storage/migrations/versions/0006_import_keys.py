"""Imports: the duplicate keys of imported saved jobs, and saved jobs found by URL.

``import_keys`` holds, per user, the hashed keys (canonical URL; source +
external id) of saved jobs an importer created; its primary key is what makes
two imports racing for one posting save it once. Keys go with their saved job.
``ix_saved_jobs_user_id_url`` lets an import find jobs saved by hand with the
same URL without reading the user's whole list.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_keys",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("saved_job_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_import_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["saved_job_id"],
            ["saved_jobs.id"],
            name=op.f("fk_import_keys_saved_job_id_saved_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_import_keys")),
    )
    op.create_index(op.f("ix_import_keys_saved_job_id"), "import_keys", ["saved_job_id"])
    op.create_index(op.f("ix_saved_jobs_user_id_url"), "saved_jobs", ["user_id", "url"])


def downgrade() -> None:
    op.drop_index(op.f("ix_saved_jobs_user_id_url"), table_name="saved_jobs")
    op.drop_index(op.f("ix_import_keys_saved_job_id"), table_name="import_keys")
    op.drop_table("import_keys")
