"""Transactions: commit, rollback, savepoints, read-only reads, and racing writers."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import DBAPIError

from offertracker_core.errors import Duplicate
from offertracker_storage import SqlStorage
from offertracker_storage.sql.tables import outcomes

from . import factories as f


async def test_leaving_a_unit_of_work_without_commit_rolls_back(storage: SqlStorage) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
    async with storage.read() as uow:
        assert await uow.users.get(ada.id) is None


async def test_an_exception_rolls_back_the_whole_unit(storage: SqlStorage) -> None:
    ada = f.user("ada")

    async def add_then_fail() -> None:
        async with storage.write() as uow:
            await uow.users.add(ada)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await add_then_fail()
    async with storage.read() as uow:
        assert await uow.users.get(ada.id) is None


async def test_a_failed_savepoint_rolls_back_only_its_block(storage: SqlStorage) -> None:
    ada = f.user("ada")
    app = f.application(ada.id)
    first, second = f.outcome(app.id), f.outcome(app.id)
    notes = f.reflection(app.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(app)
        await uow.outcomes.add(first)

        async def reflect_then_duplicate() -> None:
            async with uow.savepoint():
                await uow.reflections.add(notes)
                await uow.outcomes.add(second)

        with pytest.raises(Duplicate):
            await reflect_then_duplicate()
        async with uow.savepoint():
            await uow.stages.add(f.stage(app.id))
        await uow.commit()
    async with storage.read() as uow:
        detail = await uow.applications.get_detail(app.id)
    assert detail.outcome == first
    assert detail.reflection is None  # rolled back with its savepoint
    assert len(detail.stages) == 1


async def test_a_read_unit_of_work_cannot_write(storage: SqlStorage) -> None:
    async with storage.read() as uow:
        with pytest.raises(DBAPIError):
            await uow.users.add(f.user("ada"))
    async with storage.read() as uow:
        assert await uow.users.get_by_username("ada") is None


async def test_work_after_commit_needs_its_own_commit(storage: SqlStorage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()
        await uow.users.add(bob)
    async with storage.read() as uow:
        assert await uow.users.get(ada.id) == ada
        assert await uow.users.get(bob.id) is None


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


async def test_nested_savepoints_roll_back_only_the_inner_failure(storage: SqlStorage) -> None:
    ada = f.user("ada")
    app = f.application(ada.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(app)
        await uow.outcomes.add(f.outcome(app.id))
        async with uow.savepoint():
            await uow.stages.add(f.stage(app.id))
            try:
                async with uow.savepoint():
                    await uow.outcomes.add(f.outcome(app.id))
            except Duplicate:
                pass
            await uow.reflections.add(f.reflection(app.id))
        await uow.commit()
    async with storage.read() as uow:
        detail = await uow.applications.get_detail(app.id)
    assert (len(detail.stages), detail.reflection is not None) == (1, True)
