"""Initial schema: every table of the data model, and the milestone catalogue.

The 12 milestones of behaviour.md §6 are seeded as literal rows. Their ids are
``uuid5(MILESTONE_NAMESPACE, name)`` as computed by
``offertracker_core.milestones.milestone_id`` and copied here: a migration must
not import application code, whose later versions may differ.

Revision ID: 0001
Revises:
Create Date: 2026-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

_CATALOGUE_DATE = datetime(2026, 1, 1, tzinfo=UTC)

# (position, id, name, description, criteria)
MILESTONES = [
    (
        1,
        "94628596-873f-59bb-9c2a-4c82fcf87f4f",
        "Getting Started",
        "You created your account and took the first step.",
        {"action": "register"},
    ),
    (
        2,
        "abb87319-ad76-586e-a5e4-7abba8867f55",
        "First Application",
        "You applied to your first role. The journey begins.",
        {"action": "create_application", "count": 1},
    ),
    (
        3,
        "0a73b4eb-a55a-5419-bcbe-bddd0fe02abd",
        "Building Momentum",
        "Ten applications in. You are putting yourself out there.",
        {"action": "create_application", "count": 10},
    ),
    (
        4,
        "20ef3dad-95ad-52e9-8ee8-4a9df3507c8a",
        "In the Zone",
        "Twenty-five applications. Consistent effort pays off.",
        {"action": "create_application", "count": 25},
    ),
    (
        5,
        "cf42733e-e523-5976-9349-669109e8ebc2",
        "Self-Reflective",
        "You wrote your first reflection. Growth starts with honesty.",
        {"action": "create_reflection", "count": 1},
    ),
    (
        6,
        "f4a6588e-93b4-5d8b-83ee-ab02518b3b32",
        "Growth Mindset",
        "Ten reflections. You are learning from every experience.",
        {"action": "create_reflection", "count": 10},
    ),
    (
        7,
        "02905179-a137-54b9-8135-c8c25bf3b8c1",
        "One Week Strong",
        "Seven consecutive days of activity. Consistency is key.",
        {"action": "streak", "days": 7},
    ),
    (
        8,
        "bb73afc6-698a-5a78-99b5-d61794d014af",
        "Thirty Day Streak",
        "A full month of showing up. That takes real dedication.",
        {"action": "streak", "days": 30},
    ),
    (
        9,
        "2f8021c1-b936-5fcc-afe9-26a08cdd4ff1",
        "Connected",
        "You are following five people. Job searching is better together.",
        {"action": "follow", "count": 5},
    ),
    (
        10,
        "74803148-abdd-5f9e-bf1e-004fbb63de10",
        "Part of a Circle",
        "You joined your first group. Shared journeys go further.",
        {"action": "join_group", "count": 1},
    ),
    (
        11,
        "33550de9-b57c-5ca4-b242-fd08ee20ea1d",
        "Sharing Insights",
        "You shared your first post. Helping others helps you grow.",
        {"action": "create_post", "count": 1},
    ),
    (
        12,
        "064f7b70-741e-5bd0-9cc5-404b6841eabe",
        "Offer Received",
        "You received a job offer. All the effort was worth it.",
        {"action": "outcome_offer", "count": 1},
    ),
]


def _seed_milestones() -> None:
    table = sa.table(
        "milestones",
        sa.column("id", sa.Uuid()),
        sa.column("position", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("description", sa.Text()),
        sa.column("criteria", JSON),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        table,
        [
            {
                "id": UUID(milestone_id),
                "position": position,
                "name": name,
                "description": description,
                "criteria": criteria,
                "created_at": _CATALOGUE_DATE,
            }
            for position, milestone_id, name, description, criteria in MILESTONES
        ],
    )


def upgrade() -> None:
    op.create_table(
        "milestones",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("criteria", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
        sa.UniqueConstraint("name", name=op.f("uq_milestones_name")),
        sa.UniqueConstraint("position", name=op.f("uq_milestones_position")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("username", sa.String(length=50), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=True),
        sa.Column("bio", sa.Text(), nullable=True),
        sa.Column("is_profile_public", sa.Boolean(), nullable=False),
        sa.Column("profile_visibility", sa.String(length=32), nullable=False),
        sa.Column("streak_days", sa.Integer(), nullable=False),
        sa.Column("last_active_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "credentials",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_credentials_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_credentials")),
    )
    op.create_table(
        "follows",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("follower_id", sa.Uuid(), nullable=False),
        sa.Column("following_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("follower_id <> following_id", name=op.f("ck_follows_not_self")),
        sa.ForeignKeyConstraint(
            ["follower_id"], ["users.id"], name=op.f("fk_follows_follower_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["following_id"], ["users.id"], name=op.f("fk_follows_following_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
        sa.UniqueConstraint("follower_id", "following_id", name=op.f("uq_follows_follower_id_following_id")),
    )
    op.create_index(op.f("ix_follows_following_id"), "follows", ["following_id"], unique=False)

    op.create_table(
        "resume_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("version_name", sa.String(length=50), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("file_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_resume_versions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resume_versions")),
    )
    op.create_index(
        op.f("ix_resume_versions_user_id_created_at"),
        "resume_versions",
        ["user_id", "created_at"],
        unique=False,
    )

    op.create_table(
        "social_groups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_social_groups_created_by_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_groups")),
    )
    op.create_index(op.f("ix_social_groups_created_by"), "social_groups", ["created_by"], unique=False)
    op.create_index(
        op.f("ix_social_groups_is_public_created_at"),
        "social_groups",
        ["is_public", "created_at"],
        unique=False,
    )

    op.create_table(
        "tags",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tags_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_tags_user_id_name")),
    )
    op.create_table(
        "user_milestones",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("milestone_id", sa.Uuid(), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestones.id"],
            name=op.f("fk_user_milestones_milestone_id_milestones"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_milestones_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_milestones")),
        sa.UniqueConstraint("user_id", "milestone_id", name=op.f("uq_user_milestones_user_id_milestone_id")),
    )
    op.create_index(
        op.f("ix_user_milestones_milestone_id"), "user_milestones", ["milestone_id"], unique=False
    )

    op.create_table(
        "applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("company_name", sa.String(length=255), nullable=False),
        sa.Column("role_title", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("location", sa.String(length=255), nullable=True),
        sa.Column("job_type", sa.String(length=32), nullable=True),
        sa.Column("work_mode", sa.String(length=32), nullable=True),
        sa.Column("salary_min", sa.BigInteger(), nullable=True),
        sa.Column("salary_max", sa.BigInteger(), nullable=True),
        sa.Column("salary_currency", sa.String(length=3), nullable=False),
        sa.Column("applied_source", sa.String(length=32), nullable=True),
        sa.Column("applied_date", sa.Date(), nullable=True),
        sa.Column("follow_up_date", sa.Date(), nullable=True),
        sa.Column("priority", sa.String(length=32), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("resume_version_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resume_version_id"],
            ["resume_versions.id"],
            name=op.f("fk_applications_resume_version_id_resume_versions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_applications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    op.create_index(
        op.f("ix_applications_resume_version_id"), "applications", ["resume_version_id"], unique=False
    )
    op.create_index(
        op.f("ix_applications_user_id_created_at"), "applications", ["user_id", "created_at"], unique=False
    )

    op.create_table(
        "group_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["social_groups.id"],
            name=op.f("fk_group_members_group_id_social_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_group_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_members")),
        sa.UniqueConstraint("group_id", "user_id", name=op.f("uq_group_members_group_id_user_id")),
    )
    op.create_index(op.f("ix_group_members_user_id"), "group_members", ["user_id"], unique=False)

    op.create_table(
        "posts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=True),
        sa.Column("post_type", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["social_groups.id"],
            name=op.f("fk_posts_group_id_social_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_posts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
    )
    op.create_index(op.f("ix_posts_group_id_created_at"), "posts", ["group_id", "created_at"], unique=False)
    op.create_index(op.f("ix_posts_is_public_created_at"), "posts", ["is_public", "created_at"], unique=False)
    op.create_index(op.f("ix_posts_user_id_created_at"), "posts", ["user_id", "created_at"], unique=False)

    op.create_table(
        "activity_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("metadata", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_activity_log_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_activity_log_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_log")),
    )
    op.create_index(op.f("ix_activity_log_application_id"), "activity_log", ["application_id"], unique=False)
    op.create_index(
        op.f("ix_activity_log_user_id_created_at"), "activity_log", ["user_id", "created_at"], unique=False
    )

    op.create_table(
        "application_stages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("stage_name", sa.String(length=100), nullable=False),
        sa.Column("stage_type", sa.String(length=32), nullable=True),
        sa.Column("stage_date", sa.Date(), nullable=True),
        sa.Column("result", sa.String(length=32), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("interviewer_names", sa.Text(), nullable=True),
        sa.Column("prep_notes", sa.Text(), nullable=True),
        sa.Column("questions_asked", JSON, nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_stages_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_stages")),
    )
    op.create_index(
        op.f("ix_application_stages_application_id"), "application_stages", ["application_id"], unique=False
    )

    op.create_table(
        "application_tags",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("tag_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_tags_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_application_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_tags")),
        sa.UniqueConstraint(
            "application_id", "tag_id", name=op.f("uq_application_tags_application_id_tag_id")
        ),
    )
    op.create_index(op.f("ix_application_tags_tag_id"), "application_tags", ["tag_id"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("role_title", sa.String(length=255), nullable=True),
        sa.Column("company", sa.String(length=255), nullable=True),
        sa.Column("contact_type", sa.String(length=32), nullable=False),
        sa.Column("linkedin_url", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("last_contacted", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_contacts_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_contacts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    op.create_index(op.f("ix_contacts_application_id"), "contacts", ["application_id"], unique=False)
    op.create_index(
        op.f("ix_contacts_user_id_created_at"), "contacts", ["user_id", "created_at"], unique=False
    )

    op.create_table(
        "documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("doc_type", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("file_url", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_documents_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    op.create_index(
        op.f("ix_documents_application_id_created_at"),
        "documents",
        ["application_id", "created_at"],
        unique=False,
    )

    op.create_table(
        "outcomes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("salary", sa.BigInteger(), nullable=True),
        sa.Column("salary_currency", sa.String(length=3), nullable=False),
        sa.Column("bonus", sa.Text(), nullable=True),
        sa.Column("equity", sa.Text(), nullable=True),
        sa.Column("benefits", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("negotiation_notes", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_outcomes_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcomes")),
        sa.UniqueConstraint("application_id", name=op.f("uq_outcomes_application_id")),
    )
    op.create_table(
        "reactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("reaction", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_reactions_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reactions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reactions")),
        sa.UniqueConstraint("post_id", "user_id", name=op.f("uq_reactions_post_id_user_id")),
    )
    op.create_index(op.f("ix_reactions_user_id"), "reactions", ["user_id"], unique=False)

    op.create_table(
        "reflections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("what_worked", sa.Text(), nullable=True),
        sa.Column("what_failed", sa.Text(), nullable=True),
        sa.Column("skill_gaps", JSON, nullable=True),
        sa.Column("improvement_plan", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_reflections_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflections")),
        sa.UniqueConstraint("application_id", name=op.f("uq_reflections_application_id")),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminder_type", sa.String(length=32), nullable=False),
        sa.Column("is_completed", sa.Boolean(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_reminders_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reminders_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    op.create_index(op.f("ix_reminders_application_id"), "reminders", ["application_id"], unique=False)
    op.create_index(
        op.f("ix_reminders_user_id_remind_at"), "reminders", ["user_id", "remind_at"], unique=False
    )

    op.create_table(
        "saved_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("company_name", sa.String(length=255), nullable=False),
        sa.Column("role_title", sa.String(length=255), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("company_website", sa.String(length=500), nullable=True),
        sa.Column("location", sa.String(length=255), nullable=True),
        sa.Column("job_type", sa.String(length=32), nullable=True),
        sa.Column("work_mode", sa.String(length=32), nullable=True),
        sa.Column("salary_range_min", sa.BigInteger(), nullable=True),
        sa.Column("salary_range_max", sa.BigInteger(), nullable=True),
        sa.Column("salary_currency", sa.String(length=3), nullable=False),
        sa.Column("priority", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("excitement_level", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("converted_to_application_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["converted_to_application_id"],
            ["applications.id"],
            name=op.f("fk_saved_jobs_converted_to_application_id_applications"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_saved_jobs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_jobs")),
    )
    op.create_index(
        op.f("ix_saved_jobs_converted_to_application_id"),
        "saved_jobs",
        ["converted_to_application_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_saved_jobs_user_id_created_at"), "saved_jobs", ["user_id", "created_at"], unique=False
    )

    _seed_milestones()


def downgrade() -> None:
    op.drop_index(op.f("ix_saved_jobs_user_id_created_at"), table_name="saved_jobs")
    op.drop_index(op.f("ix_saved_jobs_converted_to_application_id"), table_name="saved_jobs")

    op.drop_table("saved_jobs")
    op.drop_index(op.f("ix_reminders_user_id_remind_at"), table_name="reminders")
    op.drop_index(op.f("ix_reminders_application_id"), table_name="reminders")

    op.drop_table("reminders")
    op.drop_table("reflections")
    op.drop_index(op.f("ix_reactions_user_id"), table_name="reactions")

    op.drop_table("reactions")
    op.drop_table("outcomes")
    op.drop_index(op.f("ix_documents_application_id_created_at"), table_name="documents")

    op.drop_table("documents")
    op.drop_index(op.f("ix_contacts_user_id_created_at"), table_name="contacts")
    op.drop_index(op.f("ix_contacts_application_id"), table_name="contacts")

    op.drop_table("contacts")
    op.drop_index(op.f("ix_application_tags_tag_id"), table_name="application_tags")

    op.drop_table("application_tags")
    op.drop_index(op.f("ix_application_stages_application_id"), table_name="application_stages")

    op.drop_table("application_stages")
    op.drop_index(op.f("ix_activity_log_user_id_created_at"), table_name="activity_log")
    op.drop_index(op.f("ix_activity_log_application_id"), table_name="activity_log")

    op.drop_table("activity_log")
    op.drop_index(op.f("ix_posts_user_id_created_at"), table_name="posts")
    op.drop_index(op.f("ix_posts_is_public_created_at"), table_name="posts")
    op.drop_index(op.f("ix_posts_group_id_created_at"), table_name="posts")

    op.drop_table("posts")
    op.drop_index(op.f("ix_group_members_user_id"), table_name="group_members")

    op.drop_table("group_members")
    op.drop_index(op.f("ix_applications_user_id_created_at"), table_name="applications")
    op.drop_index(op.f("ix_applications_resume_version_id"), table_name="applications")

    op.drop_table("applications")
    op.drop_index(op.f("ix_user_milestones_milestone_id"), table_name="user_milestones")

    op.drop_table("user_milestones")
    op.drop_table("tags")
    op.drop_index(op.f("ix_social_groups_is_public_created_at"), table_name="social_groups")
    op.drop_index(op.f("ix_social_groups_created_by"), table_name="social_groups")

    op.drop_table("social_groups")
    op.drop_index(op.f("ix_resume_versions_user_id_created_at"), table_name="resume_versions")

    op.drop_table("resume_versions")
    op.drop_index(op.f("ix_follows_following_id"), table_name="follows")

    op.drop_table("follows")
    op.drop_table("credentials")
    op.drop_table("users")
    op.drop_table("milestones")
