"""``/applications``: the caller's job applications with their nested children."""

from __future__ import annotations

from aiohttp import web

from offertracker_core.inputs import ApplicationChanges, NewApplication

from ..parsing import parse_body, parse_path_id, parse_query
from ..rendering import json_bytes_response, json_response
from ..schemas import ApplicationListQuery
from ._common import Routes, caller, deleted, services

routes = Routes()


@routes.get("/applications/")
async def list_applications(request: web.Request) -> web.Response:
    query = parse_query(request, ApplicationListQuery)
    page = await services(request).applications.list_json(
        caller(request), status=query.status, priority=query.priority, skip=query.skip, limit=query.limit
    )
    return json_bytes_response(page)


@routes.post("/applications/")
async def create_application(request: web.Request) -> web.Response:
    new = await parse_body(request, NewApplication)
    return json_response(await services(request).applications.create(caller(request), new), status=201)


@routes.get("/applications/{application_id}")
async def get_application(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    return json_bytes_response(await services(request).applications.get_json(caller(request), application_id))


@routes.put("/applications/{application_id}")
async def update_application(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    changes = await parse_body(request, ApplicationChanges)
    updated = await services(request).applications.update(caller(request), application_id, changes)
    return json_response(updated)


@routes.delete("/applications/{application_id}")
async def delete_application(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    await services(request).applications.delete(caller(request), application_id)
    return deleted("Application")
