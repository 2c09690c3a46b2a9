"""Follows: following and unfollowing people, and who follows whom (behaviour.md §10).

Anyone may follow anyone (there is no approval step); following is what
lets a follower see a ``followers`` profile (behaviour.md §3). The lists and
the stats are open to every signed-in user whatever the profile's visibility,
as in the reference: a ``FollowResponse`` carries ids and a time, no profile,
and seeing the profile behind an id still goes through ``/users/{id}``'s rule.

A follow is a tracked action (streak and milestones, behaviour.md §6) and
counts in its follower's ``follows`` total; an unfollow takes it back.
"""

from __future__ import annotations

from uuid import UUID

import attrs

from ..entities import Follow
from ..errors import BusinessRuleViolation, Duplicate, NotFound
from ..ports import FollowCounts, ProgressTotals, UnitOfWork
from .base import ServiceContext
from .progress import track_activity

__all__ = ["FollowService"]

USER_NOT_FOUND = "User not found"
SELF_FOLLOW = "Cannot follow yourself"
ALREADY_FOLLOWING = "Already following this user"
NOT_FOLLOWING = "Not following this user"


async def _known(uow: UnitOfWork, user_id: UUID) -> None:
    """``NotFound("User not found")`` unless ``user_id`` is a user (read without a lock)."""
    if await uow.users.get(user_id) is None:
        raise NotFound(USER_NOT_FOUND)


@attrs.frozen
class FollowService:
    """Follows and unfollows for the caller; lists and counts anyone's follows."""

    ctx: ServiceContext

    async def follow(self, user_id: UUID, target_id: UUID) -> Follow:
        """``user_id`` follows ``target_id``.

        Yourself: 400 "Cannot follow yourself"; an unknown user: 404 "User not
        found"; a second time: 400 "Already following this user" (also for the
        loser of two simultaneous follows: the unique constraint decides).
        """
        if user_id == target_id:
            raise BusinessRuleViolation(SELF_FOLLOW)
        now = self.ctx.clock.now()
        follow = Follow(id=self.ctx.ids(), follower_id=user_id, following_id=target_id, created_at=now)

        async def work(uow: UnitOfWork) -> Follow:
            # The target is checked, not locked: a concurrent deletion of it makes the insert a
            # foreign-key violation, which retries this unit, and the retry answers the 404.
            await _known(uow, target_id)
            try:
                await uow.follows.add(follow)
            except Duplicate:
                raise BusinessRuleViolation(ALREADY_FOLLOWING) from None
            await uow.progress.count(user_id, ProgressTotals(follows=1))
            await track_activity(self.ctx, uow, user_id, now)
            return follow

        return await self.ctx.write(work)

    async def unfollow(self, user_id: UUID, target_id: UUID) -> None:
        """``user_id`` stops following ``target_id``: 404 "Not following this user" when they
        did not (404 "User not found" when there is no such user)."""

        async def work(uow: UnitOfWork) -> None:
            if not await uow.follows.remove(user_id, target_id):
                await _known(uow, target_id)
                raise NotFound(NOT_FOLLOWING)
            await uow.progress.count(user_id, ProgressTotals(follows=-1))

        await self.ctx.write(work)

    async def followers(self, user_id: UUID, *, skip: int = 0, limit: int = 50) -> list[Follow]:
        """The follows of ``user_id`` (who follows them), newest first; 404 for an unknown user."""

        async def work(uow: UnitOfWork) -> list[Follow]:
            await _known(uow, user_id)
            return await uow.follows.followers(user_id, skip, limit)

        return await self.ctx.read(work)

    async def following(self, user_id: UUID, *, skip: int = 0, limit: int = 50) -> list[Follow]:
        """The follows ``user_id`` made (whom they follow), newest first; 404 for an unknown user."""

        async def work(uow: UnitOfWork) -> list[Follow]:
            await _known(uow, user_id)
            return await uow.follows.following(user_id, skip, limit)

        return await self.ctx.read(work)

    async def stats(self, user_id: UUID) -> FollowCounts:
        """How many follow ``user_id`` and how many they follow; 404 for an unknown user."""
        counts = await self.ctx.read(lambda uow: uow.follows.counts(user_id))
        if counts is None:
            raise NotFound(USER_NOT_FOUND)
        return counts
