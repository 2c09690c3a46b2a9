"""Reminders and tags through the services: ownership, completion, uniqueness, the log and the streak."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest

from offertracker_core.entities import ApplicationTag, AssignedTag, User
from offertracker_core.enums import ActivityAction, ReminderType
from offertracker_core.errors import BusinessRuleViolation, Forbidden, InvalidInput, NotFound
from offertracker_core.events import ReminderCompleted
from offertracker_core.inputs import NewApplication, NewReminder, NewTag
from offertracker_core.services import Services

from ..fakes import FakeClock, FakeStorage, RecordingPublisher

SOON = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)


async def _application(services: Services, user: User) -> UUID:
    detail = await services.applications.create(
        user.id, NewApplication(company_name="Acme", role_title="Dev")
    )
    return detail.application.id


# --- reminders ------------------------------------------------------------------------------------


async def test_a_reminder_is_created_open_and_logged(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    app_id = await _application(services, alice)
    reminder = await services.reminders.create(
        alice.id,
        NewReminder(
            title="Call", remind_at=SOON, application_id=app_id, reminder_type=ReminderType.INTERVIEW
        ),
    )
    assert (reminder.user_id, reminder.application_id, reminder.is_completed, reminder.completed_at) == (
        alice.id,
        app_id,
        False,
        None,
    )
    assert await services.reminders.get(alice.id, reminder.id) == reminder
    [entry] = [e for e in storage.activity_of(alice.id) if e.action == ActivityAction.REMINDER_CREATED]
    assert (entry.description, entry.application_id, entry.metadata) == ("Reminder: Call", app_id, {})


async def test_a_library_callers_local_or_naive_time_is_stored_as_utc(
    services: Services, alice: User
) -> None:
    berlin = datetime(2026, 3, 15, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    local = await services.reminders.create(alice.id, NewReminder(title="a", remind_at=berlin))
    naive = await services.reminders.create(
        alice.id, NewReminder(title="b", remind_at=datetime(2026, 3, 15, 9))
    )
    assert local.remind_at == naive.remind_at == SOON
    assert local.remind_at.tzinfo is naive.remind_at.tzinfo is UTC
    moved = await services.reminders.update(alice.id, local.id, {"remind_at": berlin + timedelta(hours=1)})
    assert (moved.remind_at, moved.remind_at.tzinfo) == (SOON + timedelta(hours=1), UTC)


async def test_someone_elses_application_is_forbidden_for_a_reminder(
    services: Services, storage: FakeStorage, alice: User, bob: User
) -> None:
    bobs = await _application(services, bob)
    with pytest.raises(Forbidden) as foreign:
        await services.reminders.create(alice.id, NewReminder(title="x", remind_at=SOON, application_id=bobs))
    assert foreign.value.detail == "Not your application"
    assert await services.reminders.list(alice.id) == []


async def test_lists_run_by_remind_at_and_upcoming_leaves_out_the_completed(
    services: Services, clock: FakeClock, alice: User
) -> None:
    made = {}
    for title, hours in (("late", 48), ("early", 1), ("overdue", -24)):
        clock.advance(seconds=1)
        made[title] = await services.reminders.create(
            alice.id, NewReminder(title=title, remind_at=SOON + timedelta(hours=hours))
        )
    await services.reminders.complete(alice.id, made["early"].id)
    assert [r.title for r in await services.reminders.list(alice.id)] == ["overdue", "early", "late"]
    assert [r.title for r in await services.reminders.list(alice.id, is_completed=True)] == ["early"]
    assert [r.title for r in await services.reminders.upcoming(alice.id)] == ["overdue", "late"]
    assert [r.title for r in await services.reminders.upcoming(alice.id, limit=1)] == ["overdue"]


async def test_completing_stamps_now_logs_tracks_and_refuses_a_second_time(
    services: Services, storage: FakeStorage, clock: FakeClock, alice: User
) -> None:
    reminder = await services.reminders.create(alice.id, NewReminder(title="Call", remind_at=SOON))
    assert storage.tables.users[alice.id].streak_days == 0
    clock.advance(seconds=30)
    done = await services.reminders.complete(alice.id, reminder.id)
    assert (done.is_completed, done.completed_at, done.updated_at) == (True, clock.now(), clock.now())
    assert storage.tables.users[alice.id].streak_days == 1  # a tracked action
    commits = storage.commits
    with pytest.raises(BusinessRuleViolation) as again:
        await services.reminders.complete(alice.id, reminder.id)
    assert again.value.detail == "Reminder already completed"
    assert storage.commits == commits
    completed = [e for e in storage.activity_of(alice.id) if e.action == ActivityAction.REMINDER_COMPLETED]
    assert [e.description for e in completed] == ["Completed: Call"]


async def test_is_completed_in_an_update_stamps_keeps_and_clears_completed_at(
    services: Services, storage: FakeStorage, clock: FakeClock, alice: User
) -> None:
    reminder = await services.reminders.create(alice.id, NewReminder(title="Call", remind_at=SOON))
    clock.advance(seconds=5)
    done = await services.reminders.update(alice.id, reminder.id, {"is_completed": True})
    assert (done.is_completed, done.completed_at) == (True, clock.now())
    stamped = clock.now()
    clock.advance(seconds=5)
    again = await services.reminders.update(alice.id, reminder.id, {"is_completed": True})
    assert again.completed_at == stamped
    cleared = await services.reminders.update(alice.id, reminder.id, {"is_completed": False})
    assert (cleared.is_completed, cleared.completed_at) == (False, None)
    assert storage.tables.users[alice.id].streak_days == 0  # an edit, not the tracked action
    with pytest.raises(InvalidInput):
        await services.reminders.update(alice.id, reminder.id, {"is_completed": None})  # type: ignore[typeddict-item]


async def test_someone_elses_reminder_is_forbidden_and_an_unknown_one_not_found(
    services: Services, alice: User, bob: User
) -> None:
    reminder = await services.reminders.create(alice.id, NewReminder(title="Call", remind_at=SOON))
    for attempt in (
        services.reminders.get(bob.id, reminder.id),
        services.reminders.update(bob.id, reminder.id, {"title": "mine"}),
        services.reminders.complete(bob.id, reminder.id),
        services.reminders.delete(bob.id, reminder.id),
    ):
        with pytest.raises(Forbidden) as forbidden:
            await attempt
        assert forbidden.value.detail == "Not your reminder"
    with pytest.raises(NotFound) as missing:
        await services.reminders.get(alice.id, UUID(int=999))
    assert missing.value.detail == "Reminder not found"
    assert await services.reminders.get(alice.id, reminder.id) == reminder


# --- tags ---------------------------------------------------------------------------------------------


async def test_a_tag_name_is_unique_per_user_on_create_and_rename(
    services: Services, storage: FakeStorage, alice: User, bob: User
) -> None:
    remote = await services.tags.create(alice.id, NewTag(name="Remote"))
    assert remote.color == "#6366f1"
    assert storage.tables.users[alice.id].streak_days == 1  # creating a tag is tracked
    onsite = await services.tags.create(alice.id, NewTag(name="Onsite", color="#abc"))
    for attempt in (
        services.tags.create(alice.id, NewTag(name="Remote")),
        services.tags.update(alice.id, onsite.id, {"name": "Remote"}),
    ):
        with pytest.raises(BusinessRuleViolation) as taken:
            await attempt
        assert taken.value.detail == "Tag with this name already exists"
    await services.tags.create(bob.id, NewTag(name="Remote"))
    assert [t.name for t in await services.tags.list(alice.id)] == ["Onsite", "Remote"]
    with pytest.raises(InvalidInput):
        NewTag(name="x", color="#abcd")


async def test_assigning_listing_and_removing_a_tag(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    app_id = await _application(services, alice)
    tag = await services.tags.create(alice.id, NewTag(name="Remote"))
    assigned = await services.tags.assign(alice.id, app_id, tag.id)
    assert assigned == AssignedTag(assigned.id, app_id, tag.id, assigned.created_at, tag)
    assert await services.tags.list_for_application(alice.id, app_id) == [assigned]
    with pytest.raises(BusinessRuleViolation) as twice:
        await services.tags.assign(alice.id, app_id, tag.id)
    assert twice.value.detail == "Tag already assigned to this application"
    [entry] = [e for e in storage.activity_of(alice.id) if e.action == ActivityAction.TAG_ASSIGNED]
    assert (entry.description, entry.application_id) == ("Tagged application with 'Remote'", app_id)
    await services.tags.remove(alice.id, app_id, tag.id)
    assert await services.tags.list_for_application(alice.id, app_id) == []
    with pytest.raises(NotFound) as gone:
        await services.tags.remove(alice.id, app_id, tag.id)
    assert gone.value.detail == "Tag not assigned to this application"


async def test_the_application_is_checked_before_the_tag(services: Services, alice: User, bob: User) -> None:
    alices_app = await _application(services, alice)
    bobs_tag = await services.tags.create(bob.id, NewTag(name="bob's"))
    with pytest.raises(NotFound) as not_yours:
        await services.tags.assign(alice.id, alices_app, bobs_tag.id)
    assert not_yours.value.detail == "Tag not found"
    with pytest.raises(Forbidden) as forbidden:
        await services.tags.assign(bob.id, alices_app, bobs_tag.id)
    assert forbidden.value.detail == "Not your application"
    for attempt in (
        services.tags.update(alice.id, bobs_tag.id, {"color": "#000"}),
        services.tags.delete(alice.id, bobs_tag.id),
    ):
        with pytest.raises(Forbidden) as forbidden:
            await attempt
        assert forbidden.value.detail == "Not your tag"


async def test_deleting_a_tag_or_an_application_takes_the_assignments_with_it(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    first, second = await _application(services, alice), await _application(services, alice)
    doomed = await services.tags.create(alice.id, NewTag(name="doomed"))
    kept = await services.tags.create(alice.id, NewTag(name="kept"))
    for app_id in (first, second):
        await services.tags.assign(alice.id, app_id, doomed.id)
        await services.tags.assign(alice.id, app_id, kept.id)
    await services.reminders.create(alice.id, NewReminder(title="r", remind_at=SOON, application_id=first))
    await services.tags.delete(alice.id, doomed.id)
    assert [a.tag for a in await services.tags.list_for_application(alice.id, first)] == [kept]
    await services.applications.delete(alice.id, first)
    assert {(a.application_id, a.tag_id) for a in storage.tables.of(ApplicationTag).values()} == {
        (second, kept.id)
    }
    remaining = await services.tags.list_for_application(alice.id, second)
    assert [a.tag for a in remaining] == [kept]
    assert await services.reminders.list(alice.id) == []
    assert await services.tags.list(alice.id) == [kept]


async def test_a_reminder_becoming_completed_is_published_once_per_completion(
    services: Services, publisher: RecordingPublisher, alice: User
) -> None:
    first = await services.reminders.create(alice.id, NewReminder(title="Call", remind_at=SOON))
    second = await services.reminders.create(alice.id, NewReminder(title="Write", remind_at=SOON))
    await services.reminders.complete(alice.id, first.id)
    await services.reminders.update(alice.id, second.id, {"is_completed": True})
    await services.reminders.update(alice.id, second.id, {"is_completed": True})  # already: no event
    await services.reminders.update(alice.id, second.id, {"title": "Write back"})
    completed = [e for e in publisher.published if isinstance(e, ReminderCompleted)]
    assert completed == [
        ReminderCompleted(user_id=alice.id, reminder_id=first.id, application_id=None),
        ReminderCompleted(user_id=alice.id, reminder_id=second.id, application_id=None),
    ]
