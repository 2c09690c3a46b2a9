"""Posts and reactions: the social feed (behaviour.md §10).

Who may see a post (:func:`can_see`): its author always; a post outside any
group when it is public; a post in a group every member of the group, and,
when both the group and the post are public, everyone. A post in a private
group is never shown to a non-member, whatever its own ``is_public`` says, so
a private group's content stays inside it (the feed, reactions, and the
answers to its author's rivals: a post the caller cannot see is "Post not
found", never "Not your post").

Creating a post is a tracked action and counts towards the ``posts`` total
(``uow.progress.count``, before ``track_activity``); deleting one takes it off.
A reaction is not tracked. One reaction per user and post is the database's
rule (``reactions.post_id,user_id``), kept by an atomic insert-or-replace, so
simultaneous reactions of one user leave one row and never fail.
"""

from __future__ import annotations

import builtins
from uuid import UUID

import attrs

from ..entities import Post, PostView, Reaction
from ..errors import Forbidden, NotFound
from ..inputs import NewPost, NewReaction, PostChanges
from ..ports import GroupAccess, ProgressTotals, UnitOfWork
from ..validation import validate_changes
from .base import ServiceContext
from .progress import track_activity

__all__ = ["PostService", "can_see"]

POST_NOT_FOUND = "Post not found"
NOT_YOUR_POST = "Not your post"
GROUP_NOT_FOUND = "Group not found"
NOT_A_MEMBER = "Not a member of this group"
NO_REACTION = "No reaction to remove"


def can_see(post: Post, viewer_id: UUID, group: GroupAccess | None) -> bool:
    """Whether ``viewer_id`` may see ``post``; ``group`` is how the viewer stands to the post's
    group (``None`` when it has none, or when the viewer is its author and it does not matter)."""
    if post.user_id == viewer_id:
        return True
    if post.group_id is None or group is None:
        return post.group_id is None and post.is_public
    return group.is_member or (group.is_public and post.is_public)


async def _visible(uow: UnitOfWork, viewer_id: UUID, post: Post) -> bool:
    """:func:`can_see`, loading the viewer's standing in the post's group only when it matters."""
    group = None
    if post.group_id is not None and post.user_id != viewer_id:
        group = await uow.posts.group_access(post.group_id, viewer_id)
    return can_see(post, viewer_id, group)


async def _readable_group(uow: UnitOfWork, group_id: UUID, user_id: UUID) -> GroupAccess:
    """How ``user_id`` stands to ``group_id``; ``NotFound("Group not found")`` for an unknown group
    and for a private one they are not in (its existence is its members' to know)."""
    access = await uow.posts.group_access(group_id, user_id)
    if access is None or not (access.is_public or access.is_member):
        raise NotFound(GROUP_NOT_FOUND)
    return access


async def _authored(uow: UnitOfWork, user_id: UUID, post_id: UUID) -> Post:
    """The caller's post ``post_id``, locked for rewriting: "Post not found" for an unknown post and
    one they cannot see, "Not your post" for someone else's they can."""
    post = await uow.posts.get_for_update(post_id)
    if post is None:
        raise NotFound(POST_NOT_FOUND)
    if post.user_id != user_id:
        if await _visible(uow, user_id, post):
            raise Forbidden(NOT_YOUR_POST)
        raise NotFound(POST_NOT_FOUND)
    return post


@attrs.frozen
class PostService:
    """Writes, lists, edits and deletes posts; reacts to them."""

    ctx: ServiceContext

    async def create(self, user_id: UUID, new: NewPost) -> PostView:
        """Post (a tracked action); into a group only as one of its members: a public group
        answers ``Forbidden("Not a member of this group")``, an unknown or private one
        ``NotFound("Group not found")``."""
        now = self.ctx.clock.now()
        post = Post(
            id=self.ctx.ids(),
            user_id=user_id,
            **attrs.asdict(new, recurse=False),
            created_at=now,
            updated_at=now,
        )

        async def work(uow: UnitOfWork) -> PostView:
            if post.group_id is not None:
                # Read, not locked: a group deleted meanwhile fails the insert's foreign key and
                # the unit runs again to answer 404 (the lock order of the ports).
                access = await _readable_group(uow, post.group_id, user_id)
                if not access.is_member:
                    raise Forbidden(NOT_A_MEMBER)
            await uow.posts.add(post)
            await uow.progress.count(user_id, ProgressTotals(posts=1))
            await track_activity(self.ctx, uow, user_id, now)
            return PostView.of(post, 0)

        return await self.ctx.write(work)

    async def feed(
        self, user_id: UUID, *, group_id: UUID | None = None, skip: int = 0, limit: int = 50
    ) -> builtins.list[PostView]:
        """Public posts, newest first; with ``group_id``, that group's posts: all of them for a
        member, the public ones for anyone else, and ``NotFound("Group not found")`` for an
        unknown group or a private one the caller is not in."""

        async def work(uow: UnitOfWork) -> builtins.list[PostView]:
            if group_id is None:
                return await uow.posts.public_feed(skip, limit)
            access = await _readable_group(uow, group_id, user_id)
            return await uow.posts.group_feed(group_id, everything=access.is_member, skip=skip, limit=limit)

        return await self.ctx.read(work)

    async def mine(self, user_id: UUID, *, skip: int = 0, limit: int = 50) -> builtins.list[PostView]:
        """The caller's posts, newest first, public or not."""
        return await self.ctx.read(lambda uow: uow.posts.by_author(user_id, skip, limit))

    async def update(self, user_id: UUID, post_id: UUID, changes: PostChanges) -> PostView:
        """Edit the caller's post (title, content, ``is_public``; never its type or group)."""
        changes = validate_changes(PostChanges, changes)

        async def work(uow: UnitOfWork) -> PostView:
            post = await _authored(uow, user_id, post_id)
            updated = attrs.evolve(post, **changes, updated_at=self.ctx.clock.now())
            await uow.posts.update(updated)
            return PostView.of(updated, await uow.reactions.count_for_post(post_id))

        return await self.ctx.write(work)

    async def delete(self, user_id: UUID, post_id: UUID) -> None:
        """Delete the caller's post with its reactions; it no longer counts towards their total."""

        async def work(uow: UnitOfWork) -> None:
            await _authored(uow, user_id, post_id)
            await uow.posts.delete(post_id)
            await uow.progress.count(user_id, ProgressTotals(posts=-1))

        await self.ctx.write(work)

    async def react(self, user_id: UUID, post_id: UUID, new: NewReaction) -> Reaction:
        """React to a post the caller can see (else ``NotFound("Post not found")``), replacing the
        reaction they had; the stored reaction (a replaced one keeps its id)."""
        reaction = Reaction(
            id=self.ctx.ids(),
            post_id=post_id,
            user_id=user_id,
            reaction=new.reaction,
            created_at=self.ctx.clock.now(),
        )

        async def work(uow: UnitOfWork) -> Reaction:
            # The post is read, not locked: one deleted meanwhile fails the foreign key and the
            # unit runs again to answer 404.
            post = await uow.posts.get(post_id)
            if post is None or not await _visible(uow, user_id, post):
                raise NotFound(POST_NOT_FOUND)
            return await uow.reactions.put(reaction)

        return await self.ctx.write(work)

    async def unreact(self, user_id: UUID, post_id: UUID) -> None:
        """Remove the caller's reaction: "Post not found" for a post they cannot see (unless they
        reacted to it while they could: a reaction of theirs can always go), "No reaction to
        remove" when they have none."""

        async def work(uow: UnitOfWork) -> None:
            post = await uow.posts.get(post_id)
            if post is None:
                raise NotFound(POST_NOT_FOUND)
            mine = await uow.reactions.find(post_id, user_id)
            if mine is None:
                raise NotFound(NO_REACTION if await _visible(uow, user_id, post) else POST_NOT_FOUND)
            await uow.reactions.delete(mine.id)

        await self.ctx.write(work)
