"""``/resumes``: the caller's resume versions."""

from __future__ import annotations

from aiohttp import web

from offertracker_core.inputs import NewResume, ResumeChanges

from ..parsing import parse_body, parse_path_id, parse_query
from ..rendering import json_response
from ..schemas import Page
from ._common import Routes, caller, deleted, services

routes = Routes()


@routes.get("/resumes/")
async def list_resumes(request: web.Request) -> web.Response:
    query = parse_query(request, Page)
    return json_response(await services(request).resumes.list(caller(request), query.skip, query.limit))


@routes.post("/resumes/")
async def create_resume(request: web.Request) -> web.Response:
    new = await parse_body(request, NewResume)
    return json_response(await services(request).resumes.create(caller(request), new), status=201)


@routes.get("/resumes/{resume_id}")
async def get_resume(request: web.Request) -> web.Response:
    resume_id = parse_path_id(request, "resume_id")
    return json_response(await services(request).resumes.get(caller(request), resume_id))


@routes.put("/resumes/{resume_id}")
async def update_resume(request: web.Request) -> web.Response:
    resume_id = parse_path_id(request, "resume_id")
    changes = await parse_body(request, ResumeChanges)
    return json_response(await services(request).resumes.update(caller(request), resume_id, changes))


@routes.delete("/resumes/{resume_id}")
async def delete_resume(request: web.Request) -> web.Response:
    resume_id = parse_path_id(request, "resume_id")
    await services(request).resumes.delete(caller(request), resume_id)
    return deleted("Resume version")
