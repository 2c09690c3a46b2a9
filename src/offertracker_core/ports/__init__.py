"""Ports: what the core needs from the outside world, as small Protocols.

Adapters live in ``offertracker_storage`` (SQL, password hashing, tokens,
files) and tests provide in-memory fakes. Repository methods are coroutines;
each should cost one round trip (or one worker-thread hop) however many
statements it runs, so services stay cheap on every backend. Unit-of-work
repositories are read-only properties so an adapter may narrow their types
(a Protocol attribute would be invariant).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from ..entities import ActivityEntry
from ..events import Event
from .account import AccountRepository, ApplicationBundle, Cursor, ImportKey
from .progress import (
    AccountFigures,
    AnalyticsRepository,
    CommunityMember,
    EarnedMilestone,
    ProgressRepository,
    ProgressStanding,
    ProgressTotals,
)
from .repositories import (
    ActivityRepository,
    ApplicationRepository,
    ApplicationTagRepository,
    CalendarRepository,
    CredentialRepository,
    DocumentRepository,
    ImportRepository,
    OnePerApplication,
    OutcomeRepository,
    OwnedRepository,
    ReflectionRepository,
    ReminderRepository,
    Repository,
    ResumeRepository,
    StageRepository,
    TagRepository,
    UserRepository,
    ViewerRelation,
)
from .services import (
    NEVER_REVOKED,
    Clock,
    EventPublisher,
    FileStore,
    IdentityProvider,
    IdentitySession,
    IdFactory,
    PasswordHasher,
    TokenClaims,
    TokenIssuer,
    TokenVerifier,
)
from .social import (
    FollowCounts,
    FollowRepository,
    GroupAccess,
    GroupRepository,
    GroupView,
    PostRepository,
    ReactionRepository,
)

__all__ = [
    "NEVER_REVOKED",
    "AccountFigures",
    "AccountRepository",
    "ActivityRepository",
    "AnalyticsRepository",
    "ApplicationBundle",
    "ApplicationRepository",
    "ApplicationTagRepository",
    "CalendarRepository",
    "Clock",
    "CommunityMember",
    "CredentialRepository",
    "Cursor",
    "DocumentRepository",
    "EarnedMilestone",
    "EventPublisher",
    "FileStore",
    "FollowCounts",
    "FollowRepository",
    "GroupAccess",
    "GroupRepository",
    "GroupView",
    "IdFactory",
    "IdentityProvider",
    "IdentitySession",
    "ImportKey",
    "ImportRepository",
    "OnePerApplication",
    "OutcomeRepository",
    "OwnedRepository",
    "PasswordHasher",
    "PostRepository",
    "ProgressRepository",
    "ProgressStanding",
    "ProgressTotals",
    "ReactionRepository",
    "ReflectionRepository",
    "ReminderRepository",
    "Repositories",
    "Repository",
    "ResumeRepository",
    "StageRepository",
    "Storage",
    "TagRepository",
    "TokenClaims",
    "TokenIssuer",
    "TokenVerifier",
    "UnitOfWork",
    "UserRepository",
    "ViewerRelation",
    "repository_names",
    "today_of",
]

E = TypeVar("E")
T = TypeVar("T")


class Repositories(Protocol):
    """The named repositories of a unit of work: the registry both adapters are built from
    (:func:`repository_names`). A plain owned resource needs no name of its own and is
    reached with :meth:`UnitOfWork.owned`."""

    @property
    def users(self) -> UserRepository: ...
    @property
    def credentials(self) -> CredentialRepository: ...
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
    @property
    def documents(self) -> DocumentRepository: ...
    @property
    def reminders(self) -> ReminderRepository: ...
    @property
    def tags(self) -> TagRepository: ...
    @property
    def application_tags(self) -> ApplicationTagRepository: ...
    @property
    def analytics(self) -> AnalyticsRepository: ...
    @property
    def groups(self) -> GroupRepository: ...
    @property
    def follows(self) -> FollowRepository: ...
    @property
    def posts(self) -> PostRepository: ...
    @property
    def reactions(self) -> ReactionRepository: ...
    @property
    def imports(self) -> ImportRepository: ...
    @property
    def calendar(self) -> CalendarRepository: ...
    @property
    def account(self) -> AccountRepository: ...


class UnitOfWork(Repositories, Protocol):
    """One transaction, with the repositories it runs against.

    Services ``record`` domain events and ``log`` activity entries on the unit
    of work: entries are written with the commit, events are published once it
    succeeded (``ServiceContext.write``). Leaving the block without
    ``commit()`` rolls back.
    """

    def owned(self, entity: type[E]) -> OwnedRepository[E]:
        """The repository of the owned entity class ``entity`` (``ResumeVersion``, ``Application``, …)."""
        ...

    def record(self, *events: Event) -> None:
        """Remember ``events`` to publish after a successful commit (dropped on rollback)."""
        ...

    def log(self, *entries: ActivityEntry) -> None:
        """Remember activity ``entries``, written to the log together with the commit."""
        ...

    @property
    def events(self) -> Sequence[Event]:
        """The events recorded so far (outside rolled-back savepoints), in order."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Write the logged activity and make every change of this unit durable."""
        ...

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """A nested block whose failure rolls back only its own changes (and the events
        and entries recorded inside it), then re-raises."""
        ...


def repository_names() -> frozenset[str]:
    """The named repositories every unit of work offers (the properties of :class:`Repositories`)."""
    return frozenset(name for name, value in vars(Repositories).items() if isinstance(value, property))


class Storage(Protocol):
    """Opens units of work."""

    async def transact(
        self, work: Callable[[UnitOfWork], Coroutine[Any, Any, T]]
    ) -> tuple[T, Sequence[Event]]:
        """Run ``work`` in a write unit of work, commit, and return its result and recorded events.

        The cheap way to write: an adapter may run the whole of ``work`` where its
        connection lives (the SQL adapter: in one worker-thread hop on SQLite,
        one ``run_sync`` on PostgreSQL), so ``work`` must await nothing but the
        unit of work's own calls. Errors propagate and nothing is committed.
        """
        ...

    async def snapshot(self, work: Callable[[UnitOfWork], Coroutine[Any, Any, T]]) -> T:
        """Run ``work`` on one consistent read-only snapshot and return its result.

        The cheap way to read, as :meth:`transact` is to write: an adapter may run
        the whole of ``work`` where its connection lives (the SQL adapter: one hop
        to a reader thread on SQLite, one ``run_sync`` on PostgreSQL), so ``work``
        must await nothing but the unit of work's own calls, and must not write.
        """
        ...

    def write(self) -> UnitOfWork:
        """A read-write unit of work; writers are serialised where the backend needs it."""
        ...

    def read(self) -> UnitOfWork:
        """A read-only unit of work: one consistent snapshot; may run alongside others."""
        ...


def today_of(clock: Clock) -> date:
    """The current UTC calendar day of ``clock`` (streaks and auto-dates use UTC days)."""
    return clock.now().date()
