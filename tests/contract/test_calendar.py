"""``uow.calendar`` on every backend: one feed per user found by its hash, and the dated items."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from offertracker_core.calendar import DatedItem, EventKind
from offertracker_core.entities import CalendarFeed, Reminder
from offertracker_core.enums import OutcomeStatus, ReminderType, SavedJobStatus, StageType
from offertracker_core.ports import Storage

from ..storage import factories as f

SINCE = date(2026, 1, 1)


async def test_a_feed_is_replaced_found_by_its_hash_and_removed(storage: Storage) -> None:
    ada, bo = f.user("ada"), f.user("bo")
    first = CalendarFeed(ada.id, "a" * 64, f.T0)
    second = CalendarFeed(ada.id, "b" * 64, f.at(1))
    bos = CalendarFeed(bo.id, "c" * 64, f.at(2))
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bo)
        await uow.calendar.replace_feed(first)
        await uow.calendar.replace_feed(bos)
        await uow.commit()
    async with storage.write() as uow:
        await uow.calendar.replace_feed(second)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.calendar.feed_of(ada.id) == second
        assert await uow.calendar.feed_by_hash("b" * 64) == second
        assert await uow.calendar.feed_by_hash("a" * 64) is None
        assert await uow.calendar.feed_by_hash("c" * 64) == bos
    async with storage.write() as uow:
        await uow.calendar.remove_feed(ada.id)
        await uow.calendar.remove_feed(ada.id)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.calendar.feed_of(ada.id) is None
        assert await uow.calendar.feed_by_hash("b" * 64) is None
        assert await uow.calendar.feed_of(bo.id) == bos


def _reminder(user_id: UUID, **changes: Any) -> Reminder:
    values: dict[str, Any] = {
        "id": uuid4(),
        "user_id": user_id,
        "application_id": None,
        "title": "Call back",
        "description": "secret notes",
        "remind_at": f.T0,
        "reminder_type": ReminderType.FOLLOW_UP,
        "is_completed": False,
        "completed_at": None,
        "created_at": f.T0,
        "updated_at": f.T0,
        **changes,
    }
    return Reminder(**values)


async def test_the_dated_items_are_the_users_own_from_the_day_given_at_most_limit_of_each_kind(
    storage: Storage,
) -> None:
    ada, bo = f.user("ada"), f.user("bo")
    app = f.application(
        ada.id, company_name="Acme", role_title="Dev", follow_up_date=date(2026, 5, 1), updated_at=f.at(5)
    )
    old_app = f.application(ada.id, follow_up_date=date(2025, 12, 31), created_at=f.at(1))
    stages = [
        f.stage(
            app.id,
            stage_name=f"S{n}",
            stage_type=StageType.TECHNICAL,
            stage_date=date(2026, 4, n + 1),
            created_at=f.at(n),
        )
        for n in range(3)
    ]
    undated = f.stage(app.id, stage_name="no date", stage_date=None, created_at=f.at(9))
    offer = f.outcome(app.id, status=OutcomeStatus.OFFER, deadline=date(2026, 6, 1))
    other_app = f.application(ada.id, follow_up_date=None, created_at=f.at(2))
    rejected = f.outcome(other_app.id, status=OutcomeStatus.REJECTED, deadline=date(2026, 6, 2))
    active = f.saved_job(ada.id, company_name="Globex", role_title=None, deadline=date(2026, 7, 1))
    archived = f.saved_job(
        ada.id, deadline=date(2026, 7, 2), status=SavedJobStatus.ARCHIVED, created_at=f.at(1)
    )
    soon = _reminder(ada.id, application_id=app.id, remind_at=f.T0 + timedelta(days=30))
    loose = _reminder(
        ada.id, title="Loose", reminder_type=ReminderType.GENERAL, remind_at=f.T0 + timedelta(days=31)
    )
    done = _reminder(ada.id, is_completed=True, completed_at=f.T0, remind_at=f.T0 + timedelta(days=32))
    before = _reminder(ada.id, remind_at=f.T0.replace(year=2025))
    bos_app = f.application(bo.id, follow_up_date=date(2026, 5, 1))
    async with storage.write() as uow:
        for user in (ada, bo):
            await uow.users.add(user)
        for application in (app, old_app, other_app, bos_app):
            await uow.applications.add(application)
        for stage in (*stages, undated):
            await uow.stages.add(stage)
        await uow.outcomes.add(offer)
        await uow.outcomes.add(rejected)
        for job in (active, archived):
            await uow.owned(type(job)).add(job)
        for reminder in (soon, loose, done, before):
            await uow.reminders.add(reminder)
        await uow.commit()

    async with storage.read() as uow:
        items = await uow.calendar.dated_items(ada.id, SINCE, 2)

    def stage_item(n: int) -> DatedItem:
        stage = stages[n]
        return DatedItem(
            EventKind.STAGE,
            stage.id,
            stage.stage_date,
            stage.stage_name,
            "Technical",
            stage.result.value,  # type: ignore[arg-type]
            "Acme",
            "Dev",
            stage.created_at,
            stage.updated_at,
            app.updated_at,
        )

    assert items == [
        stage_item(0),
        stage_item(1),  # the third is past the limit of two
        DatedItem(
            EventKind.REMINDER,
            soon.id,
            soon.remind_at,
            "Call back",
            "Follow-up",
            None,
            "Acme",
            "Dev",
            soon.created_at,
            soon.updated_at,
            app.updated_at,
        ),
        DatedItem(
            EventKind.REMINDER,
            loose.id,
            loose.remind_at,
            "Loose",
            "General",
            None,
            None,
            None,
            loose.created_at,
            loose.updated_at,
            None,
        ),
        DatedItem(
            EventKind.FOLLOW_UP,
            app.id,
            date(2026, 5, 1),
            None,
            "Applied",
            None,
            "Acme",
            "Dev",
            app.created_at,
            app.updated_at,
            None,
        ),
        DatedItem(
            EventKind.SAVED_JOB,
            active.id,
            date(2026, 7, 1),
            None,
            active.priority.value,
            None,
            "Globex",
            None,
            active.created_at,
            active.updated_at,
            None,
        ),
        DatedItem(
            EventKind.OFFER,
            offer.id,
            date(2026, 6, 1),
            None,
            None,
            None,
            "Acme",
            "Dev",
            offer.created_at,
            offer.updated_at,
            app.updated_at,
        ),
    ]
