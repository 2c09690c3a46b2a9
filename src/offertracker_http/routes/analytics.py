"""``/analytics``: the caller's dashboard, activity timeline and interview question bank."""

from __future__ import annotations

from uuid import UUID

import attrs
from aiohttp import web

from ..parsing import parse_query
from ..rendering import json_response
from ..schemas import Limit, Skip
from ._common import Routes, caller, services

routes = Routes()


@attrs.frozen
class ActivityQuery:
    """``GET /analytics/activity`` query: ``application_id`` narrows the log to one of the caller's
    applications."""

    application_id: UUID | None = None
    skip: Skip = 0
    limit: Limit = 50


@routes.get("/analytics/dashboard")
async def dashboard(request: web.Request) -> web.Response:
    return json_response(await services(request).analytics.dashboard(caller(request)))


@routes.get("/analytics/activity")
async def activity(request: web.Request) -> web.Response:
    query = parse_query(request, ActivityQuery)
    entries = await services(request).analytics.activity(
        caller(request), application_id=query.application_id, skip=query.skip, limit=query.limit
    )
    return json_response(entries)


@routes.get("/analytics/questions")
async def questions(request: web.Request) -> web.Response:
    return json_response(await services(request).analytics.questions(caller(request)))
