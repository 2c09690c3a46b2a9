"""The account's data as a whole: read in keyset pages for an export, written in bulk by an import."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

import attrs

from ..entities import ApplicationDetail, ApplicationTag, Document

__all__ = ["AccountRepository", "ApplicationBundle", "Cursor", "ImportKey"]

E = TypeVar("E")

Cursor = tuple[datetime, UUID]
"""Where a page of an export ends: the last item's ``created_at`` and ``id`` (pages run oldest first)."""


@attrs.frozen
class ApplicationBundle:
    """An application with everything that hangs off it: stages, outcome, reflection, documents and
    tag assignments (each ordered by ``created_at``, then ``id``)."""

    detail: ApplicationDetail
    documents: tuple[Document, ...] = ()
    tags: tuple[ApplicationTag, ...] = ()


@attrs.frozen
class ImportKey:
    """An item an import created: its kind, the id it had in the document, the id it has now."""

    kind: str
    source_id: UUID
    target_id: UUID


class AccountRepository(Protocol):
    """Reads and writes of whole accounts (``uow.account``).

    The kinds are those of :data:`offertracker_core.account_data.KINDS` with an id
    (every one but ``milestones``).
    """

    async def applications_after(
        self, user_id: UUID, after: Cursor | None, limit: int
    ) -> list[ApplicationBundle]:
        """At most ``limit`` of ``user_id``'s applications after ``after``, oldest first (``created_at``,
        then ``id``), with their children: a constant number of statements however many there are
        (one per child table), never one per application."""
        ...

    async def owned_after(self, entity: type[E], user_id: UUID, after: Cursor | None, limit: int) -> list[E]:
        """At most ``limit`` of ``user_id``'s ``entity`` rows (``ResumeVersion``, ``Tag``, ``Contact``,
        ``Reminder``, ``SavedJob``, ``ActivityEntry``) after ``after``, oldest first; one statement."""
        ...

    async def known(
        self, user_id: UUID, wanted: Mapping[str, Collection[UUID]]
    ) -> dict[str, dict[UUID, UUID]]:
        """Of the ids ``wanted`` per kind, those the account holds already, each with the id it has
        here: an item an earlier import created from that id (and that still exists), or the
        account's own item of that id (mapped to itself)."""
        ...

    async def tags_named(self, user_id: UUID, names: Collection[str]) -> dict[str, UUID]:
        """The ids of ``user_id``'s tags called one of ``names`` (names are unique per user)."""
        ...

    async def insert(self, rows: Sequence[Any]) -> set[UUID]:
        """Insert the entities ``rows`` (of any stored class, parents before children) in batches of
        one class; a row that would break a uniqueness rule (a second outcome of an application,
        a tag assigned twice, a tag name taken) is left out. The ids of the rows inserted."""
        ...

    async def remember(self, user_id: UUID, keys: Sequence[ImportKey]) -> None:
        """Record what an import created, replacing older records of the same source ids."""
        ...
