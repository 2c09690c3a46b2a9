"""``/resumes``: the caller's resume versions."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from offertracker_core.entities import ResumeVersion
from offertracker_core.errors import Forbidden, NotFound
from offertracker_core.inputs import NewResume, ResumeChanges

from ..schemas import Message, Page
from ._common import Routes, caller, deleted, services

routes = Routes("resumes")


@routes.get("/resumes/")
async def list_resumes(request: web.Request, query: Page) -> list[ResumeVersion]:
    return await services(request).resumes.list(caller(request), query.skip, query.limit)


@routes.post("/resumes/", status=201)
async def create_resume(request: web.Request, new: NewResume) -> ResumeVersion:
    return await services(request).resumes.create(caller(request), new)


@routes.get("/resumes/{resume_id}", errors=(NotFound, Forbidden))
async def get_resume(request: web.Request, resume_id: UUID) -> ResumeVersion:
    return await services(request).resumes.get(caller(request), resume_id)


@routes.put("/resumes/{resume_id}", errors=(NotFound, Forbidden))
async def update_resume(request: web.Request, resume_id: UUID, changes: ResumeChanges) -> ResumeVersion:
    return await services(request).resumes.update(caller(request), resume_id, changes)


@routes.delete("/resumes/{resume_id}", errors=(NotFound, Forbidden))
async def delete_resume(request: web.Request, resume_id: UUID) -> Message:
    await services(request).resumes.delete(caller(request), resume_id)
    return deleted("Resume version")
