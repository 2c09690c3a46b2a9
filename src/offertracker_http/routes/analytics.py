"""``/analytics``: the caller's dashboard, activity timeline and interview question bank."""

from __future__ import annotations

from uuid import UUID

import attrs
from aiohttp import web

from offertracker_core.analytics import Dashboard, QuestionBank
from offertracker_core.entities import ActivityEntry
from offertracker_core.errors import Forbidden, NotFound

from ..schemas import Limit, Skip
from ._common import Routes, caller, services

routes = Routes("analytics")


@attrs.frozen
class ActivityQuery:
    """``GET /analytics/activity`` query: ``application_id`` narrows the log to one of the caller's
    applications."""

    application_id: UUID | None = None
    skip: Skip = 0
    limit: Limit = 50


@routes.get("/analytics/dashboard")
async def dashboard(request: web.Request) -> Dashboard:
    return await services(request).analytics.dashboard(caller(request))


@routes.get("/analytics/activity", errors=(NotFound, Forbidden))
async def activity(request: web.Request, query: ActivityQuery) -> list[ActivityEntry]:
    return await services(request).analytics.activity(
        caller(request), application_id=query.application_id, skip=query.skip, limit=query.limit
    )


@routes.get("/analytics/questions")
async def questions(request: web.Request) -> QuestionBank:
    return await services(request).analytics.questions(caller(request))
