"""Analytics: the dashboard, the activity log and the question bank (behaviour.md §7, §8).

Each is one read on one snapshot: the storage gathers narrow figures with a few grouped
statements (``uow.analytics``), and the calculators of :mod:`offertracker_core.analytics`
shape them, with "today" taken from the injected clock.
"""

from __future__ import annotations

from uuid import UUID

import attrs

from .. import analytics
from ..entities import ActivityEntry
from ..ports import UnitOfWork, today_of
from .base import APPLICATION, ServiceContext, owned

__all__ = ["AnalyticsService"]


@attrs.frozen
class AnalyticsService:
    """Reads the caller's dashboard, activity log and interview questions."""

    ctx: ServiceContext

    async def dashboard(self, user_id: UUID) -> analytics.Dashboard:
        """Every figure of the dashboard, from one snapshot; the weekly trend ends with the clock's
        current ISO week."""
        today = today_of(self.ctx.clock)
        since, until = analytics.trend_window(today)
        figures = await self.ctx.read(lambda uow: uow.analytics.dashboard(user_id, since=since, until=until))
        return analytics.dashboard(figures, today)

    async def activity(
        self, user_id: UUID, *, application_id: UUID | None = None, skip: int = 0, limit: int = 50
    ) -> list[ActivityEntry]:
        """The caller's activity log, newest first; with ``application_id``, that application's
        timeline, which must be the caller's application (404 "Application not found" / 403
        "Not your application", as for the application itself)."""

        async def work(uow: UnitOfWork) -> list[ActivityEntry]:
            if application_id is not None:
                await owned(uow, APPLICATION, user_id, application_id)
            return await uow.analytics.activity(
                user_id, application_id=application_id, skip=skip, limit=limit
            )

        return await self.ctx.read(work)

    async def questions(self, user_id: UUID) -> analytics.QuestionBank:
        """The caller's interview questions, one entry per question of every stage, at most
        ``analytics.QUESTION_BANK_LIMIT`` of them (newest application first)."""
        limit = analytics.QUESTION_BANK_LIMIT
        # A stage holding questions gives at least one entry, so ``limit`` stages are enough.
        stages = await self.ctx.read(lambda uow: uow.analytics.stage_questions(user_id, limit=limit))
        return analytics.question_bank(stages, limit)
