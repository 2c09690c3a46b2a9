"""``/reminders``: the caller's reminders, soonest first."""

from __future__ import annotations

from uuid import UUID

import attrs
from aiohttp import web

from offertracker_core.entities import Reminder
from offertracker_core.enums import ReminderType
from offertracker_core.errors import BusinessRuleViolation, Forbidden, NotFound
from offertracker_core.inputs import NewReminder, ReminderChanges

from ..schemas import Limit, Message, Skip
from ._common import Routes, caller, deleted, services

routes = Routes("reminders")


@attrs.frozen
class ReminderListQuery:
    """``GET /reminders/`` query; ``reminder_type`` must be a valid value when given."""

    is_completed: bool | None = None
    reminder_type: ReminderType | None = None
    skip: Skip = 0
    limit: Limit = 100


@attrs.frozen
class UpcomingQuery:
    """``GET /reminders/upcoming`` query. ``skip`` is ours (the reference has only ``limit``): a
    page may end early at the byte budget, and paging on needs it."""

    skip: Skip = 0
    limit: Limit = 10


@routes.get("/reminders/")
async def list_reminders(request: web.Request, query: ReminderListQuery) -> list[Reminder]:
    return await services(request).reminders.list(
        caller(request),
        is_completed=query.is_completed,
        reminder_type=query.reminder_type,
        skip=query.skip,
        limit=query.limit,
    )


# Before /reminders/{reminder_id}, which would take "upcoming" for an id.
@routes.get("/reminders/upcoming")
async def upcoming_reminders(request: web.Request, query: UpcomingQuery) -> list[Reminder]:
    return await services(request).reminders.upcoming(caller(request), skip=query.skip, limit=query.limit)


@routes.post("/reminders/", status=201, errors=(NotFound, Forbidden))
async def create_reminder(request: web.Request, new: NewReminder) -> Reminder:
    return await services(request).reminders.create(caller(request), new)


@routes.get("/reminders/{reminder_id}", errors=(NotFound, Forbidden))
async def get_reminder(request: web.Request, reminder_id: UUID) -> Reminder:
    return await services(request).reminders.get(caller(request), reminder_id)


@routes.put("/reminders/{reminder_id}", errors=(NotFound, Forbidden))
async def update_reminder(request: web.Request, reminder_id: UUID, changes: ReminderChanges) -> Reminder:
    return await services(request).reminders.update(caller(request), reminder_id, changes)


@routes.post("/reminders/{reminder_id}/complete", errors=(NotFound, Forbidden, BusinessRuleViolation))
async def complete_reminder(request: web.Request, reminder_id: UUID) -> Reminder:
    return await services(request).reminders.complete(caller(request), reminder_id)


@routes.delete("/reminders/{reminder_id}", errors=(NotFound, Forbidden))
async def delete_reminder(request: web.Request, reminder_id: UUID) -> Message:
    await services(request).reminders.delete(caller(request), reminder_id)
    return deleted("Reminder")
