"""``/tags``: the caller's tag library, and the tags of their applications."""

from __future__ import annotations

import attrs
from aiohttp import web

from offertracker_core.inputs import NewTag, TagChanges

from ..parsing import parse_body, parse_path_id, parse_query
from ..rendering import json_response
from ..schemas import MAX_LIMIT, Limit, Skip
from ._common import Routes, caller, deleted, services

routes = Routes()

_OF_APPLICATION = "/tags/application/{application_id}"


@attrs.frozen
class TagListQuery:
    """The query of both tag lists. Ours: the reference lists every tag and takes no parameters;
    a page holds at most ``limit`` (1,000 unless asked for fewer) and may end early at the byte
    budget, so ``skip`` reaches the rest."""

    skip: Skip = 0
    limit: Limit = MAX_LIMIT


@routes.get("/tags/")
async def list_tags(request: web.Request) -> web.Response:
    query = parse_query(request, TagListQuery)
    return json_response(
        await services(request).tags.list(caller(request), skip=query.skip, limit=query.limit)
    )


@routes.post("/tags/")
async def create_tag(request: web.Request) -> web.Response:
    new = await parse_body(request, NewTag)
    return json_response(await services(request).tags.create(caller(request), new), status=201)


@routes.put("/tags/{tag_id}")
async def update_tag(request: web.Request) -> web.Response:
    tag_id = parse_path_id(request, "tag_id")
    changes = await parse_body(request, TagChanges)
    return json_response(await services(request).tags.update(caller(request), tag_id, changes))


@routes.delete("/tags/{tag_id}")
async def delete_tag(request: web.Request) -> web.Response:
    tag_id = parse_path_id(request, "tag_id")
    await services(request).tags.delete(caller(request), tag_id)
    return deleted("Tag")


@routes.get(_OF_APPLICATION)
async def list_application_tags(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    query = parse_query(request, TagListQuery)
    assigned = await services(request).tags.list_for_application(
        caller(request), application_id, skip=query.skip, limit=query.limit
    )
    return json_response(assigned)


@routes.post(_OF_APPLICATION + "/assign/{tag_id}")
async def assign_tag(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    tag_id = parse_path_id(request, "tag_id")
    assigned = await services(request).tags.assign(caller(request), application_id, tag_id)
    return json_response(assigned, status=201)


@routes.delete(_OF_APPLICATION + "/remove/{tag_id}")
async def remove_tag(request: web.Request) -> web.Response:
    application_id = parse_path_id(request, "application_id")
    tag_id = parse_path_id(request, "tag_id")
    await services(request).tags.remove(caller(request), application_id, tag_id)
    return json_response({"detail": "Tag removed from application"})
