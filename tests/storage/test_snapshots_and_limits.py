"""Read units of work as one snapshot, reads that do not queue behind a slow one, time limits."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import attrs
import pytest
from sqlalchemy import Connection

from offertracker_core.errors import Unavailable
from offertracker_storage import SqlStorage
from offertracker_storage.sql.sqlite import STUCK_AFTER, ReadLanes

from . import factories as f

# Runs for minutes unless stopped: counting to 10^12 on SQLite, sleeping on PostgreSQL.
_SLOW = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000000) "
    "SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(600)",
}


def _slow(storage: SqlStorage) -> Callable[[Connection], object]:
    sql = _SLOW[storage.dialect]
    return lambda conn: conn.exec_driver_sql(sql).scalar()


async def test_a_read_unit_of_work_keeps_one_snapshot_while_a_write_commits(storage: SqlStorage) -> None:
    ada = f.user("ada", bio="before")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()

    async with storage.read() as reader:
        first = await reader.users.get(ada.id)
        async with storage.write() as uow:
            await uow.users.update(attrs.evolve(ada, bio="after"))
            await uow.commit()
        second = await reader.users.get_by_username("ada")

    async with storage.read() as uow:
        later = await uow.users.get(ada.id)
    assert (first, second) == (ada, ada)
    assert later == attrs.evolve(ada, bio="after")


async def test_a_read_stuck_in_its_statement_does_not_hold_up_another_read(storage: SqlStorage) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()
    loop = asyncio.get_running_loop()
    started, release = asyncio.Event(), threading.Event()

    def stuck(conn: Connection) -> object:
        if storage.dialect == "postgresql":
            loop.call_soon_threadsafe(started.set)
            return conn.exec_driver_sql("SELECT pg_sleep(1.5)").scalar()
        loop.call_soon_threadsafe(started.set)
        release.wait(5)  # holds its reader thread (and its connection) like a slow statement
        return None

    async def slow_read() -> None:
        async with storage.read() as uow:
            await uow.execute(stuck)

    slow = asyncio.create_task(slow_read())
    await started.wait()
    await asyncio.sleep(STUCK_AFTER * 2)  # on SQLite, a call running this long moves new reads on
    began = time.monotonic()
    async with storage.read() as uow:
        found = await uow.users.get(ada.id)
    took = time.monotonic() - began
    still_stuck = not slow.done()
    release.set()
    await slow
    assert found == ada
    assert still_stuck
    assert took < 1


async def test_a_statement_past_its_time_limit_fails_as_unavailable(limited: SqlStorage) -> None:
    async def run_away() -> None:
        async with limited.read() as uow:
            await uow.execute(_slow(limited))

    began = time.monotonic()
    with pytest.raises(Unavailable) as raised:
        await run_away()
    assert time.monotonic() - began < 2
    assert raised.value.detail == "The database took too long to answer"


async def test_reads_stopped_by_the_time_limit_give_their_connections_back(limited: SqlStorage) -> None:
    ada = f.user("ada")
    async with limited.write() as uow:
        await uow.users.add(ada)
        await uow.commit()

    async def read_then_run_away() -> None:
        async with limited.read() as uow:
            await uow.users.get(ada.id)
            await uow.execute(_slow(limited))

    for _ in range(7):  # more than the five reader connections
        with pytest.raises(Unavailable):
            await read_then_run_away()
    async with limited.read() as uow:
        assert await uow.users.get(ada.id) == ada


async def test_a_write_stopped_by_the_time_limit_rolls_back_and_leaves_no_lock(limited: SqlStorage) -> None:
    ada, bob = f.user("ada"), f.user("bob")

    async def add_then_run_away() -> None:
        async with limited.write() as uow:
            await uow.users.add(ada)
            await uow.execute(_slow(limited))
            await uow.commit()

    with pytest.raises(Unavailable):
        await add_then_run_away()

    began = time.monotonic()
    async with limited.write() as uow:
        await uow.users.add(bob)
        await uow.commit()
    assert time.monotonic() - began < 2  # not a busy timeout behind a leftover write lock
    async with limited.read() as uow:
        assert (await uow.users.get(ada.id), await uow.users.get(bob.id)) == (None, bob)


async def test_a_read_cancelled_mid_statement_gives_its_connection_back_when_the_statement_ends(
    storage: SqlStorage,
) -> None:
    if storage.dialect != "sqlite":
        pytest.skip("the hop race is SQLite's (PostgreSQL calls do not run in a thread)")
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()
    loop = asyncio.get_running_loop()
    started, release = asyncio.Event(), threading.Event()

    def stuck(conn: Connection) -> None:
        loop.call_soon_threadsafe(started.set)
        release.wait(5)

    async def cancelled_read() -> None:
        async with storage.read() as uow:
            await uow.execute(stuck)

    task = asyncio.create_task(cancelled_read())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()

    async def read() -> object:
        async with storage.read() as uow:
            await asyncio.sleep(0.05)  # all five hold a connection at once
            return await uow.users.get(ada.id)

    assert await asyncio.wait_for(asyncio.gather(*(read() for _ in range(5))), 2) == [ada] * 5


def test_reads_run_on_the_first_lane_until_it_is_stuck_then_overflow_to_the_next() -> None:
    lanes = ReadLanes(2, stuck_after=0.05)
    release = threading.Event()
    try:
        quick = [lanes.submit(lambda: threading.current_thread().name).result(5) for _ in range(20)]
        assert set(quick) == {"offertracker-sqlite-read-0_0"}  # one thread while it keeps up: no GIL fight
        stuck = lanes.submit(lambda: release.wait(5))
        time.sleep(0.1)
        assert (
            lanes.submit(lambda: threading.current_thread().name).result(5) == "offertracker-sqlite-read-1_0"
        )
        release.set()
        assert stuck.result(5) is True
        time.sleep(0.01)
        assert (
            lanes.submit(lambda: threading.current_thread().name).result(5) == "offertracker-sqlite-read-0_0"
        )
    finally:
        release.set()
        lanes.shutdown()
