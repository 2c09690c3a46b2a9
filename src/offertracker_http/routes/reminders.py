"""``/reminders``: the caller's reminders, soonest first."""

from __future__ import annotations

import attrs
from aiohttp import web

from offertracker_core.enums import ReminderType
from offertracker_core.inputs import NewReminder, ReminderChanges

from ..parsing import parse_body, parse_path_id, parse_query
from ..rendering import json_response
from ..schemas import Limit, Skip
from ._common import Routes, caller, deleted, services

routes = Routes()


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
async def list_reminders(request: web.Request) -> web.Response:
    query = parse_query(request, ReminderListQuery)
    reminders = await services(request).reminders.list(
        caller(request),
        is_completed=query.is_completed,
        reminder_type=query.reminder_type,
        skip=query.skip,
        limit=query.limit,
    )
    return json_response(reminders)


# Before /reminders/{reminder_id}, which would take "upcoming" for an id.
@routes.get("/reminders/upcoming")
async def upcoming_reminders(request: web.Request) -> web.Response:
    query = parse_query(request, UpcomingQuery)
    reminders = await services(request).reminders.upcoming(
        caller(request), skip=query.skip, limit=query.limit
    )
    return json_response(reminders)


@routes.post("/reminders/")
async def create_reminder(request: web.Request) -> web.Response:
    new = await parse_body(request, NewReminder)
    return json_response(await services(request).reminders.create(caller(request), new), status=201)


@routes.get("/reminders/{reminder_id}")
async def get_reminder(request: web.Request) -> web.Response:
    reminder_id = parse_path_id(request, "reminder_id")
    return json_response(await services(request).reminders.get(caller(request), reminder_id))


@routes.put("/reminders/{reminder_id}")
async def update_reminder(request: web.Request) -> web.Response:
    reminder_id = parse_path_id(request, "reminder_id")
    changes = await parse_body(request, ReminderChanges)
    return json_response(await services(request).reminders.update(caller(request), reminder_id, changes))


@routes.post("/reminders/{reminder_id}/complete")
async def complete_reminder(request: web.Request) -> web.Response:
    reminder_id = parse_path_id(request, "reminder_id")
    return json_response(await services(request).reminders.complete(caller(request), reminder_id))


@routes.delete("/reminders/{reminder_id}")
async def delete_reminder(request: web.Request) -> web.Response:
    reminder_id = parse_path_id(request, "reminder_id")
    await services(request).reminders.delete(caller(request), reminder_id)
    return deleted("Reminder")
