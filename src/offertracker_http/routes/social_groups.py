"""``/social/groups``: public groups, the caller's groups, and membership (behaviour.md §10)."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from offertracker_core.entities import GroupMember
from offertracker_core.errors import BusinessRuleViolation, Forbidden, NotFound
from offertracker_core.inputs import GroupChanges, NewGroup
from offertracker_core.ports import GroupView

from ..schemas import Message, Page, SocialPage
from ._common import Routes, caller, deleted, services

routes = Routes("social groups")


@routes.post("/social/groups", status=201)
async def create_group(request: web.Request, new: NewGroup) -> GroupView:
    return await services(request).groups.create(caller(request), new)


@routes.get("/social/groups")
async def list_public_groups(request: web.Request, query: SocialPage) -> list[GroupView]:
    return await services(request).groups.list_public(skip=query.skip, limit=query.limit)


# Before /{group_id}: routes match in the order they are added.
@routes.get("/social/groups/mine")
async def list_my_groups(request: web.Request, query: SocialPage) -> list[GroupView]:
    return await services(request).groups.mine(caller(request), skip=query.skip, limit=query.limit)


@routes.get("/social/groups/{group_id}", errors=(NotFound,))
async def get_group(request: web.Request, group_id: UUID) -> GroupView:
    return await services(request).groups.get(caller(request), group_id)


@routes.put("/social/groups/{group_id}", errors=(NotFound, Forbidden))
async def update_group(request: web.Request, group_id: UUID, changes: GroupChanges) -> GroupView:
    return await services(request).groups.update(caller(request), group_id, changes)


@routes.delete("/social/groups/{group_id}", errors=(NotFound, Forbidden))
async def delete_group(request: web.Request, group_id: UUID) -> Message:
    await services(request).groups.delete(caller(request), group_id)
    return deleted("Group")


@routes.post(
    "/social/groups/{group_id}/join", status=201, errors=(NotFound, Forbidden, BusinessRuleViolation)
)
async def join_group(request: web.Request, group_id: UUID) -> GroupMember:
    return await services(request).groups.join(caller(request), group_id)


@routes.delete("/social/groups/{group_id}/leave", errors=(NotFound,))
async def leave_group(request: web.Request, group_id: UUID) -> Message:
    await services(request).groups.leave(caller(request), group_id)
    return Message("Left group successfully")


@routes.get("/social/groups/{group_id}/members", errors=(NotFound,))
async def list_group_members(request: web.Request, group_id: UUID, query: Page) -> list[GroupMember]:
    # Ours: the reference lists every member; a page of them takes skip and limit like any list.
    return await services(request).groups.members(
        caller(request), group_id, skip=query.skip, limit=query.limit
    )
