"""Indexes that let the analytics dashboard read a large account from indexes alone.

``GET /analytics/dashboard`` groups every application of an account (behaviour.md
§8). Through the ``(user_id, created_at)`` index alone, each of its statements read
the 10,000 rows of a large account one by one and sorted them: 23 ms on SQLite.
These cover what each statement reads, in the order it groups by: 12 ms.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DASHBOARD = ["user_id", "status", "applied_source", "salary_currency", "salary_min", "salary_max", "id"]


def upgrade() -> None:
    op.create_index("ix_applications_dashboard", "applications", DASHBOARD)
    op.create_index(op.f("ix_applications_user_id_applied_date"), "applications", ["user_id", "applied_date"])
    op.create_index(op.f("ix_applications_user_id_company_name"), "applications", ["user_id", "company_name"])
    # The stages index gains the day (its one column stays its prefix, so nothing loses it).
    op.create_index(
        op.f("ix_application_stages_application_id_stage_date"),
        "application_stages",
        ["application_id", "stage_date"],
    )
    op.drop_index(op.f("ix_application_stages_application_id"), table_name="application_stages")
    op.create_index(
        "ix_outcomes_offers", "outcomes", ["application_id", "status", "salary_currency", "salary"]
    )


def downgrade() -> None:
    op.drop_index("ix_outcomes_offers", table_name="outcomes")
    op.create_index(op.f("ix_application_stages_application_id"), "application_stages", ["application_id"])
    op.drop_index(op.f("ix_application_stages_application_id_stage_date"), table_name="application_stages")
    op.drop_index(op.f("ix_applications_user_id_company_name"), table_name="applications")
    op.drop_index(op.f("ix_applications_user_id_applied_date"), table_name="applications")
    op.drop_index("ix_applications_dashboard", table_name="applications")
