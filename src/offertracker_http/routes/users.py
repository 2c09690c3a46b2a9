"""``/users``: the caller's profile, search, and other people's profiles (behaviour.md §3)."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from offertracker_core.entities import User
from offertracker_core.errors import BusinessRuleViolation, Forbidden, NotFound
from offertracker_core.inputs import AccountDeletion, ProfileChanges

from ..keys import THROTTLE
from ..schemas import Message, PublicProfile, UserSearchQuery
from ._common import Routes, caller, deleted, services

routes = Routes("users")


@routes.get("/users/me")
async def get_me(request: web.Request) -> User:
    return await services(request).users.me(caller(request))


@routes.put("/users/me")
async def update_me(request: web.Request, changes: ProfileChanges) -> User:
    return await services(request).users.update_me(caller(request), changes)


@routes.delete("/users/me", throttled=True, errors=(BusinessRuleViolation,))
async def delete_me(request: web.Request, deletion: AccountDeletion) -> Message:
    user_id = caller(request)
    async with request.app[THROTTLE].confirming_password(request, user_id):
        await services(request).auth.delete_account(user_id, deletion)
    return deleted("Account")


@routes.get("/users/search")
async def search_users(request: web.Request, query: UserSearchQuery) -> list[PublicProfile]:
    found = await services(request).users.search(caller(request), query.q, query.skip, query.limit)
    return [PublicProfile.from_user(user) for user in found]


@routes.get("/users/{user_id}", errors=(NotFound, Forbidden))
async def get_profile(request: web.Request, user_id: UUID) -> PublicProfile:
    return PublicProfile.from_user(await services(request).users.profile(caller(request), user_id))
