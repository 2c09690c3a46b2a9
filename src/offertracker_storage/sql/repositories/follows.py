"""Follows (``uow.follows``): who follows whom, both directions listed newest first.

A follow row holds two ids and a time, no text: its content is ``OBJECT_BYTES``, so a
page of at most 1,000 of them (1 MiB) can never reach the page byte budget of
:mod:`offertracker_core.pages`, and the lists need no budget in their statements.

Indexes: the unique ``(follower_id, following_id)`` serves ``following``, the
``following_id`` index serves ``followers``; each list sorts one user's follows,
which are at most as many as there are users.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import ScalarSelect, bindparam, delete, func, select, update

from offertracker_core.entities import Follow
from offertracker_core.ports import FollowCounts

from ..prepared import Prepared
from ..rows import Mapper
from ..tables import follows, user_progress, users
from .base import CrudRepository

__all__ = ["SqlFollows"]

_follows = Mapper(Follow, follows)
_NEWEST_FIRST = (follows.c.created_at.desc(), follows.c.id.desc())


def _page(column: str) -> Prepared:
    return Prepared(
        select(*_follows.columns)
        .where(follows.c[column] == bindparam("user_id"))
        .order_by(*_NEWEST_FIRST)
        .offset(bindparam("skip"))
        .limit(bindparam("limit"))
    )


_FOLLOWERS = _page("following_id")
_FOLLOWING = _page("follower_id")
_REMOVE = Prepared(
    delete(follows).where(
        follows.c.follower_id == bindparam("follower_id"), follows.c.following_id == bindparam("following_id")
    )
)


def _count(column: str) -> ScalarSelect[int]:
    return select(func.count()).select_from(follows).where(follows.c[column] == users.c.id).scalar_subquery()


# One row for a known user, none for an unknown one: the 404 and the figures in one statement.
_COUNTS = Prepared(
    select(_count("following_id").label("followers"), _count("follower_id").label("following")).where(
        users.c.id == bindparam("user_id")
    )
)

# Account deletion: lock the user row against new follows of it (an insert's foreign-key check
# takes KEY SHARE on it, which FOR UPDATE excludes), take each follower's follow back from their
# counter, then delete the follows, all before the user row goes.
_LOCK_USER = Prepared(select(users.c.id).where(users.c.id == bindparam("user_id")).with_for_update())
_UNCOUNT_FOLLOWERS = Prepared(
    update(user_progress)
    .where(
        user_progress.c.user_id.in_(
            select(follows.c.follower_id).where(follows.c.following_id == bindparam("user_id"))
        )
    )
    .values(follows=user_progress.c.follows - 1)
)
_DROP_FOLLOWERS = Prepared(delete(follows).where(follows.c.following_id == bindparam("user_id")))


class SqlFollows(CrudRepository[Follow]):
    """Reached as ``uow.follows``; a second follow of the same user is
    ``Duplicate("follows.follower_id,following_id")``."""

    port = "follows"
    mapper = _follows

    def remove(self, follower_id: UUID, following_id: UUID) -> bool:
        """Delete the follow; whether a row went."""
        return _REMOVE.run(self.conn, {"follower_id": follower_id, "following_id": following_id}) > 0

    def followers(self, user_id: UUID, skip: int, limit: int) -> list[Follow]:
        """The follows of ``user_id``, newest first."""
        return self._all(_FOLLOWERS, {"user_id": user_id, "skip": skip, "limit": limit})

    def following(self, user_id: UUID, skip: int, limit: int) -> list[Follow]:
        """The follows by ``user_id``, newest first."""
        return self._all(_FOLLOWING, {"user_id": user_id, "skip": skip, "limit": limit})

    def counts(self, user_id: UUID) -> FollowCounts | None:
        """Both counts (index-only counts of one user's follows), ``None`` for an unknown user."""
        row = _COUNTS.first(self.conn, {"user_id": user_id})
        return None if row is None else FollowCounts(followers_count=row[0], following_count=row[1])

    def drop_followers(self, user_id: UUID) -> None:
        """Uncount and delete the follows of ``user_id`` by others, the user row locked first."""
        params = {"user_id": user_id}
        _LOCK_USER.rows(self.conn, params)
        _UNCOUNT_FOLLOWERS.run(self.conn, params)
        _DROP_FOLLOWERS.run(self.conn, params)
