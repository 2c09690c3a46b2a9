"""The whole data model as frozen attrs classes.

Entities carry no serialization and do no I/O; they change with ``attrs.evolve``.
Field order follows the response models of the API reference, so an entity
rendered field by field *is* its response body where the two coincide.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import attrs

from .enums import (
    ActivityAction,
    ApplicationStatus,
    ContactType,
    DocumentType,
    GroupRole,
    JobType,
    OutcomeStatus,
    PostType,
    Priority,
    ProfileVisibility,
    ReactionType,
    ReminderType,
    SavedJobStatus,
    Source,
    StageResult,
    StageType,
    WorkMode,
)

__all__ = [
    "ActivityEntry",
    "Application",
    "ApplicationDetail",
    "ApplicationTag",
    "AssignedTag",
    "CalendarFeed",
    "Contact",
    "Document",
    "Follow",
    "Group",
    "GroupMember",
    "Milestone",
    "Outcome",
    "Post",
    "PostView",
    "Reaction",
    "Reflection",
    "Reminder",
    "ResumeVersion",
    "SavedJob",
    "Stage",
    "Tag",
    "User",
    "UserMilestone",
]


@attrs.frozen
class User:
    id: UUID
    email: str
    username: str
    display_name: str | None
    bio: str | None
    is_profile_public: bool
    profile_visibility: ProfileVisibility
    streak_days: int
    last_active_date: date | None
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class ResumeVersion:
    id: UUID
    user_id: UUID
    version_name: str
    notes: str | None
    file_url: str | None
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class Application:
    id: UUID
    user_id: UUID
    company_name: str
    role_title: str
    url: str | None
    description: str | None
    location: str | None
    job_type: JobType | None
    work_mode: WorkMode | None
    salary_min: int | None
    salary_max: int | None
    salary_currency: str
    applied_source: Source | None
    applied_date: date | None
    follow_up_date: date | None
    priority: Priority | None
    notes: str | None
    status: ApplicationStatus
    resume_version_id: UUID | None
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class Stage:
    id: UUID
    application_id: UUID
    stage_name: str
    stage_type: StageType | None
    stage_date: date | None
    result: StageResult
    duration_minutes: int | None
    interviewer_names: str | None
    prep_notes: str | None
    questions_asked: tuple[str, ...] | None
    notes: str | None
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class Outcome:
    id: UUID
    application_id: UUID
    status: OutcomeStatus
    salary: int | None
    salary_currency: str
    bonus: str | None
    equity: str | None
    benefits: str | None
    start_date: date | None
    deadline: date | None
    negotiation_notes: str | None
    notes: str | None
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class Reflection:
    id: UUID
    application_id: UUID
    what_worked: str | None
    what_failed: str | None
    skill_gaps: dict[str, Any] | None
    improvement_plan: str | None
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class ApplicationDetail:
    """An application with its nested children, as every application endpoint returns it.

    ``stages`` are ordered by ``stage_date`` (nulls last), then creation time.
    """

    application: Application
    stages: tuple[Stage, ...] = ()
    outcome: Outcome | None = None
    reflection: Reflection | None = None


@attrs.frozen
class Contact:
    id: UUID
    user_id: UUID
    application_id: UUID | None
    name: str
    email: str | None
    phone: str | None
    role_title: str | None
    company: str | None
    contact_type: ContactType
    linkedin_url: str | None
    notes: str | None
    last_contacted: date | None
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class Document:
    id: UUID
    application_id: UUID
    doc_type: DocumentType
    name: str
    file_url: str | None
    notes: str | None
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class Reminder:
    id: UUID
    user_id: UUID
    application_id: UUID | None
    title: str
    description: str | None
    remind_at: datetime
    reminder_type: ReminderType
    is_completed: bool
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class Tag:
    id: UUID
    user_id: UUID
    name: str
    color: str
    created_at: datetime


@attrs.frozen
class ApplicationTag:
    id: UUID
    application_id: UUID
    tag_id: UUID
    created_at: datetime


@attrs.frozen
class AssignedTag:
    """An :class:`ApplicationTag` with the tag it assigns: the reference's ApplicationTagResponse.

    A read model, loaded with its tag in one statement (never one query per assignment).
    """

    id: UUID
    application_id: UUID
    tag_id: UUID
    created_at: datetime
    tag: Tag

    @classmethod
    def of(cls, assignment: ApplicationTag, tag: Tag) -> AssignedTag:
        """``assignment`` with its ``tag``."""
        return cls(assignment.id, assignment.application_id, assignment.tag_id, assignment.created_at, tag)


@attrs.frozen
class CalendarFeed:
    """A user's secret calendar feed: only the SHA-256 of its secret is kept (one per user)."""

    user_id: UUID
    token_hash: str
    """Hex SHA-256 of the secret in the feed's URL; the secret itself is never stored."""
    created_at: datetime


@attrs.frozen
class SavedJob:
    id: UUID
    user_id: UUID
    company_name: str
    role_title: str | None
    url: str | None
    company_website: str | None
    location: str | None
    job_type: JobType | None
    work_mode: WorkMode | None
    salary_range_min: int | None
    salary_range_max: int | None
    salary_currency: str
    priority: Priority
    source: str | None
    notes: str | None
    deadline: date | None
    excitement_level: int | None
    status: SavedJobStatus
    converted_to_application_id: UUID | None
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class ActivityEntry:
    id: UUID
    user_id: UUID
    application_id: UUID | None
    action: ActivityAction
    description: str | None
    metadata: dict[str, Any]
    created_at: datetime


@attrs.frozen
class Follow:
    id: UUID
    follower_id: UUID
    following_id: UUID
    created_at: datetime


@attrs.frozen
class Group:
    id: UUID
    name: str
    description: str | None
    created_by: UUID
    is_public: bool
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class GroupMember:
    id: UUID
    group_id: UUID
    user_id: UUID
    role: GroupRole
    joined_at: datetime


@attrs.frozen
class Post:
    id: UUID
    user_id: UUID
    group_id: UUID | None
    post_type: PostType
    title: str | None
    content: str
    is_public: bool
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class Reaction:
    id: UUID
    post_id: UUID
    user_id: UUID
    reaction: ReactionType
    created_at: datetime


@attrs.frozen
class PostView:
    """A :class:`Post` with its ``reaction_count``: the reference's PostResponse.

    A read model: the count comes from the same statement as the post (never
    one query per post), so it is always the real number of reactions.
    """

    id: UUID
    user_id: UUID
    group_id: UUID | None
    post_type: PostType
    title: str | None
    content: str
    is_public: bool
    reaction_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, post: Post, reaction_count: int) -> PostView:
        """``post`` with ``reaction_count`` reactions."""
        return cls(
            post.id,
            post.user_id,
            post.group_id,
            post.post_type,
            post.title,
            post.content,
            post.is_public,
            reaction_count,
            post.created_at,
            post.updated_at,
        )


@attrs.frozen
class Milestone:
    id: UUID
    name: str
    description: str | None
    criteria: dict[str, Any]
    created_at: datetime


@attrs.frozen
class UserMilestone:
    id: UUID
    user_id: UUID
    milestone_id: UUID
    reached_at: datetime
