"""Interview stages of an application; adding one may move the application to Interviewing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import attrs

from .. import activity, status
from ..entities import Stage
from ..errors import BusinessRuleViolation
from ..events import StageAdded
from ..inputs import MAX_STAGES_PER_APPLICATION, NewStage, StageChanges
from ..ports import ProgressTotals, UnitOfWork
from ..validation import validate_changes
from .base import APPLICATION, ServiceContext, child_of, owned, store_automatic_move
from .progress import track_activity

__all__ = ["StageService"]

# Kept for /progress/stats (stages carry no user_id to count them by).
_ONE_STAGE = ProgressTotals(stages=1)
_NO_STAGE = ProgressTotals(stages=-1)
_TOO_MANY_STAGES = f"An application can have at most {MAX_STAGES_PER_APPLICATION} stages"


def _questions(values: dict[str, Any]) -> dict[str, Any]:
    # Entities are immutable all the way down: the list from the edge becomes a tuple.
    if values.get("questions_asked") is not None:
        values["questions_asked"] = tuple(values["questions_asked"])
    return values


@attrs.frozen
class StageService:
    """Adds, edits and removes the stages of the caller's applications."""

    ctx: ServiceContext

    async def add(self, user_id: UUID, application_id: UUID, new: NewStage) -> Stage:
        """Add a stage (a tracked action).

        An application whose status is exactly Applied moves to Interviewing;
        that automatic change is logged just before "Stage Added" and its
        ``StatusChanged`` is published before ``StageAdded``.
        """
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> Stage:
            application = await owned(uow, APPLICATION, user_id, application_id, for_update=True)
            # Counted under the application's lock, so two adds cannot both take the last place.
            if await uow.stages.count_for_application(application.id) >= MAX_STAGES_PER_APPLICATION:
                raise BusinessRuleViolation(_TOO_MANY_STAGES)
            stage = Stage(
                id=self.ctx.ids(),
                application_id=application.id,
                **_questions(attrs.asdict(new, recurse=False)),
                created_at=now,
                updated_at=now,
            )
            await uow.stages.add(stage)
            await uow.progress.count(user_id, _ONE_STAGE)
            transition = status.on_stage_added(application, now)
            moves = await store_automatic_move(
                self.ctx, uow, transition, now, activity.StatusCause.STAGE_ADDED
            )
            uow.log(activity.stage_added(self.ctx.ids(), user_id, stage, activity.after(now, moves)))
            uow.record(
                StageAdded(user_id=user_id, application_id=application.id, stage_id=stage.id, stage=stage)
            )
            await track_activity(self.ctx, uow, user_id, now)
            return stage

        return await self.ctx.write(work)

    async def update(
        self, user_id: UUID, application_id: UUID, stage_id: UUID, changes: StageChanges
    ) -> Stage:
        """Apply partial ``changes`` to a stage of the caller's application; logs "Stage Updated"."""
        changes = validate_changes(StageChanges, changes)
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> Stage:
            await owned(uow, APPLICATION, user_id, application_id, for_update=True)
            stage = child_of(application_id, await uow.stages.get(stage_id), "Stage not found")
            updated = attrs.evolve(stage, **_questions(dict(changes)), updated_at=now)
            await uow.stages.update(updated)
            uow.log(activity.stage_updated(self.ctx.ids(), user_id, updated, now))
            return updated

        return await self.ctx.write(work)

    async def delete(self, user_id: UUID, application_id: UUID, stage_id: UUID) -> None:
        """Delete a stage of the caller's application (the status is left as it is)."""

        async def work(uow: UnitOfWork) -> None:
            await owned(uow, APPLICATION, user_id, application_id, for_update=True)
            child_of(application_id, await uow.stages.get(stage_id), "Stage not found")
            await uow.stages.delete(stage_id)
            await uow.progress.count(user_id, _NO_STAGE)

        await self.ctx.write(work)
