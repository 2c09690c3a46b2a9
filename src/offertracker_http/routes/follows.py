"""``/social/follow``, ``/social/followers``, ``/social/following``, ``/social/follow-stats``."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from offertracker_core.entities import Follow
from offertracker_core.errors import BusinessRuleViolation, NotFound
from offertracker_core.ports import FollowCounts

from ..schemas import Message, SocialPage
from ._common import Routes, caller, services

routes = Routes("follows")


@routes.post("/social/follow/{user_id}", status=201, errors=(NotFound, BusinessRuleViolation))
async def follow(request: web.Request, user_id: UUID) -> Follow:
    return await services(request).follows.follow(caller(request), user_id)


@routes.delete("/social/follow/{user_id}", errors=(NotFound,))
async def unfollow(request: web.Request, user_id: UUID) -> Message:
    await services(request).follows.unfollow(caller(request), user_id)
    return Message("Unfollowed successfully")


@routes.get("/social/followers/{user_id}", errors=(NotFound,))
async def list_followers(request: web.Request, user_id: UUID, query: SocialPage) -> list[Follow]:
    return await services(request).follows.followers(user_id, skip=query.skip, limit=query.limit)


@routes.get("/social/following/{user_id}", errors=(NotFound,))
async def list_following(request: web.Request, user_id: UUID, query: SocialPage) -> list[Follow]:
    return await services(request).follows.following(user_id, skip=query.skip, limit=query.limit)


@routes.get("/social/follow-stats/{user_id}", errors=(NotFound,))
async def follow_stats(request: web.Request, user_id: UUID) -> FollowCounts:
    return await services(request).follows.stats(user_id)
