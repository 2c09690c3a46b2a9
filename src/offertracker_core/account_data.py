"""The account export document (``"format": "offertracker-export"``, version 1) as the import reads it.

An export is one JSON object: ``format``, ``version``, ``exported_at``, then the
sections ``profile``, ``resumes``, ``tags``, ``applications`` (each with its
``stages``, ``outcome``, ``reflection``, ``documents`` and tag assignments
``tags``), ``contacts``, ``reminders``, ``saved_jobs``, ``activity`` and
``milestones``. Items carry their ids; a section only refers to items of
sections before it (applications to resumes and tags; contacts, reminders, saved
jobs and activity to applications), so a reader can check references in one pass.

The classes below are what an import accepts: the entities' fields without
``user_id``, with the bounds of :mod:`offertracker_core.inputs` (the HTTP
converter enforces them, naming the item: ``["body", "applications", 3,
"company_name"]``). Fields an export carries that an import does not take (the
profile's email, username, visibility and streak) are ignored; so are unknown
keys, so an older reader can skim a document with additions. :func:`check_document`
adds what one field cannot say: the format, the version, ids used twice and
references to items the document does not hold.

Version policy: ``version`` grows only when a reader of the old version would
misread a document (a field changes meaning or a required one appears); new
optional fields and sections keep it. A server reads every version up to its own
and refuses a newer one (422 naming ``version``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import attrs

from .constraints import MaxItems, MaxLen
from .enums import (
    ActivityAction,
    ApplicationStatus,
    ContactType,
    DocumentType,
    JobType,
    OutcomeStatus,
    Priority,
    ReminderType,
    SavedJobStatus,
    Source,
    StageResult,
    StageType,
    WorkMode,
)
from .errors import InvalidInput, Violation
from .inputs import (
    DEFAULT_TAG_COLOR,
    MAX_STAGES_PER_APPLICATION,
    Currency,
    Excitement,
    FreeJson,
    LongText,
    Minutes,
    Money,
    Name255,
    Questions,
    ShortText,
    StageText,
    TagColor,
    TagName,
    Url500,
)

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "KINDS",
    "AccountDocument",
    "ActivityItem",
    "ApplicationItem",
    "AssignmentItem",
    "ContactItem",
    "DocumentItem",
    "ImportSummary",
    "MilestoneItem",
    "OutcomeItem",
    "ProfileItem",
    "ReflectionItem",
    "ReminderItem",
    "ResumeItem",
    "SavedJobItem",
    "StageItem",
    "TagItem",
    "check_document",
    "resume_file_entry",
]

EXPORT_FORMAT = "offertracker-export"
EXPORT_VERSION = 1
"""The version this server writes, and the newest it reads."""

KINDS = (
    "resumes",
    "tags",
    "applications",
    "stages",
    "outcomes",
    "reflections",
    "documents",
    "tag_assignments",
    "contacts",
    "reminders",
    "saved_jobs",
    "activity",
    "milestones",
)
"""The kinds of item an import counts, in the order it writes them."""

Stamp = datetime | None
"""When an item was created or last changed; an import keeps the document's times (now if absent)."""


@attrs.frozen
class ProfileItem:
    """What an import takes of the profile: it fills the caller's display name and bio only where
    the account has none (never the email, username, visibility or streak)."""

    display_name: Annotated[str, MaxLen(100)] | None = None
    bio: ShortText | None = None


@attrs.frozen
class ResumeItem:
    id: UUID
    version_name: Annotated[str, MaxLen(50)]
    notes: LongText | None = None
    file_url: Url500 | None = None
    file: Annotated[str, MaxLen(500)] | None = None
    """The zip entry holding the uploaded file (``files/<resume id>/<name>``); informative only."""
    created_at: Stamp = None
    updated_at: Stamp = None


@attrs.frozen
class TagItem:
    id: UUID
    name: TagName
    color: TagColor = DEFAULT_TAG_COLOR
    created_at: Stamp = None


@attrs.frozen
class StageItem:
    id: UUID
    stage_name: Annotated[str, MaxLen(100)]
    application_id: UUID | None = None
    """If given, the application the stage sits in (it must be that one)."""
    stage_type: StageType | None = None
    stage_date: date | None = None
    result: StageResult = StageResult.PENDING
    duration_minutes: Minutes | None = None
    interviewer_names: ShortText | None = None
    prep_notes: StageText | None = None
    questions_asked: Questions | None = None
    notes: StageText | None = None
    created_at: Stamp = None
    updated_at: Stamp = None


@attrs.frozen
class OutcomeItem:
    id: UUID
    application_id: UUID | None = None
    status: OutcomeStatus = OutcomeStatus.OFFER
    salary: Money | None = None
    salary_currency: Currency = "USD"
    bonus: ShortText | None = None
    equity: ShortText | None = None
    benefits: LongText | None = None
    start_date: date | None = None
    deadline: date | None = None
    negotiation_notes: LongText | None = None
    notes: LongText | None = None
    created_at: Stamp = None
    updated_at: Stamp = None


@attrs.frozen
class ReflectionItem:
    id: UUID
    application_id: UUID | None = None
    what_worked: LongText | None = None
    what_failed: LongText | None = None
    skill_gaps: FreeJson | None = None
    improvement_plan: LongText | None = None
    created_at: Stamp = None
    updated_at: Stamp = None


@attrs.frozen
class DocumentItem:
    id: UUID
    name: Name255
    application_id: UUID | None = None
    doc_type: DocumentType = DocumentType.OTHER
    file_url: Url500 | None = None
    notes: LongText | None = None
    created_at: Stamp = None
    updated_at: Stamp = None


@attrs.frozen
class AssignmentItem:
    """A tag assigned to the application it is listed under."""

    id: UUID
    tag_id: UUID
    application_id: UUID | None = None
    created_at: Stamp = None


@attrs.frozen
class ApplicationItem:
    id: UUID
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
    created_at: Stamp = None
    updated_at: Stamp = None
    stages: Annotated[list[StageItem], MaxItems(MAX_STAGES_PER_APPLICATION)] = attrs.field(factory=list)
    outcome: OutcomeItem | None = None
    reflection: ReflectionItem | None = None
    documents: list[DocumentItem] = attrs.field(factory=list)
    tags: list[AssignmentItem] = attrs.field(factory=list)


@attrs.frozen
class ContactItem:
    id: UUID
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
    created_at: Stamp = None
    updated_at: Stamp = None


@attrs.frozen
class ReminderItem:
    id: UUID
    title: Name255
    remind_at: datetime
    application_id: UUID | None = None
    description: LongText | None = None
    reminder_type: ReminderType = ReminderType.GENERAL
    is_completed: bool = False
    completed_at: datetime | None = None
    created_at: Stamp = None
    updated_at: Stamp = None


@attrs.frozen
class SavedJobItem:
    id: UUID
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
    status: SavedJobStatus = SavedJobStatus.ACTIVE
    converted_to_application_id: UUID | None = None
    created_at: Stamp = None
    updated_at: Stamp = None


@attrs.frozen
class ActivityItem:
    id: UUID
    action: ActivityAction
    application_id: UUID | None = None
    description: LongText | None = None
    metadata: FreeJson = attrs.field(factory=dict)
    created_at: Stamp = None


@attrs.frozen
class MilestoneItem:
    """A milestone reached, by its catalogue name; an import keeps when it was reached."""

    name: Annotated[str, MaxLen(100)]
    reached_at: datetime


@attrs.frozen
class AccountDocument:
    """A whole export, as an import reads it (see the module docstring)."""

    format: Annotated[str, MaxLen(100)]
    version: int
    exported_at: datetime | None = None
    profile: ProfileItem | None = None
    resumes: list[ResumeItem] = attrs.field(factory=list)
    tags: list[TagItem] = attrs.field(factory=list)
    applications: list[ApplicationItem] = attrs.field(factory=list)
    contacts: list[ContactItem] = attrs.field(factory=list)
    reminders: list[ReminderItem] = attrs.field(factory=list)
    saved_jobs: list[SavedJobItem] = attrs.field(factory=list)
    activity: list[ActivityItem] = attrs.field(factory=list)
    milestones: list[MilestoneItem] = attrs.field(factory=list)


@attrs.frozen
class ImportSummary:
    """What an import did, per kind (:data:`KINDS`): items created, and items skipped because the
    account holds them already (imported before, or its own)."""

    created: dict[str, int]
    skipped: dict[str, int]


def resume_file_entry(resume_id: UUID, filename: str) -> str:
    """The zip entry of a resume version's uploaded file: ``files/<resume id>/<name>``."""
    return f"files/{resume_id}/{filename}"


def _value_error(loc: tuple[str | int, ...], message: str, value: Any) -> Violation:
    return Violation(loc, "value_error", f"Value error, {message}", value, {"error": {}})


def check_document(document: AccountDocument) -> None:
    """Refuse what the field bounds cannot: another format, a newer (or non-positive) version, an
    id used twice within a kind, a reference to an item the document does not hold.

    Raises ``InvalidInput`` listing every such item by its place in the document
    (``("applications", 3, "resume_version_id")``); the HTTP edge answers it as a 422.
    """
    problems: list[Violation] = []
    if document.format != EXPORT_FORMAT:
        problems.append(_value_error(("format",), f"expected {EXPORT_FORMAT!r}", document.format))
    if not 1 <= document.version <= EXPORT_VERSION:
        message = f"this server reads export versions 1 to {EXPORT_VERSION}, not {document.version}"
        # Echoed as given, unless past what a JSON integer may portably be (64 bits): then as text.
        given: int | str = document.version if abs(document.version) < 2**63 else str(document.version)
        problems.append(_value_error(("version",), message, given))
    if problems:
        raise InvalidInput(problems)  # another format or version: its items mean something else
    resumes = _ids("resumes", document.resumes, problems)
    tags = _ids("tags", document.tags, problems)
    applications = _ids("applications", document.applications, problems)
    children: dict[str, set[UUID]] = {"stages": set(), "documents": set(), "tags": set()}
    outcomes: set[UUID] = set()
    reflections: set[UUID] = set()
    for index, app in enumerate(document.applications):
        where = ("applications", index)
        _refers(problems, (*where, "resume_version_id"), app.resume_version_id, resumes, "resume version")
        for name in ("stages", "documents", "tags"):
            for position, child in enumerate(getattr(app, name)):
                _once(problems, (*where, name, position, "id"), child.id, children[name])
                _parent(problems, (*where, name, position), child.application_id, app.id)
        for position, assignment in enumerate(app.tags):
            _refers(problems, (*where, "tags", position, "tag_id"), assignment.tag_id, tags, "tag")
        for name, child, seen in (
            ("outcome", app.outcome, outcomes),
            ("reflection", app.reflection, reflections),
        ):
            if child is not None:
                _once(problems, (*where, name, "id"), child.id, seen)
                _parent(problems, (*where, name), child.application_id, app.id)
    for section, field in (
        ("contacts", "application_id"),
        ("reminders", "application_id"),
        ("saved_jobs", "converted_to_application_id"),
        ("activity", "application_id"),
    ):
        items = getattr(document, section)
        _ids(section, items, problems)
        for index, item in enumerate(items):
            _refers(problems, (section, index, field), getattr(item, field), applications, "application")
    if problems:
        raise InvalidInput(problems)


def _ids(section: str, items: Iterable[Any], problems: list[Violation]) -> set[UUID]:
    seen: set[UUID] = set()
    for index, item in enumerate(items):
        _once(problems, (section, index, "id"), item.id, seen)
    return seen


def _once(problems: list[Violation], loc: tuple[str | int, ...], item_id: UUID, seen: set[UUID]) -> None:
    if item_id in seen:
        problems.append(_value_error(loc, f"id {item_id} appears twice", str(item_id)))
    seen.add(item_id)


def _parent(problems: list[Violation], loc: tuple[str | int, ...], given: UUID | None, parent: UUID) -> None:
    if given is not None and given != parent:
        message = f"application {given} is not the application this item is listed under"
        problems.append(_value_error((*loc, "application_id"), message, str(given)))


def _refers(
    problems: list[Violation], loc: tuple[str | int, ...], target: UUID | None, known: set[UUID], what: str
) -> None:
    if target is not None and target not in known:
        problems.append(_value_error(loc, f"{what} {target} is not in the document", str(target)))


def walk_children(document: AccountDocument) -> Iterator[tuple[ApplicationItem, str, Any]]:
    """Every child item of every application with its application and kind (for counting)."""
    for app in document.applications:
        for stage in app.stages:
            yield app, "stages", stage
        if app.outcome is not None:
            yield app, "outcomes", app.outcome
        if app.reflection is not None:
            yield app, "reflections", app.reflection
        for item in app.documents:
            yield app, "documents", item
        for assignment in app.tags:
            yield app, "tag_assignments", assignment
