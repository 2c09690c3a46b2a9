"""Reminders, tags and assignments behave alike on every backend: orders with their ties, page
budgets in ascending order, uniqueness as ``Duplicate``, and what deletes take with them."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import attrs
import pytest

from offertracker_core import pages
from offertracker_core.entities import Application, ApplicationTag, AssignedTag, Reminder, Tag, User
from offertracker_core.enums import ReminderType
from offertracker_core.errors import Duplicate
from offertracker_core.ports import Storage

from ..storage import factories as f

# Ids whose order is unambiguous and differs between the first byte and the last (as test_ordering).
LOW = UUID("0fffffff-ffff-4fff-bfff-ffffffffffff")
HIGH = UUID("f0000000-0000-4000-8000-000000000001")


def reminder(user_id: UUID, **changes: Any) -> Reminder:
    values: dict[str, Any] = {
        "id": uuid4(),
        "user_id": user_id,
        "application_id": None,
        "title": "Follow up",
        "description": "Ask about the timeline.",
        "remind_at": f.at(60),
        "reminder_type": ReminderType.FOLLOW_UP,
        "is_completed": False,
        "completed_at": None,
        "created_at": f.T0,
        "updated_at": f.T0,
    }
    return Reminder(**(values | changes))


def tag(user_id: UUID, name: str, **changes: Any) -> Tag:
    values: dict[str, Any] = {
        "id": uuid4(),
        "user_id": user_id,
        "name": name,
        "color": "#abc",
        "created_at": f.T0,
    }
    return Tag(**(values | changes))


def assignment(application_id: UUID, tag_id: UUID, **changes: Any) -> ApplicationTag:
    values: dict[str, Any] = {
        "id": uuid4(),
        "application_id": application_id,
        "tag_id": tag_id,
        "created_at": f.T0,
    }
    return ApplicationTag(**(values | changes))


async def _store(
    storage: Storage,
    *users: User,
    applications: tuple[Application, ...] = (),
    reminders: tuple[Reminder, ...] = (),
    tags: tuple[Tag, ...] = (),
    assignments: tuple[ApplicationTag, ...] = (),
) -> None:
    async with storage.write() as uow:
        for person in users:
            await uow.users.add(person)
        for app in applications:
            await uow.applications.add(app)
        for item in reminders:
            await uow.reminders.add(item)
        for item in tags:
            await uow.tags.add(item)
        for item in assignments:
            await uow.application_tags.add(item)
        await uow.commit()


# --- reminders ------------------------------------------------------------------------------------


async def test_a_reminder_round_trips_and_an_update_replaces_it(storage: Storage) -> None:
    ada = f.user("ada")
    app = f.application(ada.id)
    stored = reminder(ada.id, application_id=app.id)
    await _store(storage, ada, applications=(app,), reminders=(stored,))
    done = attrs.evolve(
        stored, is_completed=True, completed_at=f.at(90), description=None, updated_at=f.at(90)
    )
    async with storage.write() as uow:
        assert await uow.reminders.get_for_update(stored.id) == stored
        assert await uow.owned(Reminder).get(stored.id) == stored
        await uow.reminders.update(done)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.reminders.get(stored.id) == done


async def test_reminders_list_soonest_first_then_by_creation_then_by_id(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    due = f.at(100)
    items = (
        reminder(ada.id, title="late", remind_at=f.at(500), created_at=f.at(0)),
        reminder(ada.id, title="tie-high", id=HIGH, remind_at=due, created_at=f.at(7)),
        reminder(ada.id, title="tie-low", id=LOW, remind_at=due, created_at=f.at(7)),
        reminder(ada.id, title="made-first", remind_at=due, created_at=f.at(3)),
        reminder(ada.id, title="early", remind_at=f.at(-500), created_at=f.at(9)),
        reminder(bob.id, title="bob's", remind_at=f.at(1)),
    )
    await _store(storage, ada, bob, reminders=items)

    async def titles(skip: int = 0, limit: int = 100, **filters: Any) -> list[str]:
        async with storage.read() as uow:
            return [r.title for r in await uow.reminders.list_by_time(ada.id, skip, limit, **filters)]

    assert await titles() == ["early", "made-first", "tie-low", "tie-high", "late"]
    assert await titles(1, 2) == ["made-first", "tie-low"]
    assert await titles(5) == []


async def test_reminder_filters_narrow_the_list_and_upcoming_is_the_incomplete_ones(storage: Storage) -> None:
    ada = f.user("ada")
    items = (
        reminder(ada.id, title="done", remind_at=f.at(1), is_completed=True, completed_at=f.at(2)),
        reminder(ada.id, title="deadline", remind_at=f.at(2), reminder_type=ReminderType.DEADLINE),
        reminder(ada.id, title="general", remind_at=f.at(3), reminder_type=ReminderType.GENERAL),
        reminder(ada.id, title="overdue", remind_at=f.at(-9000), reminder_type=ReminderType.DEADLINE),
    )
    await _store(storage, ada, reminders=items)
    async with storage.read() as uow:
        by_type = await uow.reminders.list_by_time(ada.id, 0, 100, reminder_type=ReminderType.DEADLINE)
        open_deadlines = await uow.reminders.list_by_time(
            ada.id, 0, 100, is_completed=False, reminder_type=ReminderType.DEADLINE
        )
        completed = await uow.reminders.list_by_time(ada.id, 0, 100, is_completed=True)
        upcoming = await uow.reminders.upcoming(ada.id, 0, 10)
        second = await uow.reminders.upcoming(ada.id, 1, 1)
    assert [r.title for r in by_type] == ["overdue", "deadline"]
    assert [r.title for r in open_deadlines] == ["overdue", "deadline"]
    assert [r.title for r in completed] == ["done"]
    assert [r.title for r in upcoming] == ["overdue", "deadline", "general"]
    assert [r.title for r in second] == ["deadline"]


async def test_a_page_of_reminders_ends_after_the_one_that_crosses_the_budget_in_time_order(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PAGE_BYTES", 10_000)
    ada = f.user("ada")
    text = "é" * 2_000  # 4,000 bytes: an adapter counting characters would keep more
    # Made in the reverse of their time order, so a newest-first budget would cut elsewhere.
    items = tuple(
        reminder(ada.id, title=f"r{n}", description=text, remind_at=f.at(n), created_at=f.at(100 - n))
        for n in range(5)
    )
    await _store(storage, ada, reminders=items)

    async def titles(skip: int) -> list[str]:
        async with storage.read() as uow:
            return [r.title for r in await uow.reminders.list_by_time(ada.id, skip, 1000)]

    # Each counts 1,024 + 2 + 9 ("Follow-up") + 4,000 = 5,035 bytes: the third has 10,070 ahead of it.
    assert [pages.content_bytes(r) for r in items[:1]] == [5_035]
    assert await titles(0) == ["r0", "r1"]
    assert await titles(2) == ["r2", "r3"]
    assert await titles(4) == ["r4"]
    async with storage.read() as uow:
        assert [r.title for r in await uow.reminders.upcoming(ada.id, 0, 1000)] == ["r0", "r1"]


# --- tags -------------------------------------------------------------------------------------------


async def test_tags_list_by_name_in_code_point_order(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    names = ["beta", "Zulu", "alpha", "Ärger", "Alpha", "a-b", "ab", "a b"]
    await _store(storage, ada, bob, tags=(*(tag(ada.id, n) for n in names), tag(bob.id, "bob's")))
    async with storage.read() as uow:
        listed = [t.name for t in await uow.tags.list_by_name(ada.id, 0, 1000)]
        page = [t.name for t in await uow.tags.list_by_name(ada.id, 2, 3)]
    assert listed == sorted(names) == ["Alpha", "Zulu", "a b", "a-b", "ab", "alpha", "beta", "Ärger"]
    assert page == listed[2:5]


async def test_a_name_the_user_has_is_a_duplicate_on_add_and_on_rename(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    remote, onsite = tag(ada.id, "Remote"), tag(ada.id, "Onsite")
    await _store(storage, ada, bob, tags=(remote, onsite, tag(bob.id, "Remote")))
    async with storage.write() as uow:
        with pytest.raises(Duplicate) as caught:
            await uow.tags.add(tag(ada.id, "Remote"))
    assert caught.value.constraint == "tags.user_id,name"
    async with storage.write() as uow:
        with pytest.raises(Duplicate) as caught:
            await uow.tags.update(attrs.evolve(onsite, name="Remote"))
    assert caught.value.constraint == "tags.user_id,name"
    async with storage.read() as uow:
        assert sorted(t.name for t in await uow.tags.list_by_name(ada.id, 0, 10)) == ["Onsite", "Remote"]


async def test_a_tag_assigned_twice_to_one_application_is_a_duplicate(storage: Storage) -> None:
    ada = f.user("ada")
    app = f.application(ada.id)
    label = tag(ada.id, "Remote")
    first = assignment(app.id, label.id)
    await _store(storage, ada, applications=(app,), tags=(label,), assignments=(first,))
    async with storage.write() as uow:
        with pytest.raises(Duplicate) as caught:
            await uow.application_tags.add(assignment(app.id, label.id))
    assert caught.value.constraint == "application_tags.application_id,tag_id"
    async with storage.read() as uow:
        assert await uow.application_tags.find(app.id, label.id) == first
        assert await uow.application_tags.find(app.id, uuid4()) is None
        assert await uow.application_tags.get(first.id) == first


async def test_an_application_lists_its_assignments_with_their_tags_by_tag_name(storage: Storage) -> None:
    ada = f.user("ada")
    app, other = f.application(ada.id), f.application(ada.id)
    labels = [tag(ada.id, n) for n in ("remote", "Big", "mid")]
    made = [
        assignment(app.id, labels[0].id, created_at=f.at(1)),
        assignment(app.id, labels[1].id, created_at=f.at(2)),
    ]
    await _store(
        storage,
        ada,
        applications=(app, other),
        tags=tuple(labels),
        assignments=(*made, assignment(other.id, labels[2].id)),
    )
    async with storage.read() as uow:
        listed = await uow.application_tags.list_for_application(app.id, 0, 1000)
        second = await uow.application_tags.list_for_application(app.id, 1, 1)
        none = await uow.application_tags.list_for_application(uuid4(), 0, 1000)
    assert listed == [AssignedTag.of(made[1], labels[1]), AssignedTag.of(made[0], labels[0])]
    assert second == listed[1:]
    assert none == []


async def test_an_assignment_counts_with_its_tag_against_the_budget(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PAGE_BYTES", 5_000)
    ada = f.user("ada")
    app = f.application(ada.id)
    labels = [tag(ada.id, f"t{n}" + "é" * 20) for n in range(4)]
    await _store(
        storage,
        ada,
        applications=(app,),
        tags=tuple(labels),
        assignments=tuple(assignment(app.id, t.id) for t in labels),
    )
    # 1,024 for the assignment, 1,024 + 42 + 4 for its tag: 2,094 each, so the third has 4,188
    # ahead of it and is kept, the fourth (6,282 ahead) starts the next page.
    async with storage.read() as uow:
        listed = await uow.application_tags.list_for_application(app.id, 0, 1000)
        rest = await uow.application_tags.list_for_application(app.id, 3, 1000)
    assert pages.content_bytes(listed[0]) == 2_094
    assert [a.tag.name[:2] for a in listed] == ["t0", "t1", "t2"]
    assert [a.tag.name[:2] for a in rest] == ["t3"]
    async with storage.read() as uow:
        assert len(await uow.tags.list_by_name(ada.id, 0, 1000)) == 4  # a bare tag counts 1,070


# --- what deletes take with them ------------------------------------------------------------------------


async def test_deleting_a_tag_removes_its_assignments(storage: Storage) -> None:
    ada = f.user("ada")
    app = f.application(ada.id)
    doomed, kept = tag(ada.id, "doomed"), tag(ada.id, "kept")
    stays = assignment(app.id, kept.id)
    await _store(
        storage,
        ada,
        applications=(app,),
        tags=(doomed, kept),
        assignments=(assignment(app.id, doomed.id), stays),
    )
    async with storage.write() as uow:
        await uow.tags.delete(doomed.id)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.application_tags.list_for_application(app.id, 0, 10) == [AssignedTag.of(stays, kept)]
        assert await uow.application_tags.find(app.id, doomed.id) is None


async def test_deleting_an_application_removes_its_reminders_and_assignments(storage: Storage) -> None:
    ada = f.user("ada")
    doomed, kept = f.application(ada.id), f.application(ada.id)
    label = tag(ada.id, "Remote")
    free = reminder(ada.id, title="free")
    linked = reminder(ada.id, title="linked", application_id=doomed.id)
    other = reminder(ada.id, title="other", application_id=kept.id)
    stays = assignment(kept.id, label.id)
    await _store(
        storage,
        ada,
        applications=(doomed, kept),
        reminders=(free, linked, other),
        tags=(label,),
        assignments=(assignment(doomed.id, label.id), stays),
    )
    async with storage.write() as uow:
        await uow.applications.delete(doomed.id)
        await uow.commit()
    async with storage.read() as uow:
        assert {r.title for r in await uow.reminders.list_by_time(ada.id, 0, 10)} == {"free", "other"}
        assert await uow.application_tags.find(doomed.id, label.id) is None
        assert await uow.application_tags.get(stays.id) == stays
        assert await uow.tags.get(label.id) == label


async def test_deleting_a_user_removes_their_reminders_tags_and_assignments(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    app = f.application(ada.id)
    label = tag(ada.id, "Remote")
    made = assignment(app.id, label.id)
    bobs = tag(bob.id, "Remote")
    await _store(
        storage,
        ada,
        bob,
        applications=(app,),
        reminders=(reminder(ada.id),),
        tags=(label, bobs),
        assignments=(made,),
    )
    async with storage.write() as uow:
        await uow.users.delete(ada.id)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.reminders.list_by_time(ada.id, 0, 10) == []
        assert await uow.tags.list_by_name(ada.id, 0, 10) == []
        assert await uow.application_tags.get(made.id) is None
        assert await uow.tags.list_by_name(bob.id, 0, 10) == [bobs]
