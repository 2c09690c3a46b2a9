"""Transactions as only the SQL adapter has them: read-only connections, racing writers, row locks,
deadlocks and failed or cancelled hops. Commit, rollback and savepoints: tests/contract."""

from __future__ import annotations

import asyncio
import time

import attrs
import pytest
from sqlalchemy.exc import DBAPIError

from offertracker_core import ports
from offertracker_core.entities import ResumeVersion, User
from offertracker_core.errors import Contention, Duplicate
from offertracker_storage import SqlStorage
from offertracker_storage.sql.repositories import BY_ENTITY, BY_PORT
from offertracker_storage.sql.tables import outcomes

from . import factories as f


async def test_a_read_unit_of_work_cannot_write(storage: SqlStorage) -> None:
    async with storage.read() as uow:
        with pytest.raises(DBAPIError):
            await uow.users.add(f.user("ada"))
    async with storage.read() as uow:
        assert await uow.users.get_by_username("ada") is None


async def test_eight_racing_outcomes_leave_exactly_one(storage: SqlStorage) -> None:
    ada = f.user("ada")
    app = f.application(ada.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(app)
        await uow.commit()
    start = asyncio.Event()

    async def record_outcome() -> str:
        await start.wait()
        async with storage.write() as uow:
            try:
                if await uow.outcomes.get_for_application(app.id) is not None:
                    return "exists"
                await uow.outcomes.add(f.outcome(app.id))
                await asyncio.sleep(0)  # let the others reach their insert
                await uow.commit()
            except Duplicate as duplicate:
                return duplicate.constraint
        return "created"

    tasks = [asyncio.create_task(record_outcome()) for _ in range(8)]
    start.set()
    results = await asyncio.gather(*tasks)
    assert results.count("created") == 1
    assert sorted(set(results) - {"created"}) <= ["exists", "outcomes.application_id"]
    assert await f.count_rows(storage, outcomes, application_id=app.id) == 1


async def test_eight_racing_inserts_without_a_check_get_seven_duplicates(storage: SqlStorage) -> None:
    ada = f.user("ada")
    app = f.application(ada.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(app)
        await uow.commit()

    async def insert() -> str:
        try:
            async with storage.write() as uow:
                await uow.outcomes.add(f.outcome(app.id))
                await uow.commit()
        except Duplicate as duplicate:
            return duplicate.constraint
        return "created"

    results = await asyncio.gather(*(insert() for _ in range(8)))
    assert sorted(results) == ["created"] + ["outcomes.application_id"] * 7
    assert await f.count_rows(storage, outcomes, application_id=app.id) == 1


class _ConnectionFailsOnce:
    """Stands in for a unit of work's connection getter: the first call fails, as a
    locked SQLite database or an exhausted PostgreSQL pool would."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.failed = False

    def _fail(self) -> None:
        self.failed = True
        raise ConnectionError("could not get a connection")

    def sync(self) -> object:
        if not self.failed:
            self._fail()
        return self.real()  # type: ignore[operator]

    async def coroutine(self) -> object:
        if not self.failed:
            self._fail()
        return await self.real()  # type: ignore[operator]


async def test_a_savepoint_that_never_opened_does_not_break_the_commit(
    storage: SqlStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        flaky = _ConnectionFailsOnce(uow._connection)  # type: ignore[attr-defined]
        getter = flaky.sync if storage.dialect == "sqlite" else flaky.coroutine
        monkeypatch.setattr(uow, "_connection", getter)
        with pytest.raises(ConnectionError):
            async with uow.savepoint():
                await uow.users.get(ada.id)  # its hop fails before the savepoint opens
        await uow.users.add(ada)
        await uow.commit()

    async with storage.read() as uow:
        assert await uow.users.get(ada.id) == ada


async def test_a_write_cancelled_mid_hop_does_not_leave_the_database_locked(
    storage: SqlStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    if storage.dialect != "sqlite":
        pytest.skip("the hop race is SQLite's (PostgreSQL calls do not run in a thread)")
    ada, bob = f.user("ada"), f.user("bob")
    started = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def cancelled_writer() -> None:
        async with storage.write() as uow:
            real = uow._connection  # type: ignore[attr-defined]

            def slow_first_connection() -> object:
                loop.call_soon_threadsafe(started.set)
                time.sleep(0.2)  # the request is cancelled while its first hop is here
                return real()

            monkeypatch.setattr(uow, "_connection", slow_first_connection)
            await uow.users.add(ada)
            await uow.commit()

    task = asyncio.create_task(cancelled_writer())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    began = time.monotonic()
    async with storage.write() as uow:
        await uow.users.add(bob)
        await uow.commit()
    assert time.monotonic() - began < 2  # not the 5 s busy timeout of a leaked BEGIN IMMEDIATE
    async with storage.read() as uow:
        assert await uow.users.get(bob.id) == bob
        assert await uow.users.get(ada.id) is None


async def test_a_row_read_for_update_is_held_until_commit_so_no_update_is_lost(
    storage: SqlStorage,
) -> None:
    ada = f.user("ada", streak_days=1, bio="old")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()

    async def edit_bio() -> None:  # another request: read the user, change one field, write it back
        async with storage.write() as uow:
            user = await uow.users.get_for_update(ada.id)
            assert user is not None
            await uow.users.update(attrs.evolve(user, bio="new"))
            await uow.commit()

    async with storage.write() as uow:
        user = await uow.users.get_for_update(ada.id)
        assert user is not None
        other = asyncio.create_task(edit_bio())
        await asyncio.sleep(0.3)
        assert not other.done()  # it waits for this unit instead of reading the old row
        await uow.users.update(attrs.evolve(user, streak_days=2))
        await uow.commit()
    await other

    async with storage.read() as uow:
        stored = await uow.users.get(ada.id)
    assert stored is not None
    assert (stored.streak_days, stored.bio) == (2, "new")  # neither write undid the other


async def test_a_plain_read_in_a_write_unit_takes_no_row_lock(storage: SqlStorage) -> None:
    """``get`` never locks (a referenced row is only checked): on PostgreSQL another writer of the
    same row goes ahead while this unit is open; SQLite serialises writers whatever is read."""
    if storage.dialect != "postgresql":
        pytest.skip("SQLite serialises whole write units of work; there are no row locks to observe")
    ada = f.user("ada", bio="old")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()

    async def edit_bio() -> None:
        async with storage.write() as uow:
            user = await uow.users.get_for_update(ada.id)
            assert user is not None
            await uow.users.update(attrs.evolve(user, bio="new"))
            await uow.commit()

    async with storage.write() as uow:
        assert await uow.users.get(ada.id) is not None
        await asyncio.wait_for(edit_bio(), timeout=5)  # would wait for this unit if get had locked
    async with storage.read() as uow:
        stored = await uow.users.get(ada.id)
    assert stored is not None
    assert stored.bio == "new"


async def test_a_deadlock_the_database_breaks_surfaces_as_contention(storage: SqlStorage) -> None:
    """Two units that lock the same two rows in opposite orders: PostgreSQL aborts one of them,
    and the adapter reports that as ``Contention`` (which ``ServiceContext.write`` retries), not
    as a driver error that would answer 500."""
    if storage.dialect != "postgresql":
        pytest.skip("SQLite serialises whole write units of work: they cannot deadlock")
    ada, bob = f.user("ada"), f.user("bob")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bob)
        await uow.commit()
    both_hold_one = asyncio.Barrier(2)

    async def lock(first: User, second: User) -> str:
        try:
            async with storage.write() as uow:
                await uow.users.get_for_update(first.id)
                await both_hold_one.wait()
                await uow.users.get_for_update(second.id)
                await uow.commit()
        except Contention as lost:
            return lost.detail
        return "committed"

    outcomes_ = await asyncio.wait_for(asyncio.gather(lock(ada, bob), lock(bob, ada)), timeout=10)
    assert sorted(outcomes_) == ["The database is busy; please try again", "committed"]


async def test_a_reference_deleted_by_a_concurrent_unit_surfaces_as_contention(storage: SqlStorage) -> None:
    """Writing a reference to a row that is gone is what a lost race looks like when references
    are checked without locks: ``Contention``, so the unit is run again and its check answers."""
    ada = f.user("ada")
    resume = f.resume(ada.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.owned(ResumeVersion).add(resume)
        await uow.commit()
    application = f.application(ada.id)
    async with storage.write() as uow:
        await uow.applications.add(application)
        await uow.owned(ResumeVersion).delete(resume.id)  # as if a concurrent unit had committed it
        with pytest.raises(Contention):
            await uow.applications.update(attrs.evolve(application, resume_version_id=resume.id))


def test_the_sql_registry_serves_exactly_the_named_repositories_of_the_port() -> None:
    assert set(BY_PORT) == ports.repository_names()
    assert {entity.__name__ for entity in BY_ENTITY} >= {"Application", "ResumeVersion"}
