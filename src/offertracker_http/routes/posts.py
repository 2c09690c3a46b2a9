"""``/social/posts``: the feed, the caller's posts, and reactions (behaviour.md §10)."""

from __future__ import annotations

from uuid import UUID

import attrs
from aiohttp import web

from offertracker_core.inputs import NewPost, NewReaction, PostChanges

from ..parsing import decode_json, parse_body, parse_path_id, parse_query, structure_body
from ..rendering import json_response
from ..schemas import Limit, Skip, SocialPage
from ._common import Routes, caller, deleted, services

routes = Routes()


@attrs.frozen
class FeedQuery:
    """``GET /social/posts/feed`` query: one group's posts when ``group_id`` is given."""

    group_id: UUID | None = None
    skip: Skip = 0
    limit: Limit = 50


@routes.post("/social/posts")
async def create_post(request: web.Request) -> web.Response:
    new = await parse_body(request, NewPost)
    return json_response(await services(request).posts.create(caller(request), new), status=201)


@routes.get("/social/posts/feed")
async def feed(request: web.Request) -> web.Response:
    query = parse_query(request, FeedQuery)
    posts = await services(request).posts.feed(
        caller(request), group_id=query.group_id, skip=query.skip, limit=query.limit
    )
    return json_response(posts)


@routes.get("/social/posts/mine")
async def my_posts(request: web.Request) -> web.Response:
    query = parse_query(request, SocialPage)
    return json_response(
        await services(request).posts.mine(caller(request), skip=query.skip, limit=query.limit)
    )


@routes.put("/social/posts/{post_id}")
async def update_post(request: web.Request) -> web.Response:
    post_id = parse_path_id(request, "post_id")
    changes = await parse_body(request, PostChanges)
    return json_response(await services(request).posts.update(caller(request), post_id, changes))


@routes.delete("/social/posts/{post_id}")
async def delete_post(request: web.Request) -> web.Response:
    post_id = parse_path_id(request, "post_id")
    await services(request).posts.delete(caller(request), post_id)
    return deleted("Post")


@routes.post("/social/posts/{post_id}/react")
async def react(request: web.Request) -> web.Response:
    post_id = parse_path_id(request, "post_id")
    # Every field has a default (the reference: reaction "Like"), so no body at all means the
    # defaults, as an empty object does.
    raw = await request.read()
    new = structure_body(decode_json(raw) if raw else {}, NewReaction)
    return json_response(await services(request).posts.react(caller(request), post_id, new), status=201)


@routes.delete("/social/posts/{post_id}/react")
async def unreact(request: web.Request) -> web.Response:
    post_id = parse_path_id(request, "post_id")
    await services(request).posts.unreact(caller(request), post_id)
    return json_response({"detail": "Reaction removed"})
