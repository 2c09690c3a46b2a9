"""``/social/groups``: public groups, the caller's groups, and membership (behaviour.md §10)."""

from __future__ import annotations

from aiohttp import web

from offertracker_core.inputs import GroupChanges, NewGroup

from ..parsing import parse_body, parse_path_id, parse_query
from ..rendering import json_response
from ..schemas import Page, SocialPage
from ._common import Routes, caller, deleted, services

routes = Routes()


@routes.post("/social/groups")
async def create_group(request: web.Request) -> web.Response:
    new = await parse_body(request, NewGroup)
    return json_response(await services(request).groups.create(caller(request), new), status=201)


@routes.get("/social/groups")
async def list_public_groups(request: web.Request) -> web.Response:
    query = parse_query(request, SocialPage)
    return json_response(await services(request).groups.list_public(skip=query.skip, limit=query.limit))


# Before /{group_id}: routes match in the order they are added.
@routes.get("/social/groups/mine")
async def list_my_groups(request: web.Request) -> web.Response:
    query = parse_query(request, SocialPage)
    groups = await services(request).groups.mine(caller(request), skip=query.skip, limit=query.limit)
    return json_response(groups)


@routes.get("/social/groups/{group_id}")
async def get_group(request: web.Request) -> web.Response:
    group_id = parse_path_id(request, "group_id")
    return json_response(await services(request).groups.get(caller(request), group_id))


@routes.put("/social/groups/{group_id}")
async def update_group(request: web.Request) -> web.Response:
    group_id = parse_path_id(request, "group_id")
    changes = await parse_body(request, GroupChanges)
    return json_response(await services(request).groups.update(caller(request), group_id, changes))


@routes.delete("/social/groups/{group_id}")
async def delete_group(request: web.Request) -> web.Response:
    group_id = parse_path_id(request, "group_id")
    await services(request).groups.delete(caller(request), group_id)
    return deleted("Group")


@routes.post("/social/groups/{group_id}/join")
async def join_group(request: web.Request) -> web.Response:
    group_id = parse_path_id(request, "group_id")
    return json_response(await services(request).groups.join(caller(request), group_id), status=201)


@routes.delete("/social/groups/{group_id}/leave")
async def leave_group(request: web.Request) -> web.Response:
    group_id = parse_path_id(request, "group_id")
    await services(request).groups.leave(caller(request), group_id)
    return json_response({"detail": "Left group successfully"})


@routes.get("/social/groups/{group_id}/members")
async def list_group_members(request: web.Request) -> web.Response:
    group_id = parse_path_id(request, "group_id")
    # Ours: the reference lists every member; a page of them takes skip and limit like any list.
    query = parse_query(request, Page)
    members = await services(request).groups.members(
        caller(request), group_id, skip=query.skip, limit=query.limit
    )
    return json_response(members)
