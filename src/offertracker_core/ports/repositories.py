"""The repositories of the personal tracker: users, resumes, applications and their children,
documents, reminders, tags and the activity log (the lock order is described below)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Protocol, TypeVar
from uuid import UUID

import attrs

from ..calendar import DatedItem
from ..entities import (
    ActivityEntry,
    Application,
    ApplicationDetail,
    ApplicationTag,
    AssignedTag,
    CalendarFeed,
    Document,
    Outcome,
    Reflection,
    Reminder,
    ResumeVersion,
    SavedJob,
    Stage,
    Tag,
    User,
)
from ..enums import ApplicationStatus, Priority, ReminderType

__all__ = [
    "ActivityRepository",
    "ApplicationRepository",
    "ApplicationTagRepository",
    "CalendarRepository",
    "CredentialRepository",
    "DocumentRepository",
    "ImportRepository",
    "OnePerApplication",
    "OutcomeRepository",
    "OwnedRepository",
    "ReflectionRepository",
    "ReminderRepository",
    "Repository",
    "ResumeRepository",
    "StageRepository",
    "TagRepository",
    "UserRepository",
    "ViewerRelation",
]

# --- repositories ----------------------------------------------------------------
#
# Lock order (PostgreSQL; SQLite serialises writers): a write unit of work locks
# rows with ``get_for_update`` parent before child, the application before its
# owner's user row; a child (stage, outcome, reflection) is guarded by its locked
# application and read with plain ``get``. A row that is only referenced (the
# resume an application points to) is checked with ``get``, never locked. A
# deadlock the database breaks anyway surfaces as ``errors.Contention`` and the
# whole unit of work is retried (see ``ServiceContext.write``).

E = TypeVar("E")
T = TypeVar("T")


class Repository(Protocol[E]):
    """What every entity stored by ``id`` offers, parametrised by the entity class."""

    async def add(self, entity: E) -> None:
        """Insert; a broken uniqueness rule raises ``Duplicate`` naming the constraint."""
        ...

    async def get(self, entity_id: UUID) -> E | None:
        """The entity, or ``None``; never locks."""
        ...

    async def get_for_update(self, entity_id: UUID) -> E | None:
        """Like :meth:`get`, and lock the row until the unit of work ends (see the lock order above)."""
        ...

    async def update(self, entity: E) -> None:
        """Replace the stored entity with ``entity`` (same ``id``)."""
        ...

    async def delete(self, entity_id: UUID) -> None:
        """Delete the row and, by the schema's rules, what hangs off it."""
        ...


class OwnedRepository(Repository[E], Protocol[E]):
    """An entity that belongs to one user (it has ``user_id``)."""

    async def list_for_user(
        self, user_id: UUID, skip: int, limit: int, *, where: Mapping[str, object] | None = None
    ) -> list[E]:
        """``user_id``'s entities, newest first (``created_at``, then ``id``, descending), at most
        ``limit`` of them and ending early at the byte budget of :mod:`offertracker_core.pages`
        (after the entity that takes the page's content past ``PAGE_BYTES``; never empty while
        rows remain).

        ``where`` narrows the list to entities whose named fields equal the given
        values (``{"contact_type": ContactType.RECRUITER}``); a ``None`` value means
        "no filter on that field", as an absent query parameter does.
        """
        ...


class OnePerApplication(Repository[E], Protocol[E]):
    """A child of which an application has at most one (outcome, reflection)."""

    async def get_for_application(self, application_id: UUID) -> E | None:
        """The application's one child, or ``None``."""
        ...


ResumeRepository = OwnedRepository[ResumeVersion]


class StageRepository(Repository[Stage], Protocol):
    """An application's interview stages."""

    async def count_for_application(self, application_id: UUID) -> int:
        """How many stages the application has (a handful; at most ``MAX_STAGES_PER_APPLICATION``)."""
        ...


OutcomeRepository = OnePerApplication[Outcome]
"""``add`` raises ``Duplicate("outcomes.application_id")`` when the application has one."""
ReflectionRepository = OnePerApplication[Reflection]
"""``add`` raises ``Duplicate("reflections.application_id")`` when the application has one."""


class DocumentRepository(Repository[Document], Protocol):
    """Documents: rows of an application, owned through it (they carry no ``user_id``).

    A document's writers lock the document row itself (``get_owned(..., for_update=True)``),
    not its application: they change nothing else, so holding that one row cannot take part
    in a lock cycle, and deleting the application still waits for them (it deletes the row).
    """

    async def get_owned(self, document_id: UUID, *, for_update: bool = False) -> tuple[UUID, Document] | None:
        """The ``user_id`` of the document's application and the document, in one round trip;
        ``None`` for an unknown id. ``for_update`` locks the document row."""
        ...

    async def list_for_application(self, application_id: UUID, skip: int, limit: int) -> list[Document]:
        """The application's documents, newest first (``created_at``, then ``id``, descending), at
        most ``limit`` of them and ending early at the byte budget of :mod:`offertracker_core.pages`,
        as :meth:`OwnedRepository.list_for_user` does."""
        ...


@attrs.frozen
class ViewerRelation:
    """How a viewer stands to a profile's owner."""

    follows: bool = False
    shares_group: bool = False


class UserRepository(Repository[User], Protocol):
    """Profiles; ``add`` raises ``Duplicate("users.username")`` or ``Duplicate("users.email")``."""

    async def get_by_email(self, email: str) -> User | None:
        """Find by the stored (lower-cased) email."""
        ...

    async def get_by_username(self, username: str) -> User | None:
        """Find by the exact username."""
        ...

    async def relation(self, viewer_id: UUID, owner_id: UUID) -> ViewerRelation:
        """How ``viewer_id`` stands to ``owner_id``, for the visibility rule of behaviour.md §3."""
        ...

    async def search_visible(self, viewer_id: UUID, query: str, skip: int, limit: int) -> list[User]:
        """Case-insensitive substring match on username or display name, keeping only
        profiles ``viewer_id`` may see (the rule of ``visibility.can_view_profile``,
        evaluated in the query), ordered by username, paginated after filtering."""
        ...

    async def tokens_valid_after(self, user_id: UUID) -> datetime | None:
        """The time before which ``user_id``'s tokens are refused (:data:`NEVER_REVOKED` if
        never set), or ``None`` when there is no such user: one primary-key lookup."""
        ...

    async def set_tokens_valid_after(self, user_id: UUID, valid_after: datetime) -> None:
        """Refuse every token of ``user_id`` issued before ``valid_after`` (no error for an unknown id)."""
        ...


class CredentialRepository(Protocol):
    """Password hashes, kept apart from the profile so no query can leak them."""

    async def set(self, user_id: UUID, password_hash: str) -> None:
        """Store or replace the hash of ``user_id``'s password."""
        ...

    async def get(self, user_id: UUID) -> str | None:
        """The stored hash, or ``None`` for a user without a local password."""
        ...


class ApplicationRepository(OwnedRepository[Application], Protocol):
    """Applications, also read whole: with stages, outcome and reflection."""

    async def get_detail(self, application_id: UUID, *, for_update: bool = False) -> ApplicationDetail | None:
        """The application with stages, outcome and reflection, in one round trip.

        ``for_update`` locks the application row (not its children) until the unit of work ends.
        """
        ...

    async def list_details(
        self,
        user_id: UUID,
        *,
        status: ApplicationStatus | None,
        priority: Priority | None,
        skip: int,
        limit: int,
    ) -> list[ApplicationDetail]:
        """Newest first, with children loaded by a constant number of queries; the page ends early
        at the byte budget of :mod:`offertracker_core.pages`, each application counted with its
        stages, outcome and reflection."""
        ...

    async def page_json(
        self,
        user_id: UUID,
        *,
        status: ApplicationStatus | None,
        priority: Priority | None,
        skip: int,
        limit: int,
    ) -> bytes:
        """The page of :meth:`list_details` (the same applications, budget included) as a UTF-8 JSON
        array of ApplicationResponse objects.

        A read model: the adapter may render it without building entities (the SQL
        adapter has the database do it). Wire format of behaviour.md §1: ids as UUID
        text, datetimes ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC, dates ``YYYY-MM-DD``.
        """
        ...

    async def detail_json(self, application_id: UUID) -> tuple[UUID, bytes] | None:
        """The owner's ``user_id`` and :meth:`get_detail` as one UTF-8 ApplicationResponse object,
        or ``None`` for an unknown id.

        The read model of one application, an element of :meth:`page_json`'s array
        (same wire format), in one round trip. The owner comes with it so the caller
        can apply the ownership rule without building the entity.
        """
        ...


# --- reminders and tags ----------------------------------------------------------


class ReminderRepository(OwnedRepository[Reminder], Protocol):
    """Reminders, listed by when they are due rather than newest first."""

    async def list_by_time(
        self,
        user_id: UUID,
        skip: int,
        limit: int,
        *,
        is_completed: bool | None = None,
        reminder_type: ReminderType | None = None,
    ) -> list[Reminder]:
        """``user_id``'s reminders by ``remind_at`` ascending (ties: ``created_at``, then ``id``,
        ascending), narrowed by the filters that are not ``None``; at most ``limit`` and ending
        early at the byte budget of :mod:`offertracker_core.pages`, as ``list_for_user`` does."""
        ...

    async def upcoming(self, user_id: UUID, skip: int, limit: int) -> list[Reminder]:
        """The incomplete reminders, overdue ones included, in the order of :meth:`list_by_time`."""
        ...


class TagRepository(OwnedRepository[Tag], Protocol):
    """Tags; ``add`` and ``update`` raise ``Duplicate("tags.user_id,name")`` for a name the user has."""

    async def list_by_name(self, user_id: UUID, skip: int, limit: int) -> list[Tag]:
        """``user_id``'s tags by name in code-point order (the same on every backend), paged and
        ending early at the byte budget of :mod:`offertracker_core.pages`."""
        ...


class ApplicationTagRepository(Repository[ApplicationTag], Protocol):
    """Tags assigned to applications; ``add`` raises ``Duplicate("application_tags.application_id,tag_id")``
    for a tag the application has. Deleting the tag or the application removes its assignments."""

    async def find(self, application_id: UUID, tag_id: UUID) -> ApplicationTag | None:
        """The assignment of ``tag_id`` to ``application_id``, or ``None``."""
        ...

    async def list_for_application(self, application_id: UUID, skip: int, limit: int) -> list[AssignedTag]:
        """The application's assignments with their tags (one statement), in the order of
        :meth:`TagRepository.list_by_name`, paged and ending early at the byte budget, each
        assignment counted with its tag."""
        ...


class ImportRepository(Protocol):
    """Saved jobs made by importers, with the duplicate keys that stop a job being imported twice.

    A key (a hash of a canonical URL, or of source + external id) belongs to one
    saved job of one user; deleting the saved job frees it. Keys are unique per
    user in the schema, so of two imports racing for one posting exactly one saves it.
    """

    async def known(
        self, user_id: UUID, keys: Collection[str], urls: Collection[str]
    ) -> tuple[set[str], set[str]]:
        """Which of ``keys`` ``user_id``'s saved jobs hold, and which of ``urls`` they have as
        their ``url`` (jobs saved by hand carry no keys), in two statements."""
        ...

    async def add(self, user_id: UUID, jobs: Sequence[tuple[SavedJob, Sequence[str]]]) -> set[UUID]:
        """Insert the saved jobs and claim their keys; the ids of the jobs kept.

        A job one of whose keys is taken by then (a concurrent import committed it
        first, or blocked on it and committed) is removed again in the same
        transaction and left out of the answer. A constant number of statements.
        """
        ...


class CalendarRepository(Protocol):
    """Each user's secret calendar feed (one at most: the user id is its key) and what it shows."""

    async def replace_feed(self, feed: CalendarFeed) -> None:
        """Store ``feed`` as its user's only feed, in place of any earlier one, in one statement
        (an upsert: of two concurrent replacements the later one stays, never both)."""
        ...

    async def feed_of(self, user_id: UUID) -> CalendarFeed | None:
        """``user_id``'s feed, if they have one."""
        ...

    async def remove_feed(self, user_id: UUID) -> None:
        """Remove ``user_id``'s feed, if any: its URL stops answering."""
        ...

    async def feed_by_hash(self, token_hash: str) -> CalendarFeed | None:
        """The feed whose secret hashes to ``token_hash`` (an indexed lookup), or ``None``."""
        ...

    async def dated_items(self, user_id: UUID, since: date, limit: int) -> list[DatedItem]:
        """``user_id``'s items dated ``since`` or later: stages with a ``stage_date``, reminders
        not completed, applications' ``follow_up_date``, active saved jobs' ``deadline``, and
        the ``deadline`` of outcomes that are offers. At most ``limit`` of each kind (the
        earliest first); one statement per kind, whatever the size of the account."""
        ...


class ActivityRepository(Protocol):
    """The append-only activity log; units of work write what services ``log`` at commit."""

    async def add_many(self, entries: Sequence[ActivityEntry]) -> None:
        """Append ``entries``."""
        ...
