"""Units of work: commit makes durable, anything else rolls back; savepoints undo only their block,
journal included; logged activity is written with the commit."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from offertracker_core.entities import User
from offertracker_core.enums import ActivityAction, ApplicationStatus
from offertracker_core.errors import Duplicate
from offertracker_core.events import ApplicationCreated, MilestoneReached
from offertracker_core.ports import Storage, UnitOfWork

from ..storage import factories as f


async def _users(storage: Storage, *usernames: str) -> list[User | None]:
    async with storage.read() as uow:
        return [await uow.users.get_by_username(name) for name in usernames]


async def test_leaving_a_unit_of_work_without_commit_rolls_back(storage: Storage, backdoor: Any) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        uow.log(f.activity(ada.id, None))
    assert await _users(storage, "ada") == [None]
    assert await backdoor.activity_of(ada.id) == []


async def test_an_exception_rolls_back_the_whole_unit(storage: Storage) -> None:
    async def add_then_fail() -> None:
        async with storage.write() as uow:
            await uow.users.add(f.user("ada"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await add_then_fail()
    assert await _users(storage, "ada") == [None]


async def test_work_after_a_commit_needs_its_own_commit(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()
        await uow.users.add(bob)
    assert await _users(storage, "ada", "bob") == [ada, None]


async def test_a_failed_savepoint_rolls_back_its_writes_and_forgets_its_journal(
    storage: Storage, backdoor: Any
) -> None:
    ada = f.user("ada")
    app = f.application(ada.id)
    first, second, notes = f.outcome(app.id), f.outcome(app.id), f.reflection(app.id)
    kept_event = ApplicationCreated(user_id=ada.id, application_id=app.id, status=ApplicationStatus.APPLIED)
    dropped_event = MilestoneReached(user_id=ada.id, milestone_id=UUID(int=3), name="dropped")
    kept_entry = f.activity(ada.id, app.id, created_at=f.at(1))
    dropped_entry = f.activity(ada.id, app.id, action=ActivityAction.REFLECTION_ADDED, created_at=f.at(2))
    later_entry = f.activity(ada.id, app.id, action=ActivityAction.STAGE_ADDED, created_at=f.at(3))
    step = f.stage(app.id)

    async def reflect_then_duplicate(uow: UnitOfWork) -> None:
        async with uow.savepoint():
            await uow.reflections.add(notes)
            uow.record(dropped_event)
            uow.log(dropped_entry)
            await uow.outcomes.add(second)

    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(app)
        await uow.outcomes.add(first)
        uow.record(kept_event)
        uow.log(kept_entry)
        with pytest.raises(Duplicate):
            await reflect_then_duplicate(uow)
        assert list(uow.events) == [kept_event]
        async with uow.savepoint():
            await uow.stages.add(step)
            uow.log(later_entry)
        assert await uow.reflections.get(notes.id) is None  # visible inside the unit already
        await uow.commit()
    async with storage.read() as uow:
        detail = await uow.applications.get_detail(app.id)
    assert detail is not None
    assert (detail.outcome, detail.reflection, detail.stages) == (first, None, (step,))
    assert await backdoor.activity_of(ada.id) == [kept_entry, later_entry]


async def test_a_savepoint_failing_on_a_plain_exception_rolls_back_too(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")

    async def add_then_fail(uow: UnitOfWork) -> None:
        async with uow.savepoint():
            await uow.users.add(bob)
            await uow.credentials.set(ada.id, "dropped")
            raise RuntimeError("boom")

    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.credentials.set(ada.id, "kept")
        with pytest.raises(RuntimeError, match="boom"):
            await add_then_fail(uow)
        await uow.commit()
    assert await _users(storage, "ada", "bob") == [ada, None]
    async with storage.read() as uow:
        assert await uow.credentials.get(ada.id) == "kept"


async def test_nested_savepoints_roll_back_only_the_inner_failure(storage: Storage) -> None:
    ada = f.user("ada")
    app = f.application(ada.id)
    offer, step, notes = f.outcome(app.id), f.stage(app.id), f.reflection(app.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(app)
        await uow.outcomes.add(offer)
        async with uow.savepoint():
            await uow.stages.add(step)
            with pytest.raises(Duplicate):
                async with uow.savepoint():
                    await uow.outcomes.add(f.outcome(app.id))
            await uow.reflections.add(notes)
        await uow.commit()
    async with storage.read() as uow:
        detail = await uow.applications.get_detail(app.id)
    assert detail is not None
    assert (detail.outcome, detail.stages, detail.reflection) == (offer, (step,), notes)


async def test_logged_activity_is_written_with_the_commit_and_appended_entries_too(
    storage: Storage, backdoor: Any
) -> None:
    ada = f.user("ada")
    app = f.application(ada.id)
    created = f.activity(ada.id, app.id, created_at=f.at(1))
    changed = f.activity(
        ada.id,
        None,
        action=ActivityAction.STATUS_CHANGED,
        metadata={"old_status": "Saved", "auto": True},
        created_at=f.at(2),
    )
    appended = f.activity(ada.id, app.id, action=ActivityAction.STAGE_ADDED, created_at=f.at(3))
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(app)
        uow.log(created, changed)
        await uow.activity.add_many([appended])
        await uow.activity.add_many([])
        assert await backdoor.activity_of(ada.id) == []  # nothing is visible before the commit
        await uow.commit()
    assert await backdoor.activity_of(ada.id) == [created, changed, appended]
