"""``/saved-jobs``: job postings the caller bookmarked, and their conversion to applications."""

from __future__ import annotations

from uuid import UUID

import attrs
from aiohttp import web

from offertracker_core.entities import ApplicationDetail, SavedJob
from offertracker_core.enums import Priority, SavedJobStatus
from offertracker_core.errors import BusinessRuleViolation, Forbidden, NotFound
from offertracker_core.inputs import NewSavedJob, SavedJobChanges

from ..schemas import Limit, Message, Skip
from ._common import Routes, caller, deleted, services

routes = Routes("saved-jobs")


@attrs.frozen
class SavedJobListQuery:
    """``GET /saved-jobs/`` query; ``status``/``priority`` filter when given and must be valid values."""

    status: SavedJobStatus | None = None
    priority: Priority | None = None
    skip: Skip = 0
    limit: Limit = 100


@routes.get("/saved-jobs/")
async def list_saved_jobs(request: web.Request, query: SavedJobListQuery) -> list[SavedJob]:
    return await services(request).saved_jobs.list(
        caller(request), status=query.status, priority=query.priority, skip=query.skip, limit=query.limit
    )


@routes.post("/saved-jobs/", status=201)
async def create_saved_job(request: web.Request, new: NewSavedJob) -> SavedJob:
    return await services(request).saved_jobs.create(caller(request), new)


@routes.get("/saved-jobs/{saved_job_id}", errors=(NotFound, Forbidden))
async def get_saved_job(request: web.Request, saved_job_id: UUID) -> SavedJob:
    return await services(request).saved_jobs.get(caller(request), saved_job_id)


@routes.put("/saved-jobs/{saved_job_id}", errors=(NotFound, Forbidden, BusinessRuleViolation))
async def update_saved_job(request: web.Request, saved_job_id: UUID, changes: SavedJobChanges) -> SavedJob:
    return await services(request).saved_jobs.update(caller(request), saved_job_id, changes)


@routes.delete("/saved-jobs/{saved_job_id}", errors=(NotFound, Forbidden))
async def delete_saved_job(request: web.Request, saved_job_id: UUID) -> Message:
    await services(request).saved_jobs.delete(caller(request), saved_job_id)
    return deleted("Saved job")


@routes.post(
    "/saved-jobs/{saved_job_id}/convert", status=201, errors=(NotFound, Forbidden, BusinessRuleViolation)
)
async def convert_saved_job(request: web.Request, saved_job_id: UUID) -> ApplicationDetail:
    """Convert a saved job into an application.

    Answers the new application as ``POST /applications/`` does (201, ApplicationResponse)."""
    return await services(request).saved_jobs.convert(caller(request), saved_job_id)
