"""The social repositories: groups and their memberships, follows, posts and reactions (behaviour.md §10)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

import attrs

from ..entities import (
    Follow,
    Group,
    GroupMember,
    Post,
    PostView,
    Reaction,
)
from .repositories import OwnedRepository, Repository

__all__ = [
    "FollowCounts",
    "FollowRepository",
    "GroupAccess",
    "GroupRepository",
    "GroupView",
    "PostRepository",
    "ReactionRepository",
]

# --- social: groups (behaviour.md §10) ------------------------------------------------


@attrs.frozen
class GroupView:
    """A group with its real member count: the ``GroupResponse`` shape, fields in its order."""

    id: UUID
    name: str
    description: str | None
    created_by: UUID
    is_public: bool
    member_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, group: Group, member_count: int) -> GroupView:
        """The view of ``group`` with ``member_count`` members."""
        return cls(
            id=group.id,
            name=group.name,
            description=group.description,
            created_by=group.created_by,
            is_public=group.is_public,
            member_count=member_count,
            created_at=group.created_at,
            updated_at=group.updated_at,
        )


class GroupRepository(Repository[Group], Protocol):
    """Groups and their memberships; ``add_member`` raises
    ``Duplicate("group_members.group_id,user_id")`` for a member already in.

    Every read of a group as the API shows it (:class:`GroupView`) counts its members in the
    same statement. Leaving locks the group row first (``get_for_update``); joining's insert
    holds the row's key share (its foreign key); :meth:`dissolve` locks the row against both,
    so a membership it counts away is never counted away again by a concurrent leave, and
    none joined meanwhile is missed.
    """

    async def view(self, group_id: UUID) -> GroupView | None:
        """The group with its member count, or ``None``: one statement."""
        ...

    async def membership(self, group_id: UUID, user_id: UUID) -> GroupMember | None:
        """``user_id``'s membership of ``group_id``, or ``None``."""
        ...

    async def add_member(self, member: GroupMember) -> None:
        """Insert a membership (a broken uniqueness rule raises ``Duplicate``)."""
        ...

    async def remove_member(self, member_id: UUID) -> None:
        """Delete a membership (no error for an unknown id)."""
        ...

    async def list_public(self, skip: int, limit: int) -> list[GroupView]:
        """Public groups, newest first (``created_at``, then ``id``, descending), at most ``limit``,
        ending early at the byte budget of :mod:`offertracker_core.pages`; one statement."""
        ...

    async def list_joined(self, user_id: UUID, skip: int, limit: int) -> list[GroupView]:
        """The groups ``user_id`` is a member of, most recently joined first (``joined_at``, then the
        membership's ``id``, descending), paged and budgeted like :meth:`list_public`."""
        ...

    async def members(self, group_id: UUID, skip: int, limit: int) -> list[GroupMember]:
        """The group's memberships, earliest joined first (``joined_at``, then ``id``, ascending),
        at most ``limit``. A membership holds no free text (a role of six characters at most), so
        a full page of 1,000 is a few hundred kilobytes: no byte budget applies."""
        ...

    async def dissolve(self, group_id: UUID) -> None:
        """Delete the group with its memberships and posts (the schema cascades), taking them off
        their users' kept counters (``groups_joined``, ``posts``) in the same unit of work: a few
        statements however many members and posts it has. Locks the group row against every
        writer first, inserts of members and posts included."""
        ...

    async def dissolve_created_by(self, user_id: UUID) -> None:
        """:meth:`dissolve` every group ``user_id`` created (their account is about to go, and
        the schema would cascade to these groups without uncounting them)."""
        ...


# --- follows (social) --------------------------------------------------------------


@attrs.frozen
class FollowCounts:
    """How many follow a user and how many they follow: the ``FollowStats`` shape."""

    followers_count: int
    following_count: int


class FollowRepository(Repository[Follow], Protocol):
    """Who follows whom; ``add`` raises ``Duplicate("follows.follower_id,following_id")`` for a
    follow that exists. A follow renders as ids and a time only, so a page of them (at most
    ``limit`` rows of ``OBJECT_BYTES`` content each, 1 MiB) never reaches the page byte budget."""

    async def remove(self, follower_id: UUID, following_id: UUID) -> bool:
        """Delete the follow of ``following_id`` by ``follower_id``; whether there was one."""
        ...

    async def followers(self, user_id: UUID, skip: int, limit: int) -> list[Follow]:
        """The follows of ``user_id`` by others, newest first (``created_at``, then ``id``, descending)."""
        ...

    async def following(self, user_id: UUID, skip: int, limit: int) -> list[Follow]:
        """The follows ``user_id`` made, newest first (``created_at``, then ``id``, descending)."""
        ...

    async def counts(self, user_id: UUID) -> FollowCounts | None:
        """``user_id``'s follower and following counts in one statement; ``None`` for an unknown user."""
        ...

    async def drop_followers(self, user_id: UUID) -> None:
        """Before ``user_id`` is deleted: remove the follows of ``user_id`` by others and take each
        back from its follower's ``follows`` counter (``ProgressRepository.count``), so the counters
        still equal a recount once the account is gone. Locks the user row first, so no follow of
        it can be added meanwhile; constant in statements however many followers there are."""
        ...


# --- posts and reactions (behaviour.md §10) ------------------------------------------


@attrs.frozen
class GroupAccess:
    """What the post rules need to know of a group and one user: whether the group is public and
    whether the user is a member."""

    is_public: bool
    is_member: bool


class PostRepository(OwnedRepository[Post], Protocol):
    """Posts, read with their reaction counts (:class:`PostView`, one statement a page).

    Every list is newest first (``created_at``, then ``id``, descending), at most ``limit`` posts,
    ending early at the byte budget of :mod:`offertracker_core.pages` as ``list_for_user`` does.
    """

    async def view(self, post_id: UUID) -> PostView | None:
        """The post with its reaction count, or ``None``."""
        ...

    async def public_feed(self, skip: int, limit: int) -> list[PostView]:
        """Public posts (``is_public``) outside private groups: a post in a private group is for
        its members only, whatever its own flag says."""
        ...

    async def group_feed(self, group_id: UUID, *, everything: bool, skip: int, limit: int) -> list[PostView]:
        """The posts of ``group_id``: all of them when ``everything`` (a member reads), else the
        public ones only."""
        ...

    async def by_author(self, user_id: UUID, skip: int, limit: int) -> list[PostView]:
        """``user_id``'s posts, public or not, in groups or not."""
        ...

    async def group_access(self, group_id: UUID, user_id: UUID) -> GroupAccess | None:
        """How ``user_id`` stands to ``group_id`` (one statement), or ``None`` for an unknown group."""
        ...


class ReactionRepository(Repository[Reaction], Protocol):
    """Reactions: at most one per user and post (``reactions.post_id,user_id``)."""

    async def put(self, reaction: Reaction) -> Reaction:
        """Store ``reaction`` as its user's one reaction to its post, replacing the one they had
        (which keeps its ``id`` and takes the new ``reaction`` and ``created_at``); return the stored
        reaction. One atomic statement: of two simultaneous calls, both succeed and one row remains."""
        ...

    async def find(self, post_id: UUID, user_id: UUID) -> Reaction | None:
        """``user_id``'s reaction to ``post_id``, or ``None``."""
        ...

    async def count_for_post(self, post_id: UUID) -> int:
        """How many reactions ``post_id`` has."""
        ...
