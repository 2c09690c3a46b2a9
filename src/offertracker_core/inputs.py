"""What callers hand to the services: new things and partial changes.

``New*`` classes are attrs classes with the reference's defaults that check
their declared rules on construction (:class:`~offertracker_core.validation.CheckedInput`),
so a library caller gets the same ``InvalidInput`` the HTTP edge renders as a
422. ``*Changes``
are ``TypedDict(total=False)``: a key that is absent leaves the field alone, a
key set to ``None`` clears a nullable field (behaviour.md §4). Non-nullable
fields are typed without ``None``, so an explicit ``null`` is rejected; services
check them with :func:`~offertracker_core.validation.validate_changes`.
Constraints are ``Annotated`` markers from :mod:`offertracker_core.constraints`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, TypedDict
from uuid import UUID

import attrs

from .constraints import (
    Email,
    Ge,
    Gt,
    HexColor,
    Le,
    MaxItems,
    MaxJsonBytes,
    MaxLen,
    MinLen,
    NoControlChars,
    Secret,
)
from .enums import (
    ApplicationStatus,
    ContactType,
    DocumentType,
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
from .validation import CheckedInput, prepare

__all__ = [
    "AccountDeletion",
    "ApplicationChanges",
    "ContactChanges",
    "Credentials",
    "DocumentChanges",
    "NewApplication",
    "NewContact",
    "NewDocument",
    "NewOutcome",
    "NewReflection",
    "NewResume",
    "NewSavedJob",
    "NewStage",
    "OutcomeChanges",
    "PasswordChange",
    "ProfileChanges",
    "ReflectionChanges",
    "Registration",
    "ResumeChanges",
    "SavedJobChanges",
    "StageChanges",
]

Name255 = Annotated[str, MaxLen(255)]
# Bounds of free text, chosen so a real user never meets them while one account cannot fill
# the disk or make a page enormous (README, "Input bounds"; the issue "Hold up under abuse").
# An application is listed whole, with every stage, so what a stage may hold is tighter: an
# application at every bound is about 10 MB of JSON, and a page of them stops after the one
# that crosses offertracker_core.pages.PAGE_BYTES.
LongText = Annotated[str, MaxLen(20_000)]
"""Notes, descriptions, reflection texts."""
ShortText = Annotated[str, MaxLen(2_000)]
"""A bio, interviewer names, a bonus or equity line."""
StageText = Annotated[str, MaxLen(10_000)]
"""A stage's preparation notes and notes."""
Question = Annotated[str, MaxLen(500)]
"""One interview question."""
MAX_QUESTIONS = 50
MAX_STAGES_PER_APPLICATION = 50
"""Stages one application may hold: each page of applications carries all of them."""
MAX_JSON_BYTES = 64 * 1024
Questions = Annotated[list[Question], MaxItems(MAX_QUESTIONS)]
FreeJson = Annotated[dict[str, Any], MaxJsonBytes(MAX_JSON_BYTES)]
Url500 = Annotated[str, MaxLen(500)]
Currency = Annotated[str, MaxLen(3)]
# Upper bounds are the storage limits (BIGINT for money, INTEGER for minutes): a number
# the database cannot hold is a 422, not an overflow error in the middle of a write.
MAX_BIGINT = 2**63 - 1
MAX_INT = 2**31 - 1
Money = Annotated[int, Ge(0), Le(MAX_BIGINT)]
# Every password a caller types: the same bounds everywhere, and never echoed back (Secret).
Password = Annotated[str, Secret(), MinLen(6), MaxLen(128)]
Minutes = Annotated[int, Gt(0), Le(MAX_INT)]


# --- auth and users ----------------------------------------------------------


@attrs.frozen
class Registration(CheckedInput):
    email: Annotated[str, MaxLen(255), Email()]
    username: Annotated[str, MinLen(3), MaxLen(50), NoControlChars()]
    password: Password
    display_name: Annotated[str, MaxLen(100), NoControlChars()] | None = None


@attrs.frozen
class Credentials(CheckedInput):
    """Login input. Ours: 6+ characters, as at registration (behaviour.md §2)."""

    email: Annotated[str, MaxLen(255)]
    password: Password


@attrs.frozen
class PasswordChange(CheckedInput):
    """``PUT /auth/password`` (ours). Both passwords have registration's bounds (6–128)."""

    current_password: Password
    new_password: Password


@attrs.frozen
class AccountDeletion(CheckedInput):
    """``DELETE /users/me`` (ours): the account's password, with registration's bounds."""

    password: Password


class ProfileChanges(TypedDict, total=False):
    display_name: Annotated[str, MaxLen(100), NoControlChars()] | None
    bio: ShortText | None
    is_profile_public: bool
    profile_visibility: ProfileVisibility


# --- resumes -----------------------------------------------------------------


@attrs.frozen
class NewResume(CheckedInput):
    version_name: Annotated[str, MaxLen(50)]
    notes: LongText | None = None
    file_url: Url500 | None = None


class ResumeChanges(TypedDict, total=False):
    version_name: Annotated[str, MaxLen(50)]
    notes: LongText | None
    file_url: Url500 | None


# --- applications ------------------------------------------------------------


@attrs.frozen
class NewApplication(CheckedInput):
    company_name: Name255
    role_title: Name255
    url: Url500 | None = None
    description: LongText | None = None
    location: Name255 | None = None
    job_type: JobType | None = None
    work_mode: WorkMode | None = None
    salary_min: Money | None = None
    salary_max: Money | None = None
    salary_currency: Currency = "USD"
    applied_source: Source | None = None
    applied_date: date | None = None
    follow_up_date: date | None = None
    priority: Priority | None = None
    notes: LongText | None = None
    status: ApplicationStatus = ApplicationStatus.SAVED
    resume_version_id: UUID | None = None


class ApplicationChanges(TypedDict, total=False):
    company_name: Name255
    role_title: Name255
    url: Url500 | None
    description: LongText | None
    location: Name255 | None
    job_type: JobType | None
    work_mode: WorkMode | None
    salary_min: Money | None
    salary_max: Money | None
    salary_currency: Currency
    applied_source: Source | None
    applied_date: date | None
    follow_up_date: date | None
    priority: Priority | None
    notes: LongText | None
    status: ApplicationStatus
    resume_version_id: UUID | None


@attrs.frozen
class NewStage(CheckedInput):
    stage_name: Annotated[str, MaxLen(100)]
    stage_type: StageType | None = None
    stage_date: date | None = None
    result: StageResult = StageResult.PENDING
    duration_minutes: Minutes | None = None
    interviewer_names: ShortText | None = None
    prep_notes: StageText | None = None
    questions_asked: Questions | None = None
    notes: StageText | None = None


class StageChanges(TypedDict, total=False):
    stage_name: Annotated[str, MaxLen(100)]
    stage_type: StageType | None
    stage_date: date | None
    result: StageResult
    duration_minutes: Minutes | None
    interviewer_names: ShortText | None
    prep_notes: StageText | None
    questions_asked: Questions | None
    notes: StageText | None


@attrs.frozen
class NewOutcome(CheckedInput):
    """``status`` ``None`` means the default, Offer (the reference types it ``string | null``)."""

    status: OutcomeStatus | None = None
    salary: Money | None = None
    salary_currency: Currency = "USD"
    bonus: ShortText | None = None
    equity: ShortText | None = None
    benefits: LongText | None = None
    start_date: date | None = None
    deadline: date | None = None
    negotiation_notes: LongText | None = None
    notes: LongText | None = None


class OutcomeChanges(TypedDict, total=False):
    status: OutcomeStatus
    salary: Money | None
    salary_currency: Currency
    bonus: ShortText | None
    equity: ShortText | None
    benefits: LongText | None
    start_date: date | None
    deadline: date | None
    negotiation_notes: LongText | None
    notes: LongText | None


@attrs.frozen
class NewReflection(CheckedInput):
    what_worked: LongText | None = None
    what_failed: LongText | None = None
    skill_gaps: FreeJson | None = None
    improvement_plan: LongText | None = None


class ReflectionChanges(TypedDict, total=False):
    what_worked: LongText | None
    what_failed: LongText | None
    skill_gaps: FreeJson | None
    improvement_plan: LongText | None


# --- saved jobs --------------------------------------------------------------

Excitement = Annotated[int, Ge(1), Le(5)]
"""A saved job's ``excitement_level``: a 1–5 rating."""


@attrs.frozen
class NewSavedJob(CheckedInput):
    """``POST /saved-jobs/``; a new saved job is Active (its status is not the caller's to set)."""

    company_name: Name255
    role_title: Name255 | None = None
    url: Url500 | None = None
    company_website: Url500 | None = None
    location: Name255 | None = None
    job_type: JobType | None = None
    work_mode: WorkMode | None = None
    salary_range_min: Money | None = None
    salary_range_max: Money | None = None
    salary_currency: Currency = "USD"
    priority: Priority = Priority.MEDIUM
    source: Name255 | None = None
    notes: LongText | None = None
    deadline: date | None = None
    excitement_level: Excitement | None = None


class SavedJobChanges(TypedDict, total=False):
    """``PUT /saved-jobs/{id}``; ``status`` Converted is refused by the service (400), not here."""

    company_name: Name255
    role_title: Name255 | None
    url: Url500 | None
    company_website: Url500 | None
    location: Name255 | None
    job_type: JobType | None
    work_mode: WorkMode | None
    salary_range_min: Money | None
    salary_range_max: Money | None
    salary_currency: Currency
    priority: Priority
    source: Name255 | None
    notes: LongText | None
    deadline: date | None
    excitement_level: Excitement | None
    status: SavedJobStatus


# --- contacts and documents ----------------------------------------------------


@attrs.frozen
class NewContact(CheckedInput):
    """``POST /contacts/``; ``application_id`` links the contact to one of the caller's applications."""

    name: Name255
    application_id: UUID | None = None
    email: Annotated[str, MaxLen(255)] | None = None
    phone: Annotated[str, MaxLen(50)] | None = None
    role_title: Name255 | None = None
    company: Name255 | None = None
    contact_type: ContactType = ContactType.OTHER
    linkedin_url: Url500 | None = None
    notes: LongText | None = None
    last_contacted: date | None = None


class ContactChanges(TypedDict, total=False):
    name: Name255
    application_id: UUID | None
    email: Annotated[str, MaxLen(255)] | None
    phone: Annotated[str, MaxLen(50)] | None
    role_title: Name255 | None
    company: Name255 | None
    contact_type: ContactType
    linkedin_url: Url500 | None
    notes: LongText | None
    last_contacted: date | None


@attrs.frozen
class NewDocument(CheckedInput):
    """``POST /documents/``: a document belongs to the application ``application_id``."""

    application_id: UUID
    name: Name255
    doc_type: DocumentType = DocumentType.OTHER
    file_url: Url500 | None = None
    notes: LongText | None = None


class DocumentChanges(TypedDict, total=False):
    """``PUT /documents/{doc_id}``: a document stays with its application."""

    doc_type: DocumentType
    name: Name255
    file_url: Url500 | None
    notes: LongText | None


# --- reminders and tags ------------------------------------------------------

__all__ += ["NewReminder", "NewTag", "ReminderChanges", "TagChanges"]

TagName = Annotated[str, MaxLen(50)]
"""A tag's name: unique per user (the database says so: ``tags.user_id,name``)."""
TagColor = Annotated[str, MaxLen(7), HexColor()]
"""``#RGB`` or ``#RRGGBB``."""
DEFAULT_TAG_COLOR = "#6366f1"


@attrs.frozen
class NewReminder(CheckedInput):
    """``remind_at`` may lie in the past (an overdue reminder); ``application_id`` must be the caller's."""

    title: Name255
    remind_at: datetime
    application_id: UUID | None = None
    description: LongText | None = None
    reminder_type: ReminderType = ReminderType.GENERAL


class ReminderChanges(TypedDict, total=False):
    """``is_completed`` true stamps ``completed_at``, false clears it (behaviour.md §9)."""

    title: Name255
    description: LongText | None
    remind_at: datetime
    reminder_type: ReminderType
    is_completed: bool


@attrs.frozen
class NewTag(CheckedInput):
    name: TagName
    color: TagColor = DEFAULT_TAG_COLOR


class TagChanges(TypedDict, total=False):
    name: TagName
    color: TagColor


# --- social: groups ----------------------------------------------------------

__all__ += ["GroupChanges", "NewGroup"]

GroupName = Annotated[str, MaxLen(100)]
"""A group's name: the column's size (``social_groups.name``, 100)."""


@attrs.frozen
class NewGroup(CheckedInput):
    """``POST /social/groups``; the creator becomes the group's admin member."""

    name: GroupName
    description: LongText | None = None
    is_public: bool = True


class GroupChanges(TypedDict, total=False):
    """``PUT /social/groups/{id}``: ``name`` and ``is_public`` cannot be null (behaviour.md §4)."""

    name: GroupName
    description: LongText | None
    is_public: bool


# --- posts and reactions -------------------------------------------------------

__all__ += ["NewPost", "NewReaction", "PostChanges"]


@attrs.frozen
class NewPost(CheckedInput):
    """A post; into a group (``group_id``) only for its members (behaviour.md §10)."""

    content: LongText
    post_type: PostType = PostType.UPDATE
    title: Name255 | None = None
    group_id: UUID | None = None
    is_public: bool = True


class PostChanges(TypedDict, total=False):
    """``post_type`` and ``group_id`` cannot change (behaviour.md §10); ``content`` and
    ``is_public`` are not nullable, so an explicit ``null`` is a 422 (§4)."""

    title: Name255 | None
    content: LongText
    is_public: bool


@attrs.frozen
class NewReaction(CheckedInput):
    reaction: ReactionType = ReactionType.LIKE


# Resolve every declaration now: a type no check understands fails at import, not at first use.
prepare(*(globals()[name] for name in __all__))
