"""``/applications``: the caller's job applications with their nested children."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from offertracker_core.entities import ApplicationDetail
from offertracker_core.errors import Forbidden, NotFound
from offertracker_core.inputs import ApplicationChanges, NewApplication

from ..schemas import ApplicationListQuery, Message
from ._common import Routes, caller, deleted, services

routes = Routes("applications")


@routes.get("/applications/", response=list[ApplicationDetail])
async def list_applications(request: web.Request, query: ApplicationListQuery) -> bytes:
    return await services(request).applications.list_json(
        caller(request), status=query.status, priority=query.priority, skip=query.skip, limit=query.limit
    )


@routes.post("/applications/", status=201, errors=(NotFound,))
async def create_application(request: web.Request, new: NewApplication) -> ApplicationDetail:
    return await services(request).applications.create(caller(request), new)


@routes.get("/applications/{application_id}", response=ApplicationDetail, errors=(NotFound, Forbidden))
async def get_application(request: web.Request, application_id: UUID) -> bytes:
    return await services(request).applications.get_json(caller(request), application_id)


@routes.put("/applications/{application_id}", errors=(NotFound, Forbidden))
async def update_application(
    request: web.Request, application_id: UUID, changes: ApplicationChanges
) -> ApplicationDetail:
    return await services(request).applications.update(caller(request), application_id, changes)


@routes.delete("/applications/{application_id}", errors=(NotFound, Forbidden))
async def delete_application(request: web.Request, application_id: UUID) -> Message:
    await services(request).applications.delete(caller(request), application_id)
    return deleted("Application")
