"""``/social/posts``: the feed, the caller's posts, and reactions (behaviour.md §10)."""

from __future__ import annotations

from uuid import UUID

import attrs
from aiohttp import web

from offertracker_core.entities import PostView, Reaction
from offertracker_core.errors import Forbidden, NotFound
from offertracker_core.inputs import NewPost, NewReaction, PostChanges

from ..schemas import Limit, Message, Skip, SocialPage
from ._common import Routes, caller, deleted, services

routes = Routes("posts")

# Every field has a default (the reference: reaction "Like"), so no body at all means the
# defaults, as an empty object does.
_LIKE = NewReaction()


@attrs.frozen
class FeedQuery:
    """``GET /social/posts/feed`` query: one group's posts when ``group_id`` is given."""

    group_id: UUID | None = None
    skip: Skip = 0
    limit: Limit = 50


@routes.post("/social/posts", status=201, errors=(NotFound, Forbidden))
async def create_post(request: web.Request, new: NewPost) -> PostView:
    return await services(request).posts.create(caller(request), new)


@routes.get("/social/posts/feed", errors=(NotFound,))
async def feed(request: web.Request, query: FeedQuery) -> list[PostView]:
    return await services(request).posts.feed(
        caller(request), group_id=query.group_id, skip=query.skip, limit=query.limit
    )


@routes.get("/social/posts/mine")
async def my_posts(request: web.Request, query: SocialPage) -> list[PostView]:
    return await services(request).posts.mine(caller(request), skip=query.skip, limit=query.limit)


@routes.put("/social/posts/{post_id}", errors=(NotFound, Forbidden))
async def update_post(request: web.Request, post_id: UUID, changes: PostChanges) -> PostView:
    return await services(request).posts.update(caller(request), post_id, changes)


@routes.delete("/social/posts/{post_id}", errors=(NotFound, Forbidden))
async def delete_post(request: web.Request, post_id: UUID) -> Message:
    await services(request).posts.delete(caller(request), post_id)
    return deleted("Post")


@routes.post("/social/posts/{post_id}/react", status=201, errors=(NotFound,))
async def react(request: web.Request, post_id: UUID, new: NewReaction = _LIKE) -> Reaction:
    return await services(request).posts.react(caller(request), post_id, new)


@routes.delete("/social/posts/{post_id}/react", errors=(NotFound,))
async def unreact(request: web.Request, post_id: UUID) -> Message:
    await services(request).posts.unreact(caller(request), post_id)
    return Message("Reaction removed")
