"""``/users``: the caller's profile, search, and other people's profiles (behaviour.md §3)."""

from __future__ import annotations

from aiohttp import web

from offertracker_core.inputs import AccountDeletion, ProfileChanges

from ..keys import THROTTLE
from ..parsing import parse_body, parse_path_id, parse_query
from ..rendering import json_response, public_profile
from ..schemas import UserSearchQuery
from ._common import Routes, caller, deleted, services

routes = Routes()


@routes.get("/users/me")
async def get_me(request: web.Request) -> web.Response:
    return json_response(await services(request).users.me(caller(request)))


@routes.put("/users/me")
async def update_me(request: web.Request) -> web.Response:
    changes = await parse_body(request, ProfileChanges)
    return json_response(await services(request).users.update_me(caller(request), changes))


@routes.delete("/users/me")
async def delete_me(request: web.Request) -> web.Response:
    deletion = await parse_body(request, AccountDeletion)
    user_id = caller(request)
    async with request.app[THROTTLE].confirming_password(request, user_id):
        await services(request).auth.delete_account(user_id, deletion)
    return deleted("Account")


@routes.get("/users/search")
async def search_users(request: web.Request) -> web.Response:
    query = parse_query(request, UserSearchQuery)
    found = await services(request).users.search(caller(request), query.q, query.skip, query.limit)
    return json_response([public_profile(user) for user in found])


@routes.get("/users/{user_id}")
async def get_profile(request: web.Request) -> web.Response:
    user_id = parse_path_id(request, "user_id")
    return json_response(public_profile(await services(request).users.profile(caller(request), user_id)))
