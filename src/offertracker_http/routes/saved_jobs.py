"""``/saved-jobs``: job postings the caller bookmarked, and their conversion to applications."""

from __future__ import annotations

import attrs
from aiohttp import web

from offertracker_core.enums import Priority, SavedJobStatus
from offertracker_core.inputs import NewSavedJob, SavedJobChanges

from ..parsing import parse_body, parse_path_id, parse_query
from ..rendering import json_response
from ..schemas import Limit, Skip
from ._common import Routes, caller, deleted, services

routes = Routes()


@attrs.frozen
class SavedJobListQuery:
    """``GET /saved-jobs/`` query; ``status``/``priority`` filter when given and must be valid values."""

    status: SavedJobStatus | None = None
    priority: Priority | None = None
    skip: Skip = 0
    limit: Limit = 100


@routes.get("/saved-jobs/")
async def list_saved_jobs(request: web.Request) -> web.Response:
    query = parse_query(request, SavedJobListQuery)
    saved_jobs = await services(request).saved_jobs.list(
        caller(request), status=query.status, priority=query.priority, skip=query.skip, limit=query.limit
    )
    return json_response(saved_jobs)


@routes.post("/saved-jobs/")
async def create_saved_job(request: web.Request) -> web.Response:
    new = await parse_body(request, NewSavedJob)
    return json_response(await services(request).saved_jobs.create(caller(request), new), status=201)


@routes.get("/saved-jobs/{saved_job_id}")
async def get_saved_job(request: web.Request) -> web.Response:
    saved_job_id = parse_path_id(request, "saved_job_id")
    return json_response(await services(request).saved_jobs.get(caller(request), saved_job_id))


@routes.put("/saved-jobs/{saved_job_id}")
async def update_saved_job(request: web.Request) -> web.Response:
    saved_job_id = parse_path_id(request, "saved_job_id")
    changes = await parse_body(request, SavedJobChanges)
    return json_response(await services(request).saved_jobs.update(caller(request), saved_job_id, changes))


@routes.delete("/saved-jobs/{saved_job_id}")
async def delete_saved_job(request: web.Request) -> web.Response:
    saved_job_id = parse_path_id(request, "saved_job_id")
    await services(request).saved_jobs.delete(caller(request), saved_job_id)
    return deleted("Saved job")


@routes.post("/saved-jobs/{saved_job_id}/convert")
async def convert_saved_job(request: web.Request) -> web.Response:
    """Answers the new application as ``POST /applications/`` does (201, ApplicationResponse)."""
    saved_job_id = parse_path_id(request, "saved_job_id")
    application = await services(request).saved_jobs.convert(caller(request), saved_job_id)
    return json_response(application, status=201)
