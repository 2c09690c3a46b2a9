"""``/tags``: the caller's tag library, and the tags of their applications."""

from __future__ import annotations

from uuid import UUID

import attrs
from aiohttp import web

from offertracker_core.entities import AssignedTag, Tag
from offertracker_core.errors import BusinessRuleViolation, Forbidden, NotFound
from offertracker_core.inputs import NewTag, TagChanges

from ..schemas import MAX_LIMIT, Limit, Message, Skip
from ._common import Routes, caller, deleted, services

routes = Routes("tags")

_OF_APPLICATION = "/tags/application/{application_id}"


@attrs.frozen
class TagListQuery:
    """The query of both tag lists. Ours: the reference lists every tag and takes no parameters;
    a page holds at most ``limit`` (1,000 unless asked for fewer) and may end early at the byte
    budget, so ``skip`` reaches the rest."""

    skip: Skip = 0
    limit: Limit = MAX_LIMIT


@routes.get("/tags/")
async def list_tags(request: web.Request, query: TagListQuery) -> list[Tag]:
    return await services(request).tags.list(caller(request), skip=query.skip, limit=query.limit)


@routes.post("/tags/", status=201, errors=(BusinessRuleViolation,))
async def create_tag(request: web.Request, new: NewTag) -> Tag:
    return await services(request).tags.create(caller(request), new)


@routes.put("/tags/{tag_id}", errors=(NotFound, Forbidden, BusinessRuleViolation))
async def update_tag(request: web.Request, tag_id: UUID, changes: TagChanges) -> Tag:
    return await services(request).tags.update(caller(request), tag_id, changes)


@routes.delete("/tags/{tag_id}", errors=(NotFound, Forbidden))
async def delete_tag(request: web.Request, tag_id: UUID) -> Message:
    await services(request).tags.delete(caller(request), tag_id)
    return deleted("Tag")


@routes.get(_OF_APPLICATION, errors=(NotFound, Forbidden))
async def list_application_tags(
    request: web.Request, application_id: UUID, query: TagListQuery
) -> list[AssignedTag]:
    return await services(request).tags.list_for_application(
        caller(request), application_id, skip=query.skip, limit=query.limit
    )


@routes.post(
    _OF_APPLICATION + "/assign/{tag_id}", status=201, errors=(NotFound, Forbidden, BusinessRuleViolation)
)
async def assign_tag(request: web.Request, application_id: UUID, tag_id: UUID) -> AssignedTag:
    return await services(request).tags.assign(caller(request), application_id, tag_id)


@routes.delete(_OF_APPLICATION + "/remove/{tag_id}", errors=(NotFound, Forbidden))
async def remove_tag(request: web.Request, application_id: UUID, tag_id: UUID) -> Message:
    await services(request).tags.remove(caller(request), application_id, tag_id)
    return Message("Tag removed from application")
