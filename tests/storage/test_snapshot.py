"""``SqlStorage.snapshot``: a read-only ``work`` in one hop, and ``transact`` beside open write units.

SQLite runs a snapshot's whole ``work`` in one hop to a reader thread, on that
thread's own connection (rolled back after every snapshot, replaced if that
fails); PostgreSQL in one hop to a worker thread in a ``REPEATABLE READ, READ ONLY``
transaction. A ``work`` that writes, records, logs or awaits anything but its
own storage calls is refused, and the next snapshot still works.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import attrs
import pytest
from sqlalchemy import Connection, create_engine, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from offertracker_core.entities import User
from offertracker_core.enums import ApplicationStatus
from offertracker_core.errors import Unavailable
from offertracker_core.events import ApplicationCreated
from offertracker_storage import SqlStorage
from offertracker_storage.sql import sync_url
from offertracker_storage.sql.tables import activity_log, users
from offertracker_storage.sql.uow import InlineUnitOfWork

from . import factories as f
from .trips import trips

# Runs for tens of seconds unless stopped (counting to 10^8 on SQLite, sleeping on PostgreSQL):
# far past the limit, yet a snapshot that ignored the limit fails this suite instead of hanging it.
_SLOW = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) "
    "SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(60)",
}

_SQLITE_ONLY = (
    "the reader thread's own connection is SQLite's; PostgreSQL checks a pooled one out per snapshot"
)


async def _add_users(storage: SqlStorage, *names: str) -> list[User]:
    added = [f.user(name) for name in names]
    async with storage.write() as uow:
        for user in added:
            await uow.users.add(user)
        await uow.commit()
    return added


def _connection_of(uow: InlineUnitOfWork) -> Connection:
    conn: Connection = uow._conn
    return conn


async def _lane_connection_and(storage: SqlStorage, user: User) -> tuple[Any, User | None]:
    """The driver connection a snapshot ran on, and what it read for ``user``."""

    async def work(uow: InlineUnitOfWork) -> tuple[Any, User | None]:
        return _connection_of(uow).connection.driver_connection, await uow.users.get(user.id)

    return await storage.snapshot(work)


async def test_a_snapshot_returns_what_its_work_returns(storage: SqlStorage) -> None:
    ada, bob = await _add_users(storage, "ada", "bob")

    async def work(uow: InlineUnitOfWork) -> tuple[User | None, User | None, User | None]:
        return (
            await uow.users.get(ada.id),
            await uow.users.get_by_username("bob"),
            await uow.users.get(uuid4()),
        )

    assert await storage.snapshot(work) == (ada, bob, None)


async def test_a_snapshot_of_several_calls_is_one_trip(
    storage: SqlStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, bob = await _add_users(storage, "ada", "bob")

    async def work(uow: InlineUnitOfWork) -> list[User | None]:
        return [
            await uow.users.get(ada.id),
            await uow.users.get(bob.id),
            await uow.users.get_by_username("ada"),
        ]

    with trips(storage, monkeypatch, sqlite="_read_lanes") as seen:
        found = await storage.snapshot(work)

    assert found == [ada, bob, ada]
    assert seen == ["hop"]


async def test_consecutive_snapshots_on_sqlite_reuse_the_reader_threads_own_connection(
    storage: SqlStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    if storage.dialect != "sqlite":
        pytest.skip(_SQLITE_ONLY)
    (ada,) = await _add_users(storage, "ada")
    ran_on: list[tuple[Connection, Any, str]] = []

    async def work(uow: InlineUnitOfWork) -> User | None:
        conn = _connection_of(uow)
        ran_on.append((conn, conn.connection.driver_connection, threading.current_thread().name))
        return await uow.users.get(ada.id)

    with trips(storage, monkeypatch, sqlite="_read_lanes") as seen:
        found = [await storage.snapshot(work), await storage.snapshot(work)]

    (first_conn, first_driver, first_thread), (second_conn, second_driver, second_thread) = ran_on
    assert found == [ada, ada]
    assert seen == ["hop", "hop"]
    assert second_conn is first_conn
    assert second_driver is first_driver
    assert first_thread == second_thread
    assert first_thread.startswith("offertracker-sqlite-read-")
    assert storage._reader is not None
    assert storage._reader.pool.checkedout() == 1  # the lane's connection stays out between snapshots
    assert not first_conn.in_transaction()  # ... with its read transaction ended


async def test_a_snapshot_runs_in_a_read_only_transaction(storage: SqlStorage) -> None:
    async def work(uow: InlineUnitOfWork) -> tuple[bool, list[object]]:
        conn = _connection_of(uow)
        if storage.dialect == "sqlite":
            settings = ["PRAGMA query_only"]
        else:
            settings = ["SHOW transaction_isolation", "SHOW transaction_read_only"]
        values = [
            await uow.execute(lambda conn, sql=sql: conn.exec_driver_sql(sql).scalar()) for sql in settings
        ]
        return conn.in_transaction(), values

    in_transaction, values = await storage.snapshot(work)

    assert in_transaction
    assert values == ([1] if storage.dialect == "sqlite" else ["repeatable read", "on"])


async def test_a_snapshot_sees_every_row_committed_before_it_started(storage: SqlStorage) -> None:
    async def usernames(uow: InlineUnitOfWork) -> list[str]:
        query = select(users.c.username).order_by(users.c.username)
        return await uow.execute(lambda conn: list(conn.execute(query).scalars()))

    before = await storage.snapshot(usernames)
    await _add_users(storage, "ada")
    after_write_unit = await storage.snapshot(usernames)

    async def add_bob(uow: InlineUnitOfWork) -> None:
        await uow.users.add(f.user("bob"))

    await storage.transact(add_bob)
    after_transact = await storage.snapshot(usernames)

    assert (before, after_write_unit, after_transact) == ([], ["ada"], ["ada", "bob"])


async def test_a_snapshot_keeps_one_view_while_another_connection_commits(
    storage: SqlStorage, database_url: str
) -> None:
    (ada,) = await _add_users(storage, "ada")
    outside = create_engine(sync_url(database_url), poolclass=NullPool)

    async def read_commit_read(uow: InlineUnitOfWork) -> tuple[User | None, User | None]:
        first = await uow.users.get(ada.id)
        with outside.begin() as conn:  # another connection commits in the middle of the snapshot
            conn.execute(update(users).where(users.c.id == ada.id).values(bio="Changed"))
        return first, await uow.users.get(ada.id)

    try:
        first, second = await storage.snapshot(read_commit_read)
    finally:
        outside.dispose()
    later = await storage.snapshot(lambda uow: uow.users.get(ada.id))

    assert (first, second) == (ada, ada)
    assert later is not None
    assert later.bio == "Changed"


async def test_a_snapshot_neither_waits_for_an_open_write_unit_nor_sees_its_uncommitted_rows(
    storage: SqlStorage,
) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()

    async def both(reader: InlineUnitOfWork) -> tuple[User | None, User | None]:
        return await reader.users.get(ada.id), await reader.users.get(bob.id)

    async with storage.write() as uow:
        await uow.users.add(bob)  # holds the write lock (SQLite) and an uncommitted row
        during = await asyncio.wait_for(storage.snapshot(both), 1)
        await uow.commit()
    after = await storage.snapshot(both)

    assert during == (ada, None)
    assert after == (ada, bob)


async def test_a_write_after_a_snapshot_runs_in_an_ordinary_read_write_transaction(
    storage: SqlStorage,
) -> None:
    (ada,) = await _add_users(storage, "ada")
    if storage.dialect == "sqlite":
        settings = ["PRAGMA query_only"]
    else:
        settings = ["SHOW transaction_isolation", "SHOW transaction_read_only"]

    drivers: list[Any] = []

    async def read_settings(uow: InlineUnitOfWork) -> list[object]:
        drivers.append(_connection_of(uow).connection.driver_connection)
        return [
            await uow.execute(lambda conn, sql=sql: conn.exec_driver_sql(sql).scalar()) for sql in settings
        ]

    async def write(uow: InlineUnitOfWork) -> list[object]:
        found = await uow.users.get(ada.id)
        assert found is not None
        await uow.users.update(attrs.evolve(found, bio="Written after a snapshot"))
        return await read_settings(uow)

    in_snapshot = await storage.snapshot(read_settings)
    in_transact, _ = await storage.transact(write)

    if storage.dialect == "sqlite":
        assert (in_snapshot, in_transact) == ([1], [0])
    else:
        assert drivers[0] is drivers[1]  # the one pooled connection, given back by the snapshot
        assert (in_snapshot, in_transact) == (["repeatable read", "on"], ["read committed", "off"])
    found = await storage.snapshot(lambda uow: uow.users.get(ada.id))
    assert found is not None
    assert found.bio == "Written after a snapshot"


async def test_a_snapshot_that_tries_to_write_fails_stores_nothing_and_the_next_one_works(
    storage: SqlStorage,
) -> None:
    (ada,) = await _add_users(storage, "ada")
    connection_before, _ = await _lane_connection_and(storage, ada)

    async def write(uow: InlineUnitOfWork) -> None:
        await uow.users.add(f.user("bob"))

    with pytest.raises(DBAPIError) as raised:
        await storage.snapshot(write)

    if storage.dialect == "sqlite":
        assert "attempt to write a readonly database" in str(raised.value.orig)
    else:
        assert "cannot execute INSERT in a read-only transaction" in str(raised.value.orig)
    connection_after, found = await _lane_connection_and(storage, ada)
    assert found == ada
    assert await storage.snapshot(lambda uow: uow.users.get_by_username("bob")) is None
    assert await f.count_rows(storage, users) == 1
    if storage.dialect == "sqlite":
        assert connection_after is connection_before  # rolled back, not replaced


@pytest.mark.parametrize("journal", ["record", "log"])
async def test_a_snapshot_that_records_an_event_or_logs_activity_is_refused(
    storage: SqlStorage, journal: str
) -> None:
    (ada,) = await _add_users(storage, "ada")
    connection_before, _ = await _lane_connection_and(storage, ada)

    async def journals(uow: InlineUnitOfWork) -> User | None:
        found = await uow.users.get(ada.id)
        if journal == "record":
            uow.record(ApplicationCreated(ada.id, uuid4(), ApplicationStatus.APPLIED))
        else:
            uow.log(f.activity(ada.id, None))
        return found

    with pytest.raises(RuntimeError, match=r"^a read-only unit of work recorded events or activity$"):
        await storage.snapshot(journals)

    connection_after, found = await _lane_connection_and(storage, ada)
    assert found == ada
    assert await f.count_rows(storage, activity_log) == 0
    if storage.dialect == "sqlite":
        assert connection_after is connection_before


async def test_a_snapshot_whose_work_awaits_something_else_is_refused(storage: SqlStorage) -> None:
    (ada,) = await _add_users(storage, "ada")
    connection_before, _ = await _lane_connection_and(storage, ada)
    reached: list[str] = []

    async def sleeps(uow: InlineUnitOfWork) -> User | None:
        found = await uow.users.get(ada.id)
        await asyncio.sleep(0)
        reached.append("after the sleep")
        return found

    with pytest.raises(
        RuntimeError, match=r"^a unit of work awaited something other than its own storage calls$"
    ):
        await storage.snapshot(sleeps)

    await asyncio.sleep(0.01)  # a coroutine left suspended would be resumed by nobody; give it the chance
    connection_after, found = await _lane_connection_and(storage, ada)
    assert reached == []
    assert found == ada
    if storage.dialect == "sqlite":
        assert connection_after is connection_before


async def test_a_lane_connection_whose_rollback_fails_is_replaced_by_a_fresh_one(storage: SqlStorage) -> None:
    if storage.dialect != "sqlite":
        pytest.skip(_SQLITE_ONLY)
    (ada,) = await _add_users(storage, "ada")
    ran_on: list[tuple[Connection, Any]] = []

    async def read(uow: InlineUnitOfWork) -> User | None:
        conn = _connection_of(uow)
        ran_on.append((conn, conn.connection.driver_connection))
        return await uow.users.get(ada.id)

    async def read_then_break_the_connection(uow: InlineUnitOfWork) -> User | None:
        found = await read(uow)
        ran_on[-1][1].close()  # the driver connection: the rollback after the work now fails
        return found

    found = [
        await storage.snapshot(read_then_break_the_connection),
        await storage.snapshot(read),
        await storage.snapshot(read),
    ]

    (broken, broken_driver), (replacement, replacement_driver), (again, again_driver) = ran_on
    assert found == [ada, ada, ada]
    assert replacement is not broken  # dropped, not left for SQLAlchemy to revive
    assert broken.closed
    assert replacement_driver is not broken_driver
    assert (again, again_driver) == (replacement, replacement_driver)  # the lane's own from then on


async def test_a_statement_past_its_time_limit_in_a_snapshot_is_unavailable_and_the_next_snapshot_works(
    limited: SqlStorage,
) -> None:
    (ada,) = await _add_users(limited, "ada")
    sql = _SLOW[limited.dialect]

    async def run_away(uow: InlineUnitOfWork) -> object:
        await uow.users.get(ada.id)
        return await uow.execute(lambda conn: conn.exec_driver_sql(sql).scalar())

    began = time.monotonic()
    with pytest.raises(Unavailable) as raised:
        await limited.snapshot(run_away)
    took = time.monotonic() - began

    assert raised.value.detail == "The database took too long to answer"
    assert 0.2 <= took < 2
    assert await limited.snapshot(lambda uow: uow.users.get(ada.id)) == ada
    assert await limited.snapshot(lambda uow: uow.users.get_by_username("ada")) == ada


async def test_a_transact_waits_for_an_open_write_unit_then_commits_after_it(storage: SqlStorage) -> None:
    if storage.dialect != "sqlite":
        pytest.skip("only SQLite serialises writers in-process; PostgreSQL units of work run side by side")
    ada, bob = f.user("ada"), f.user("bob")
    order: list[str] = []

    async def add_bob(uow: InlineUnitOfWork) -> str:
        await uow.users.add(bob)
        order.append("transact")
        return "bob"

    async with storage.write() as uow:
        await uow.users.add(ada)  # the unit has run a statement: it holds the writer
        waiting = asyncio.create_task(storage.transact(add_bob))
        await asyncio.sleep(0.2)
        done_while_the_unit_was_open = waiting.done()
        began = time.monotonic()
        await uow.commit()
        order.append("unit")
        commit_took = time.monotonic() - began

    result, events = await asyncio.wait_for(waiting, 5)

    assert not done_while_the_unit_was_open
    assert commit_took < 1  # not a busy timeout behind the transact's BEGIN IMMEDIATE
    assert (result, events) == ("bob", ())
    assert order == ["unit", "transact"]
    async with storage.read() as reader:
        assert (await reader.users.get(ada.id), await reader.users.get(bob.id)) == (ada, bob)


async def test_twenty_concurrent_transacts_all_commit(storage: SqlStorage) -> None:
    added = [f.user(f"user{n}") for n in range(20)]

    def adder(user: User) -> Callable[[InlineUnitOfWork], Any]:
        async def add(uow: InlineUnitOfWork) -> str:
            await uow.users.add(user)
            return user.username

        return add

    results = await asyncio.wait_for(asyncio.gather(*(storage.transact(adder(user)) for user in added)), 30)

    assert results == [(user.username, ()) for user in added]
    assert await f.count_rows(storage, users) == 20
    count = await storage.snapshot(
        lambda uow: uow.execute(
            lambda conn: conn.execute(select(func.count()).select_from(users)).scalar_one()
        )
    )
    assert count == 20


async def test_transacts_and_write_units_started_together_all_commit(storage: SqlStorage) -> None:
    by_transact = [f.user(f"transact{n}") for n in range(10)]
    by_unit = [f.user(f"unit{n}") for n in range(5)]

    async def transact(user: User) -> str:
        async def add(uow: InlineUnitOfWork) -> str:
            await uow.users.add(user)
            return user.username

        result, _ = await storage.transact(add)
        return result

    async def unit(user: User) -> str:
        async with storage.write() as uow:
            await uow.users.add(user)
            await asyncio.sleep(0)  # let the others queue between this unit's hops
            stored = await uow.users.get(user.id)
            await uow.commit()
        assert stored == user
        return user.username

    # Interleaved: units open while transacts are queued on the writer, and the other way round.
    started = [transact(user) for user in by_transact[:5]]
    started += [unit(user) for user in by_unit]
    started += [transact(user) for user in by_transact[5:]]
    results = await asyncio.wait_for(asyncio.gather(*started), 30)

    expected = [user.username for user in by_transact[:5] + by_unit + by_transact[5:]]
    assert results == expected
    assert await f.count_rows(storage, users) == 15


async def test_postgresql_connections_run_without_jit_and_with_the_statement_timeout(
    storage: SqlStorage,
) -> None:
    # JIT compiled tens of milliseconds around 1 ms page queries (a LIMIT the planner cannot
    # price); both engines (the one-hop sync one and the multi-hop async one) set it at startup,
    # beside the statement timeout (this storage's default, 30 s).
    if storage.dialect != "postgresql":
        pytest.skip("JIT and startup options are PostgreSQL's")

    async def settings(uow: InlineUnitOfWork) -> list[object]:
        return [
            await uow.execute(lambda conn, sql=sql: conn.exec_driver_sql(sql).scalar())
            for sql in ("SHOW jit", "SHOW statement_timeout")
        ]

    assert await storage.snapshot(settings) == ["off", "30s"]
    async with storage.read() as uow:
        assert await settings(uow) == ["off", "30s"]  # type: ignore[arg-type]
