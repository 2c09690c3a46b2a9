"""SQLAlchemy Core tables for the whole data model.

One ``MetaData`` with a naming convention, so every constraint has a stable,
predictable name: migrations can refer to it and :mod:`.errors` can turn a
PostgreSQL ``constraint_name`` back into the ``"table.col[,col]"`` form the
core's ``Duplicate`` carries. Uniqueness the API promises is a constraint here
(never only a check in a service), and deletes cascade as behaviour.md §5 says.
Enum columns are plain ``String(32)`` holding the wire strings.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

from .types import HexUuid, IsoDate, UtcDateTime

__all__ = [
    "account_import_keys",
    "activity_log",
    "application_stages",
    "application_tags",
    "applications",
    "calendar_feeds",
    "contacts",
    "credentials",
    "documents",
    "follows",
    "group_members",
    "import_keys",
    "metadata",
    "milestones",
    "outcomes",
    "posts",
    "reactions",
    "reflections",
    "reminders",
    "resume_versions",
    "saved_jobs",
    "social_groups",
    "tags",
    "user_milestones",
    "user_progress",
    "users",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# JSONB on PostgreSQL (indexable, compact); a JSON text column elsewhere.
Json = JSON().with_variant(JSONB(), "postgresql")
Enum32 = String(32)


def _id() -> Column[UUID]:
    return Column("id", HexUuid(), primary_key=True)


def _created() -> Column[datetime]:
    return Column("created_at", UtcDateTime(), nullable=False)


def _updated() -> Column[datetime]:
    return Column("updated_at", UtcDateTime(), nullable=False)


def _owner(column: str = "user_id", *, nullable: bool = False) -> Column[UUID]:
    # Everything a user owns goes when the user goes.
    return Column(column, HexUuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=nullable)


def _application(*, nullable: bool = False) -> Column[UUID]:
    # Children of an application go with it (behaviour.md §5).
    return Column(
        "application_id", HexUuid(), ForeignKey("applications.id", ondelete="CASCADE"), nullable=nullable
    )


users = Table(
    "users",
    metadata,
    _id(),
    Column("email", String(255), nullable=False),
    Column("username", String(50), nullable=False),
    Column("display_name", String(100)),
    Column("bio", Text),
    Column("is_profile_public", Boolean, nullable=False),
    Column("profile_visibility", Enum32, nullable=False),
    Column("streak_days", Integer, nullable=False),
    Column("last_active_date", IsoDate()),
    _created(),
    _updated(),
    # Tokens issued before this instant are refused (logout, password change); NULL: never.
    # Not a field of the User entity: only authentication reads it.
    Column("tokens_valid_after", UtcDateTime()),
    UniqueConstraint("email"),
    UniqueConstraint("username"),
)

credentials = Table(
    "credentials",
    metadata,
    Column("user_id", HexUuid(), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("password_hash", String(255), nullable=False),
)

resume_versions = Table(
    "resume_versions",
    metadata,
    _id(),
    _owner(),
    Column("version_name", String(50), nullable=False),
    Column("notes", Text),
    Column("file_url", String(500)),
    _created(),
    _updated(),
    Index(None, "user_id", "created_at"),
)

applications = Table(
    "applications",
    metadata,
    _id(),
    _owner(),
    Column("company_name", String(255), nullable=False),
    Column("role_title", String(255), nullable=False),
    Column("url", String(500)),
    Column("description", Text),
    Column("location", String(255)),
    Column("job_type", Enum32),
    Column("work_mode", Enum32),
    Column("salary_min", BigInteger),
    Column("salary_max", BigInteger),
    Column("salary_currency", String(3), nullable=False),
    Column("applied_source", Enum32),
    Column("applied_date", IsoDate()),
    Column("follow_up_date", IsoDate()),
    Column("priority", Enum32),
    Column("notes", Text),
    Column("status", Enum32, nullable=False),
    Column(
        "resume_version_id",
        HexUuid(),
        ForeignKey("resume_versions.id", ondelete="SET NULL"),
        index=True,
    ),
    _created(),
    _updated(),
    Index(None, "user_id", "created_at"),
    # The dashboard reads every application of an account (behaviour.md §8); these let it read
    # indexes alone, in their order, instead of the 10,000 rows of a large account one by one:
    # by status, source and currency (and the ids its stages and offers are found by), the
    # days applied within the trend window, and the company counts. Measured on SQLite at
    # 10,000 applications: the dashboard's statements 23 -> 12 ms (migration 0005).
    Index(
        "ix_applications_dashboard",
        "user_id",
        "status",
        "applied_source",
        "salary_currency",
        "salary_min",
        "salary_max",
        "id",
    ),
    Index(None, "user_id", "applied_date"),
    Index(None, "user_id", "company_name"),
)

application_stages = Table(
    "application_stages",
    metadata,
    _id(),
    _application(),
    Column("stage_name", String(100), nullable=False),
    Column("stage_type", Enum32),
    Column("stage_date", IsoDate()),
    Column("result", Enum32, nullable=False),
    Column("duration_minutes", Integer),
    Column("interviewer_names", Text),
    Column("prep_notes", Text),
    Column("questions_asked", Json),
    Column("notes", Text),
    _created(),
    _updated(),
    # With the day, so the dashboard's stage figures read the index alone.
    Index(None, "application_id", "stage_date"),
)

outcomes = Table(
    "outcomes",
    metadata,
    _id(),
    _application(),
    Column("status", Enum32, nullable=False),
    Column("salary", BigInteger),
    Column("salary_currency", String(3), nullable=False),
    Column("bonus", Text),
    Column("equity", Text),
    Column("benefits", Text),
    Column("start_date", IsoDate()),
    Column("deadline", IsoDate()),
    Column("negotiation_notes", Text),
    Column("notes", Text),
    _created(),
    _updated(),
    UniqueConstraint("application_id"),
    # The dashboard's offer figures from the index alone.
    Index("ix_outcomes_offers", "application_id", "status", "salary_currency", "salary"),
)

reflections = Table(
    "reflections",
    metadata,
    _id(),
    _application(),
    Column("what_worked", Text),
    Column("what_failed", Text),
    Column("skill_gaps", Json),
    Column("improvement_plan", Text),
    _created(),
    _updated(),
    UniqueConstraint("application_id"),
)

contacts = Table(
    "contacts",
    metadata,
    _id(),
    _owner(),
    _application(nullable=True),
    Column("name", String(255), nullable=False),
    Column("email", String(255)),
    Column("phone", String(50)),
    Column("role_title", String(255)),
    Column("company", String(255)),
    Column("contact_type", Enum32, nullable=False),
    Column("linkedin_url", String(500)),
    Column("notes", Text),
    Column("last_contacted", IsoDate()),
    _created(),
    _updated(),
    Index(None, "user_id", "created_at"),
    Index(None, "application_id"),
)

documents = Table(
    "documents",
    metadata,
    _id(),
    _application(),
    Column("doc_type", Enum32, nullable=False),
    Column("name", String(255), nullable=False),
    Column("file_url", String(500)),
    Column("notes", Text),
    _created(),
    _updated(),
    Index(None, "application_id", "created_at"),
)

reminders = Table(
    "reminders",
    metadata,
    _id(),
    _owner(),
    _application(nullable=True),
    Column("title", String(255), nullable=False),
    Column("description", Text),
    Column("remind_at", UtcDateTime(), nullable=False),
    Column("reminder_type", Enum32, nullable=False),
    Column("is_completed", Boolean, nullable=False),
    Column("completed_at", UtcDateTime()),
    _created(),
    _updated(),
    Index(None, "user_id", "remind_at"),
    Index(None, "application_id"),
)

tags = Table(
    "tags",
    metadata,
    _id(),
    _owner(),
    Column("name", String(50), nullable=False),
    Column("color", String(7), nullable=False),
    _created(),
    UniqueConstraint("user_id", "name"),
)

application_tags = Table(
    "application_tags",
    metadata,
    _id(),
    _application(),
    Column("tag_id", HexUuid(), ForeignKey("tags.id", ondelete="CASCADE"), nullable=False),
    _created(),
    UniqueConstraint("application_id", "tag_id"),
    Index(None, "tag_id"),
)

saved_jobs = Table(
    "saved_jobs",
    metadata,
    _id(),
    _owner(),
    Column("company_name", String(255), nullable=False),
    Column("role_title", String(255)),
    Column("url", String(500)),
    Column("company_website", String(500)),
    Column("location", String(255)),
    Column("job_type", Enum32),
    Column("work_mode", Enum32),
    Column("salary_range_min", BigInteger),
    Column("salary_range_max", BigInteger),
    Column("salary_currency", String(3), nullable=False),
    Column("priority", Enum32, nullable=False),
    Column("source", String(255)),
    Column("notes", Text),
    Column("deadline", IsoDate()),
    Column("excitement_level", Integer),
    Column("status", Enum32, nullable=False),
    Column(
        "converted_to_application_id",
        HexUuid(),
        ForeignKey("applications.id", ondelete="SET NULL"),
        index=True,
    ),
    _created(),
    _updated(),
    Index(None, "user_id", "created_at"),
    Index(None, "user_id", "url"),  # imports find jobs saved by hand with a posting's URL
)

# The duplicate keys of imported saved jobs (offertracker_core.import_mapping): one key names
# one saved job per user, so of two imports racing for a posting exactly one keeps it.
import_keys = Table(
    "import_keys",
    metadata,
    _owner(),
    Column("key", String(64), nullable=False),
    Column(
        "saved_job_id", HexUuid(), ForeignKey("saved_jobs.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    PrimaryKeyConstraint("user_id", "key"),
)

# Each user's secret calendar feed: the user id is the key, so there is one feed per user however
# many requests make one at once; only the SHA-256 of the URL's secret is kept, found by its index.
calendar_feeds = Table(
    "calendar_feeds",
    metadata,
    Column("user_id", HexUuid(), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    _created(),
    UniqueConstraint("token_hash"),
)

# What account imports created (offertracker_core.services.account_data): per user and kind, the id
# an item had in the imported document and the id it got here, so importing the document again
# skips it. A record whose item is gone since is ignored (and replaced by the next import).
account_import_keys = Table(
    "account_import_keys",
    metadata,
    _owner(),
    Column("kind", String(32), nullable=False),
    Column("source_id", HexUuid(), nullable=False),
    Column("target_id", HexUuid(), nullable=False),
    PrimaryKeyConstraint("user_id", "kind", "source_id"),
)

activity_log = Table(
    "activity_log",
    metadata,
    _id(),
    _owner(),
    _application(nullable=True),
    Column("action", Enum32, nullable=False),
    Column("description", Text),
    Column("metadata", Json, nullable=False),
    _created(),
    Index(None, "user_id", "created_at"),
    Index(None, "application_id"),
)

follows = Table(
    "follows",
    metadata,
    _id(),
    _owner("follower_id"),
    _owner("following_id"),
    _created(),
    UniqueConstraint("follower_id", "following_id"),
    CheckConstraint("follower_id <> following_id", name="not_self"),
    Index(None, "following_id"),
)

social_groups = Table(
    "social_groups",
    metadata,
    _id(),
    Column("name", String(100), nullable=False),
    Column("description", Text),
    _owner("created_by"),
    Column("is_public", Boolean, nullable=False),
    _created(),
    _updated(),
    Index(None, "is_public", "created_at"),
    Index(None, "created_by"),
)

group_members = Table(
    "group_members",
    metadata,
    _id(),
    Column("group_id", HexUuid(), ForeignKey("social_groups.id", ondelete="CASCADE"), nullable=False),
    _owner(),
    Column("role", Enum32, nullable=False),
    Column("joined_at", UtcDateTime(), nullable=False),
    UniqueConstraint("group_id", "user_id"),
    Index(None, "user_id"),
)

posts = Table(
    "posts",
    metadata,
    _id(),
    _owner(),
    Column("group_id", HexUuid(), ForeignKey("social_groups.id", ondelete="CASCADE")),
    Column("post_type", Enum32, nullable=False),
    Column("title", String(255)),
    Column("content", Text, nullable=False),
    Column("is_public", Boolean, nullable=False),
    _created(),
    _updated(),
    Index(None, "is_public", "created_at"),
    Index(None, "group_id", "created_at"),
    Index(None, "user_id", "created_at"),
)

reactions = Table(
    "reactions",
    metadata,
    _id(),
    Column("post_id", HexUuid(), ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    _owner(),
    Column("reaction", Enum32, nullable=False),
    _created(),
    UniqueConstraint("post_id", "user_id"),
    Index(None, "user_id"),
)

milestones = Table(
    "milestones",
    metadata,
    _id(),
    # The catalogue order of behaviour.md §6; names and timestamps cannot give it.
    Column("position", Integer, nullable=False),
    Column("name", String(100), nullable=False),
    Column("description", Text),
    Column("criteria", Json, nullable=False),
    _created(),
    UniqueConstraint("name"),
    UniqueConstraint("position"),
)

user_milestones = Table(
    "user_milestones",
    metadata,
    _id(),
    _owner(),
    Column("milestone_id", HexUuid(), ForeignKey("milestones.id", ondelete="CASCADE"), nullable=False),
    Column("reached_at", UtcDateTime(), nullable=False),
    UniqueConstraint("user_id", "milestone_id"),
    Index(None, "milestone_id"),
)


def _counter(name: str) -> Column[int]:
    return Column(name, Integer, nullable=False, server_default="0")


# The running totals milestones are checked against (behaviour.md §6), and the stage count of
# /progress/stats, one row per user,
# kept by the services in the same transaction as the rows they count, so a tracked
# action reads one row instead of counting the account (architecture pitfall 15).
# A user without a row has counted nothing yet: every figure is zero.
user_progress = Table(
    "user_progress",
    metadata,
    Column("user_id", HexUuid(), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    _counter("applications"),
    _counter("reflections"),
    _counter("offers"),
    _counter("follows"),
    _counter("groups_joined"),
    _counter("posts"),
    _counter("stages"),
)
