"""The storage contract: one suite of cases, run against every adapter of the ports.

The unit tests trust ``FakeStorage`` to behave like the database, and the
services trust both to behave as ``offertracker_core.ports`` says. This suite
holds them to it: every case here is written once against the ports only (no
SQL, no fake internals) and runs on the in-memory fake, on SQLite and on
PostgreSQL, so an order, a tie-break, a cascade, a uniqueness rule or a
rollback that differs between them fails here rather than in production.

``storage`` is parametrized over ``fake``, ``sqlite`` and ``postgres`` (which is
skipped, with the reason, when ``OFFERTRACKER_TEST_POSTGRES_URL`` is unset).
``backdoor`` is the one exception to "ports only": rows no port writes yet
(group memberships) are reached through a small helper per backend,
clearly separated below (follows and posts go through their ports: :func:`follow`,
:func:`add_posts`); it also reads the activity log, through the port that lists it
(``uow.analytics.activity``), for the cases written before that port.
SQL-only concerns (statement counts, locks, migrations, column types, dialect
details) stay in ``tests/storage``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID, uuid4

import pytest
from sqlalchemy import insert

from offertracker_core.entities import ActivityEntry, Follow, Group, GroupMember, Post
from offertracker_core.enums import GroupRole, PostType
from offertracker_core.ports import ProgressTotals, Storage
from offertracker_storage import SqlStorage

from ..conftest import fresh_database_url
from ..storage.factories import T0
from ..unit.fakes import FakeStorage


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    """An empty storage (milestone catalogue seeded) on each backend, closed after the test."""
    if request.param == "fake":
        yield FakeStorage()
        return
    opened = await SqlStorage.open(fresh_database_url(request.param, request, tmp_path))
    try:
        yield opened
    finally:
        await opened.close()


# --- backdoor: what the ports do not reach yet -------------------------------------
#
# Keep this small. When a port gains a way to read the activity log, the cases should use
# it and the helper should shrink (follows, memberships and posts did).


async def follow(storage: Storage, follower_id: UUID, following_id: UUID) -> None:
    """``follower_id`` follows ``following_id`` through the port, counted as the service counts it."""
    async with storage.write() as uow:
        await uow.follows.add(Follow(uuid4(), follower_id, following_id, T0))
        await uow.progress.count(follower_id, ProgressTotals(follows=1))
        await uow.commit()


class Backdoor(Protocol):
    """Set up social rows of one backend, and read its committed activity log (through the port)."""

    async def join_group(self, group_id: UUID, user_id: UUID) -> None: ...
    async def activity_of(self, user_id: UUID) -> list[ActivityEntry]:
        """``user_id``'s committed entries, oldest first (``created_at``, then ``id``)."""
        ...


def _in_order(entries: list[ActivityEntry]) -> list[ActivityEntry]:
    return sorted(entries, key=lambda e: (e.created_at, e.id))


async def _logged(storage: Storage, user_id: UUID) -> list[ActivityEntry]:
    # Through the port that reads the log now (the analytics router's), oldest first.
    async with storage.read() as uow:
        entries = await uow.analytics.activity(user_id, application_id=None, skip=0, limit=1000)
    return _in_order(entries)


async def _join_group(storage: Storage, group_id: UUID, user_id: UUID) -> None:
    # Through the groups port now (not a backdoor any more): the first member creates the group.
    async with storage.write() as uow:
        if await uow.groups.get(group_id) is None:
            await uow.groups.add(Group(group_id, f"group {group_id}", None, user_id, True, T0, T0))
        await uow.groups.add_member(GroupMember(uuid4(), group_id, user_id, GroupRole.MEMBER, T0))
        await uow.progress.count(user_id, ProgressTotals(groups_joined=1))
        await uow.commit()


class _FakeBackdoor:
    def __init__(self, storage: FakeStorage) -> None:
        self.storage = storage

    async def join_group(self, group_id: UUID, user_id: UUID) -> None:
        await _join_group(self.storage, group_id, user_id)

    async def activity_of(self, user_id: UUID) -> list[ActivityEntry]:
        return await _logged(self.storage, user_id)


class _SqlBackdoor:
    def __init__(self, storage: SqlStorage) -> None:
        self.storage = storage

    async def _insert(
        self, table: Any, rows: list[dict[str, Any]], counted: tuple[UUID, ProgressTotals] | None = None
    ) -> None:
        # Counted in the same unit of work, as the services these rows will get must do.
        async with self.storage.write() as uow:
            await uow.execute(lambda conn: conn.execute(insert(table), rows))
            if counted is not None:
                await uow.progress.count(*counted)
            await uow.commit()

    async def join_group(self, group_id: UUID, user_id: UUID) -> None:
        await _join_group(self.storage, group_id, user_id)

    async def activity_of(self, user_id: UUID) -> list[ActivityEntry]:
        return await _logged(self.storage, user_id)


@pytest.fixture
def backdoor(storage: Storage) -> Backdoor:
    """The per-backend helper for rows and reads no port offers yet."""
    if isinstance(storage, FakeStorage):
        return _FakeBackdoor(storage)
    assert isinstance(storage, SqlStorage)
    return _SqlBackdoor(storage)


async def add_posts(storage: Storage, user_id: UUID, count: int) -> None:
    """``count`` public posts of ``user_id`` outside any group, through the posts port, counted in
    the same unit of work as ``PostService`` counts them (without its tracking)."""
    async with storage.write() as uow:
        for n in range(count):
            await uow.posts.add(
                Post(uuid4(), user_id, None, PostType.UPDATE, None, f"post {n}", True, T0, T0)
            )
        await uow.progress.count(user_id, ProgressTotals(posts=count))
        await uow.commit()
