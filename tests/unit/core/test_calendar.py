"""The calendar feed through the service and the pure event builder: secrets, window, sequence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from offertracker_core.calendar import (
    DatedItem,
    EventKind,
    events_of,
    is_secret_shaped,
    secret_hash,
    window_start,
)
from offertracker_core.entities import User
from offertracker_core.inputs import NewApplication, NewReminder, NewStage
from offertracker_core.services import Services

from ..fakes import FakeClock, FakeStorage

MADE = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


async def test_a_feed_keeps_only_the_hash_of_its_secret_and_a_new_one_replaces_it(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    first = await services.calendar.create_feed(alice.id)
    second = await services.calendar.create_feed(alice.id)

    assert is_secret_shaped(first)
    assert is_secret_shaped(second)
    assert first != second
    feed = await services.calendar.feed(alice.id)
    assert feed is not None
    assert (feed.user_id, feed.token_hash, feed.created_at) == (alice.id, secret_hash(second), MADE)
    assert second not in repr(storage.tables)  # the secret itself is nowhere
    assert await services.calendar.events(first) is None
    assert await services.calendar.events(second) == []


async def test_a_revoked_feed_and_a_malformed_secret_find_nothing(services: Services, alice: User) -> None:
    secret = await services.calendar.create_feed(alice.id)
    await services.calendar.revoke(alice.id)
    await services.calendar.revoke(alice.id)  # nothing left: still fine

    assert await services.calendar.feed(alice.id) is None
    assert await services.calendar.events(secret) is None
    assert await services.calendar.events("short") is None
    assert await services.calendar.events(secret + "x") is None


async def test_the_feed_shows_a_year_back_and_everything_ahead(
    services: Services, clock: FakeClock, alice: User
) -> None:
    detail = await services.applications.create(
        alice.id, NewApplication(company_name="Acme", role_title="Dev")
    )
    app_id = detail.application.id
    today = clock.now().date()
    for name, days in (("old", -366), ("edge", -365), ("next year", 400)):
        await services.stages.add(
            alice.id, app_id, NewStage(stage_name=name, stage_date=today + timedelta(days))
        )
    await services.reminders.create(
        alice.id, NewReminder(title="Long ago", remind_at=clock.now() - timedelta(days=366))
    )
    secret = await services.calendar.create_feed(alice.id)

    events = await services.calendar.events(secret)

    assert events is not None
    assert [(event.summary, event.start) for event in events] == [
        ("edge: Dev at Acme", today - timedelta(days=365)),
        ("next year: Dev at Acme", today + timedelta(days=400)),
    ]
    assert window_start(today) == today - timedelta(days=365)


def _item(kind: EventKind, **fields: object) -> DatedItem:
    values: dict[str, object] = {
        "id": UUID(int=7),
        "when": date(2026, 4, 1),
        "title": "Call",
        "label": None,
        "detail": None,
        "company": "Acme",
        "role": "Dev",
        "created_at": MADE,
        "updated_at": MADE,
    }
    values.update(fields)
    return DatedItem(kind, **values)  # type: ignore[arg-type]


def test_sequence_counts_the_seconds_to_the_later_of_the_item_and_its_application_change() -> None:
    [alone] = events_of([_item(EventKind.STAGE, updated_at=MADE + timedelta(seconds=42.9))])
    [with_app] = events_of(
        [
            _item(
                EventKind.STAGE,
                updated_at=MADE + timedelta(seconds=5),
                context_updated_at=MADE + timedelta(hours=1),
            )
        ]
    )
    [clock_went_back] = events_of([_item(EventKind.STAGE, updated_at=MADE - timedelta(seconds=3))])

    assert (alone.sequence, alone.last_modified) == (42, MADE + timedelta(seconds=42.9))
    assert (with_app.sequence, with_app.last_modified) == (3600, MADE + timedelta(hours=1))
    assert clock_went_back.sequence == 0
    assert alone.uid == "stage-00000000-0000-0000-0000-000000000007@offertracker"


def test_events_run_by_start_with_all_day_ones_at_midnight_utc_and_ties_by_uid() -> None:
    day = date(2026, 4, 1)
    items = [
        _item(
            EventKind.REMINDER, id=UUID(int=1), when=datetime(2026, 4, 1, 0, 30, tzinfo=UTC), label="General"
        ),
        _item(EventKind.SAVED_JOB, id=UUID(int=2), when=day, title=None, label="High"),
        _item(EventKind.FOLLOW_UP, id=UUID(int=3), when=day, title=None, label="Applied"),
    ]
    assert [event.uid.split("@")[0] for event in events_of(items)] == [
        "follow-up-00000000-0000-0000-0000-000000000003",
        "saved-job-00000000-0000-0000-0000-000000000002",
        "reminder-00000000-0000-0000-0000-000000000001",
    ]


def test_a_job_without_a_role_or_a_reminder_without_an_application_still_reads_well() -> None:
    saved, loose = events_of(
        [
            _item(EventKind.SAVED_JOB, title=None, role=None, label="High"),
            _item(EventKind.REMINDER, company=None, role=None, label="General", when=date(2026, 4, 2)),
        ]
    )
    assert (saved.summary, saved.description) == (
        "Apply by: Acme",
        "Deadline of the job you saved: Acme. Priority: High.",
    )
    assert (loose.summary, loose.description, loose.categories) == (
        "Call",
        "General reminder: Call.",
        ("Reminder", "General"),
    )
