"""Streak and milestone bookkeeping for tracked actions, and the ``/progress`` reads (behaviour.md §6).

Runs inside the caller's write unit of work, in a savepoint: whatever goes
wrong here is rolled back and logged, and the action that triggered it still
commits. Milestones won are recorded on the unit of work (``MilestoneReached``),
published with the caller's other events after its commit.

The totals are not counted here: every service that adds or removes a counted
row (application, stage, reflection, Offer outcome, follow, group membership,
post) adds its delta with ``uow.progress.count`` in the same unit of work,
before calling :func:`track_activity`, which then reads them with one
statement whatever the size of the account. Counting is outside the
savepoint on purpose: a failed count fails the action instead of leaving
counters that disagree with the rows.

:class:`ProgressService` reads it all back: the catalogue, the caller's
milestones, the community list and the caller's stats.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from uuid import UUID

import attrs

from .. import milestones, streaks
from ..entities import Milestone, User, UserMilestone
from ..errors import Contention, Duplicate, NotFound
from ..events import MilestoneReached
from ..ports import AccountFigures, CommunityMember, EarnedMilestone, ProgressTotals, UnitOfWork
from .base import ServiceContext

__all__ = ["ProgressService", "ProgressUpdate", "UserStats", "award", "track_activity"]

logger = logging.getLogger(__name__)


@attrs.frozen
class ProgressUpdate:
    """What bookkeeping did: the user as stored afterwards (``None`` if it failed) and milestones won."""

    user: User | None = None
    events: tuple[MilestoneReached, ...] = ()


async def award(
    ctx: ServiceContext, uow: UnitOfWork, user_id: UUID, milestone: Milestone, now: datetime
) -> MilestoneReached | None:
    """Award ``milestone`` to ``user_id`` and record ``MilestoneReached``; ``None`` when a
    concurrent request awarded it first.

    Each award runs in its own savepoint so a lost race (``Duplicate``) does not
    poison the surrounding transaction on PostgreSQL.
    """
    award = UserMilestone(id=ctx.ids(), user_id=user_id, milestone_id=milestone.id, reached_at=now)
    event = MilestoneReached(
        user_id=user_id, milestone_id=milestone.id, name=milestone.name, milestone=milestone, award=award
    )
    try:
        async with uow.savepoint():
            await uow.progress.award(award)
            uow.record(event)
    except Duplicate:
        return None
    return event


async def _track(
    ctx: ServiceContext, uow: UnitOfWork, user_id: UUID, now: datetime, user: User | None
) -> ProgressUpdate:
    if user is None:
        user = await uow.users.get_for_update(user_id)
        if user is None:
            return ProgressUpdate()
    updated = streaks.record_activity(user, now.astimezone(UTC).date())
    if updated != user:
        updated = attrs.evolve(updated, updated_at=now)
        await uow.users.update(updated)
    # The kept counters and the held milestones in one statement: the check costs the same
    # for a fresh account and one with thousands of rows (architecture pitfall 15).
    standing = await uow.progress.standing(user_id)
    won: list[MilestoneReached] = []
    for milestone in milestones.due_milestones(standing.totals, updated.streak_days, standing.held):
        event = await award(ctx, uow, user_id, milestone, now)
        if event is not None:
            won.append(event)
    return ProgressUpdate(updated, tuple(won))


async def track_activity(
    ctx: ServiceContext, uow: UnitOfWork, user_id: UUID, now: datetime, *, user: User | None = None
) -> ProgressUpdate:
    """Advance ``user_id``'s streak for activity at ``now`` and award every milestone now due.

    Pass ``user`` when it is already loaded (and locked) to save a read. Never raises (an
    ``Exception`` is logged and its savepoint rolled back); returns an empty
    update then. ``Contention`` is the exception: it propagates, so
    ``ServiceContext.write`` runs the whole unit again instead of committing the
    action without its bookkeeping.
    """
    try:
        async with uow.savepoint():
            return await _track(ctx, uow, user_id, now, user)
    except Contention:
        raise  # the database aborted the whole unit to break a tie: run it again, bookkeeping included
    except Exception:
        logger.exception("progress bookkeeping failed for user %s; the action itself proceeds", user_id)
        return ProgressUpdate()


# --- the /progress reads --------------------------------------------------------------


@attrs.frozen
class UserStats:
    """The caller's personal summary: the ``UserStatsResponse`` shape, fields in its order."""

    total_applications: int
    total_offers: int
    total_rejections: int
    total_reflections: int
    total_stages: int
    streak_days: int
    milestones_reached: int
    total_contacts: int
    total_reminders_pending: int

    @classmethod
    def of(cls, totals: ProgressTotals, figures: AccountFigures) -> UserStats:
        """The summary from the kept counters and the aggregate figures."""
        return cls(
            total_applications=totals.applications,
            total_offers=totals.offers,
            total_rejections=figures.rejections,
            total_reflections=totals.reflections,
            total_stages=totals.stages,
            streak_days=figures.streak_days,
            milestones_reached=figures.milestones_reached,
            total_contacts=figures.contacts,
            total_reminders_pending=figures.reminders_pending,
        )


@attrs.frozen
class ProgressService:
    """The milestone catalogue, the caller's milestones and stats, and the community list."""

    ctx: ServiceContext

    async def milestones(self) -> list[Milestone]:
        """All 12 milestones, in the catalogue's defined order."""
        return await self.ctx.read(lambda uow: uow.progress.milestones())

    async def mine(self, user_id: UUID) -> list[EarnedMilestone]:
        """The milestones ``user_id`` holds, newest first, each with the milestone (one statement)."""
        return await self.ctx.read(lambda uow: uow.progress.earned(user_id))

    async def community(self, limit: int = 20) -> list[CommunityMember]:
        """Users with public profiles, most recently active first (never-active last), at most ``limit``."""
        return await self.ctx.read(lambda uow: uow.progress.community(limit))

    async def stats(self, user_id: UUID) -> UserStats:
        """``user_id``'s summary; ``NotFound("User not found")`` if the account is gone.

        Applications, reflections and offers (outcomes with status Offer) are the
        running counters milestones are checked against; the rest is one
        aggregate statement. Both are read on one snapshot, so the figures agree
        with each other: two statements whatever the size of the account.
        """

        async def work(uow: UnitOfWork) -> tuple[ProgressTotals, AccountFigures | None]:
            return await uow.progress.totals(user_id), await uow.progress.figures(user_id)

        totals, figures = await self.ctx.read(work)
        if figures is None:
            raise NotFound("User not found")
        return UserStats.of(totals, figures)
