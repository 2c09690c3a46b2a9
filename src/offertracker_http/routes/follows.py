"""``/social/follow``, ``/social/followers``, ``/social/following``, ``/social/follow-stats``."""

from __future__ import annotations

from aiohttp import web

from ..parsing import parse_path_id, parse_query
from ..rendering import json_response
from ..schemas import SocialPage
from ._common import Routes, caller, services

routes = Routes()


@routes.post("/social/follow/{user_id}")
async def follow(request: web.Request) -> web.Response:
    user_id = parse_path_id(request, "user_id")
    return json_response(await services(request).follows.follow(caller(request), user_id), status=201)


@routes.delete("/social/follow/{user_id}")
async def unfollow(request: web.Request) -> web.Response:
    user_id = parse_path_id(request, "user_id")
    await services(request).follows.unfollow(caller(request), user_id)
    return json_response({"detail": "Unfollowed successfully"})


@routes.get("/social/followers/{user_id}")
async def list_followers(request: web.Request) -> web.Response:
    user_id = parse_path_id(request, "user_id")
    query = parse_query(request, SocialPage)
    return json_response(
        await services(request).follows.followers(user_id, skip=query.skip, limit=query.limit)
    )


@routes.get("/social/following/{user_id}")
async def list_following(request: web.Request) -> web.Response:
    user_id = parse_path_id(request, "user_id")
    query = parse_query(request, SocialPage)
    return json_response(
        await services(request).follows.following(user_id, skip=query.skip, limit=query.limit)
    )


@routes.get("/social/follow-stats/{user_id}")
async def follow_stats(request: web.Request) -> web.Response:
    user_id = parse_path_id(request, "user_id")
    return json_response(await services(request).follows.stats(user_id))
