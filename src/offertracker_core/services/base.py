"""What every service needs: the context with its write path, and the ownership rules they share."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

import attrs

from .. import activity
from ..entities import Application, ApplicationDetail, ResumeVersion
from ..errors import Contention, Forbidden, NotFound
from ..import_registry import ImportSetup
from ..ports import Clock, EventPublisher, FileStore, IdFactory, Storage, UnitOfWork
from ..status import Transition
from ..uploads import NoFileStore

__all__ = [
    "APPLICATION",
    "RESUME",
    "Ownable",
    "ServiceContext",
    "check_reference",
    "child_of",
    "ensure_owned",
    "ensure_owner",
    "owned",
    "owned_application_detail",
    "store_automatic_move",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

WRITE_ATTEMPTS = 4
"""How often a unit of work the database aborted to break a tie (``Contention``) is run in all."""


@attrs.frozen
class ServiceContext:
    """The ports a use case runs against: storage, time, ids, the event publisher and the file store."""

    storage: Storage
    clock: Clock
    ids: IdFactory
    events: EventPublisher
    files: FileStore = attrs.field(factory=NoFileStore)
    """Uploaded documents; files are written before the unit of work that points at them
    opens, and removed only after the one that stops pointing at them committed."""
    imports: ImportSetup = attrs.field(factory=ImportSetup)
    """The installed importers, the fetcher they read URLs through, and the import bounds."""

    async def write(self, work: Callable[[UnitOfWork], Coroutine[Any, Any, T]]) -> T:
        """Run ``work`` in a write unit of work, commit, then publish the events it recorded.

        The one post-commit path: services never publish by hand. When the
        database aborts the transaction to break a tie with a concurrent one
        (``Contention``: a PostgreSQL deadlock or serialization failure), the
        whole of ``work`` runs again in a fresh unit of work, up to
        ``WRITE_ATTEMPTS`` times with a short random pause; after that the
        ``Contention`` (a 503) reaches the caller. ``work`` must therefore do
        nothing but its reads and writes through ``uow``: the storage may run it
        where its connection lives (``Storage.transact``), awaiting nothing else.
        """
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                result, events = await self.storage.transact(work)
            except Contention:
                if attempt == WRITE_ATTEMPTS:
                    raise
                logger.info("write aborted by the database to break a tie; attempt %d again", attempt + 1)
                await asyncio.sleep(random.uniform(0, 0.005 * attempt))
                continue
            if events:
                await self.events.publish(list(events))
            return result
        raise AssertionError("unreachable")  # the loop returns or raises

    async def read(self, work: Callable[[UnitOfWork], Coroutine[Any, Any, T]]) -> T:
        """Run ``work`` on one consistent read-only snapshot (``Storage.snapshot``); its result.

        Like :meth:`write`'s, ``work`` must await nothing but its reads through ``uow``.
        """
        return await self.storage.snapshot(work)


class _Owned(Protocol):
    @property
    def id(self) -> UUID: ...
    @property
    def user_id(self) -> UUID: ...


OwnedT = TypeVar("OwnedT", bound=_Owned)


@attrs.frozen
class Ownable(Generic[OwnedT]):
    """An owned entity class with the two messages of behaviour.md §3.

    ``missing`` answers an unknown id (404), ``foreign`` someone else's (403).
    A reference inside a body (``resume_version_id``, ``application_id``) to
    someone else's row is reported as ``missing``: its existence is not the
    caller's to learn.
    """

    entity: type[OwnedT]
    missing: str
    foreign: str


APPLICATION = Ownable(Application, "Application not found", "Not your application")
RESUME = Ownable(ResumeVersion, "Resume version not found", "Not your resume")


def ensure_owner(kind: Ownable[Any], user_id: UUID, owner_id: UUID | None) -> None:
    """Pass if ``owner_id`` is ``user_id``; ``NotFound(kind.missing)`` if it is ``None`` (no
    such row), ``Forbidden(kind.foreign)`` if it is someone else. The one ownership rule,
    for callers that hold the owner's id rather than the entity (a read model)."""
    if owner_id is None:
        raise NotFound(kind.missing)
    if owner_id != user_id:
        raise Forbidden(kind.foreign)


def ensure_owned(kind: Ownable[OwnedT], user_id: UUID, found: OwnedT | None) -> OwnedT:
    """``found`` if it belongs to ``user_id``; ``NotFound(kind.missing)`` if it is ``None``,
    ``Forbidden(kind.foreign)`` if it is someone else's (:func:`ensure_owner`)."""
    ensure_owner(kind, user_id, None if found is None else found.user_id)
    assert found is not None  # ensure_owner raised otherwise
    return found


async def owned(
    uow: UnitOfWork, kind: Ownable[OwnedT], user_id: UUID, entity_id: UUID, *, for_update: bool = False
) -> OwnedT:
    """Load ``entity_id`` of ``kind`` and check it is ``user_id``'s (:func:`ensure_owned`).

    ``for_update`` locks the row until the unit of work ends: pass it when the
    row (or a child guarded by it) is about to be written.
    """
    repository = uow.owned(kind.entity)
    load = repository.get_for_update if for_update else repository.get
    return ensure_owned(kind, user_id, await load(entity_id))


async def check_reference(
    uow: UnitOfWork,
    kind: Ownable[OwnedT],
    user_id: UUID,
    entity_id: UUID | None,
    *,
    foreign_is_missing: bool = True,
) -> None:
    """Check an id carried in a body: ``None`` passes; a missing row raises
    ``NotFound(kind.missing)``, and so does someone else's row, unless ``foreign_is_missing``
    is false: then it is ``Forbidden(kind.foreign)``, as behaviour.md §3 has it for
    ``application_id`` on contacts, documents and reminders ("404/403 as for applications"),
    while a ``resume_version_id`` of someone else's is 404. Reads without a lock (see the lock
    order in ports)."""
    if entity_id is None:
        return
    found = await uow.owned(kind.entity).get(entity_id)
    if found is not None and found.user_id != user_id and not foreign_is_missing:
        raise Forbidden(kind.foreign)
    if found is None or found.user_id != user_id:
        raise NotFound(kind.missing)


async def owned_application_detail(
    uow: UnitOfWork, user_id: UUID, application_id: UUID, *, for_update: bool = False
) -> ApplicationDetail:
    """The caller's application with its children in one round trip (checked by :func:`ensure_owned`)."""
    detail = await uow.applications.get_detail(application_id, for_update=for_update)
    ensure_owned(APPLICATION, user_id, None if detail is None else detail.application)
    assert detail is not None  # ensure_owned raised otherwise
    return detail


class _Child(Protocol):
    @property
    def application_id(self) -> UUID: ...


ChildT = TypeVar("ChildT", bound=_Child)


def child_of(application_id: UUID, child: ChildT | None, not_found: str) -> ChildT:
    """``child`` if it hangs off ``application_id``; otherwise ``NotFound(not_found)``.

    A stage, outcome or reflection under the wrong application is reported as
    missing (behaviour.md §3), exactly like one that does not exist.
    """
    if child is None or child.application_id != application_id:
        raise NotFound(not_found)
    return child


async def store_automatic_move(
    ctx: ServiceContext, uow: UnitOfWork, transition: Transition, now: datetime, cause: activity.StatusCause
) -> int:
    """Store the application a rule moved (stage added, outcome recorded), log and record the move.

    Returns how many entries it logged (0 when the rule left the status alone,
    else 1), so the caller can stamp the entry of the action itself just after.
    """
    if transition.event is None:
        return 0
    await uow.applications.update(transition.application)
    uow.log(activity.status_changed(ctx.ids(), transition.event, now, cause))
    uow.record(transition.event)
    return 1
