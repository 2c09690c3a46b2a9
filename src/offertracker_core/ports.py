"""Ports: what the core needs from the outside world, as small Protocols.

Adapters live in ``offertracker_storage`` (SQL, password hashing, tokens,
files) and tests provide in-memory fakes. Repository methods are coroutines;
each should cost one round trip (or one worker-thread hop) however many
statements it runs, so services stay cheap on every backend. Unit-of-work
repositories are read-only properties so an adapter may narrow their types
(a Protocol attribute would be invariant).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

import attrs

from .entities import (
    ActivityEntry,
    Application,
    ApplicationDetail,
    Milestone,
    Outcome,
    Reflection,
    ResumeVersion,
    Stage,
    User,
    UserMilestone,
)
from .enums import ApplicationStatus, Priority
from .events import Event

__all__ = [
    "ActivityRepository",
    "ApplicationRepository",
    "Clock",
    "CredentialRepository",
    "EventPublisher",
    "FileStore",
    "IdFactory",
    "OutcomeRepository",
    "PasswordHasher",
    "ProgressRepository",
    "ProgressTotals",
    "ReflectionRepository",
    "ResumeRepository",
    "StageRepository",
    "Storage",
    "TokenClaims",
    "TokenIssuer",
    "TokenVerifier",
    "UnitOfWork",
    "UserRepository",
    "ViewerRelation",
    "today_of",
]


# --- small services ------------------------------------------------------------


class Clock(Protocol):
    """The current time; tests inject a fixed or steppable one."""

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        ...


class IdFactory(Protocol):
    """Makes new entity ids."""

    def __call__(self) -> UUID:
        """Return a fresh, never-used UUID."""
        ...


class PasswordHasher(Protocol):
    """Hashes and checks passwords; implementations keep the CPU work off the event loop."""

    async def hash(self, password: str) -> str:
        """Return an encoded hash (algorithm and parameters included) of ``password``."""
        ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """Return whether ``password`` matches ``password_hash``; never raise for a mismatch."""
        ...


@attrs.frozen
class TokenClaims:
    """What a verified bearer token says about its holder."""

    user_id: UUID
    email: str | None = None
    metadata: dict[str, Any] = attrs.field(factory=dict)


class TokenIssuer(Protocol):
    """Issues access tokens for signed-in users."""

    def issue(self, user: User) -> str:
        """Return a signed access token for ``user``."""
        ...


class TokenVerifier(Protocol):
    """Checks bearer tokens."""

    async def verify(self, token: str) -> TokenClaims:
        """Return the token's claims, or raise ``InvalidToken`` with a short reason."""
        ...


class FileStore(Protocol):
    """Keeps uploaded files (resume documents) under keys like ``{user_id}/{resume_id}/{name}``.

    Saving streams: an adapter must stop reading past ``max_bytes`` and keep
    nothing then, and must replace an existing file under the same key only
    once the new one is complete.
    """

    async def save(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str, max_bytes: int) -> str:
        """Store the streamed bytes under ``key`` and return the URL to reach them.

        Raise ``errors.FileTooLarge`` once more than ``max_bytes`` arrive.
        """
        ...

    def open(self, key: str) -> AsyncIterator[bytes]:
        """Stream the bytes stored under ``key``; raise ``NotFound`` when there are none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the file under ``key`` if there is one."""
        ...


class EventPublisher(Protocol):
    """Delivers committed domain events to listeners (plugins)."""

    async def publish(self, events: Sequence[Event]) -> None:
        """Deliver ``events`` in order; a failing listener is logged, never raised."""
        ...


# --- repositories ----------------------------------------------------------------


@attrs.frozen
class ViewerRelation:
    """How a viewer stands to a profile's owner."""

    follows: bool = False
    shares_group: bool = False


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Insert; raise ``Duplicate("users.username")`` or ``Duplicate("users.email")``."""
        ...

    async def get(self, user_id: UUID) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None:
        """Find by the stored (lower-cased) email."""
        ...

    async def get_by_username(self, username: str) -> User | None: ...

    async def update(self, user: User) -> None: ...

    async def relation(self, viewer_id: UUID, owner_id: UUID) -> ViewerRelation:
        """How ``viewer_id`` stands to ``owner_id``, for the visibility rule of behaviour.md §3."""
        ...

    async def search_visible(self, viewer_id: UUID, query: str, skip: int, limit: int) -> list[User]:
        """Case-insensitive substring match on username or display name, keeping only
        profiles ``viewer_id`` may see (the rule of ``visibility.can_view_profile``,
        evaluated in the query), ordered by username, paginated after filtering."""
        ...


class CredentialRepository(Protocol):
    """Password hashes, kept apart from the profile so no query can leak them."""

    async def set(self, user_id: UUID, password_hash: str) -> None: ...

    async def get(self, user_id: UUID) -> str | None: ...


class ResumeRepository(Protocol):
    async def add(self, resume: ResumeVersion) -> None: ...

    async def get(self, resume_id: UUID) -> ResumeVersion | None: ...

    async def list_for_user(self, user_id: UUID, skip: int, limit: int) -> list[ResumeVersion]:
        """Newest first."""
        ...

    async def update(self, resume: ResumeVersion) -> None: ...

    async def delete(self, resume_id: UUID) -> None:
        """Delete; applications that used it keep existing with ``resume_version_id`` null."""
        ...


class ApplicationRepository(Protocol):
    async def add(self, application: Application) -> None: ...

    async def get(self, application_id: UUID) -> Application | None: ...

    async def get_detail(self, application_id: UUID) -> ApplicationDetail | None:
        """The application with stages, outcome and reflection, in one round trip."""
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
        """Newest first, with children loaded by a constant number of queries."""
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
        """The page of :meth:`list_details` as a UTF-8 JSON array of ApplicationResponse objects.

        A read model: the adapter may render it without building entities (the SQL
        adapter has the database do it). Wire format of behaviour.md §1: ids as UUID
        text, datetimes ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC, dates ``YYYY-MM-DD``.
        """
        ...

    async def update(self, application: Application) -> None: ...

    async def delete(self, application_id: UUID) -> None:
        """Delete with every dependent row (behaviour.md §5)."""
        ...


class StageRepository(Protocol):
    async def add(self, stage: Stage) -> None: ...

    async def get(self, stage_id: UUID) -> Stage | None: ...

    async def update(self, stage: Stage) -> None: ...

    async def delete(self, stage_id: UUID) -> None: ...


class OutcomeRepository(Protocol):
    async def add(self, outcome: Outcome) -> None:
        """Insert; raise ``Duplicate("outcomes.application_id")`` when one exists."""
        ...

    async def get(self, outcome_id: UUID) -> Outcome | None: ...

    async def get_for_application(self, application_id: UUID) -> Outcome | None: ...

    async def update(self, outcome: Outcome) -> None: ...

    async def delete(self, outcome_id: UUID) -> None: ...


class ReflectionRepository(Protocol):
    async def add(self, reflection: Reflection) -> None:
        """Insert; raise ``Duplicate("reflections.application_id")`` when one exists."""
        ...

    async def get(self, reflection_id: UUID) -> Reflection | None: ...

    async def get_for_application(self, application_id: UUID) -> Reflection | None: ...

    async def update(self, reflection: Reflection) -> None: ...

    async def delete(self, reflection_id: UUID) -> None: ...


class ActivityRepository(Protocol):
    async def add_many(self, entries: Sequence[ActivityEntry]) -> None:
        """Append entries (the log is append-only)."""
        ...


@attrs.frozen
class ProgressTotals:
    """The figures milestones are checked against (behaviour.md §6 "Totals")."""

    applications: int = 0
    reflections: int = 0
    offers: int = 0
    follows: int = 0
    groups_joined: int = 0
    posts: int = 0


class ProgressRepository(Protocol):
    async def totals(self, user_id: UUID) -> ProgressTotals:
        """All totals in one query."""
        ...

    async def milestones(self) -> list[Milestone]:
        """The catalogue, in its defined order."""
        ...

    async def awarded_milestone_ids(self, user_id: UUID) -> set[UUID]: ...

    async def award(self, user_milestone: UserMilestone) -> None:
        """Insert; raise ``Duplicate("user_milestones.user_id,milestone_id")`` when held already."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without ``commit()`` rolls back."""

    @property
    def users(self) -> UserRepository: ...
    @property
    def credentials(self) -> CredentialRepository: ...
    @property
    def resumes(self) -> ResumeRepository: ...
    @property
    def applications(self) -> ApplicationRepository: ...
    @property
    def stages(self) -> StageRepository: ...
    @property
    def outcomes(self) -> OutcomeRepository: ...
    @property
    def reflections(self) -> ReflectionRepository: ...
    @property
    def activity(self) -> ActivityRepository: ...
    @property
    def progress(self) -> ProgressRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Make every change of this unit durable."""
        ...

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """A nested block whose failure rolls back only its own changes, then re-raises."""
        ...


class Storage(Protocol):
    """Opens units of work."""

    def write(self) -> UnitOfWork:
        """A read-write unit of work; writers are serialised where the backend needs it."""
        ...

    def read(self) -> UnitOfWork:
        """A read-only unit of work; may run alongside others."""
        ...


def today_of(clock: Clock) -> date:
    """The current UTC calendar day of ``clock`` (streaks and auto-dates use UTC days)."""
    return clock.now().date()
