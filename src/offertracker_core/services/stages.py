"""Interview stages of an application; adding one may move the application to Interviewing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import attrs

from .. import activity, status
from ..entities import Stage
from ..events import StageAdded
from ..inputs import NewStage, StageChanges
from .base import ServiceContext, child_of, owned_application, store_automatic_move
from .progress import track_activity

__all__ = ["StageService"]


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
        async with self.ctx.storage.write() as uow:
            application = await owned_application(uow, user_id, application_id)
            stage = Stage(
                id=self.ctx.ids(),
                application_id=application.id,
                **_questions(attrs.asdict(new, recurse=False)),
                created_at=now,
                updated_at=now,
            )
            await uow.stages.add(stage)
            transition = status.on_stage_added(application, now)
            entries = await store_automatic_move(
                self.ctx, uow, transition, now, activity.StatusCause.STAGE_ADDED
            )
            at = activity.after(now, len(entries))
            entries.append(activity.stage_added(self.ctx.ids(), user_id, stage, at))
            await uow.activity.add_many(entries)
            progress = await track_activity(self.ctx, uow, user_id, now)
            await uow.commit()
        added = StageAdded(user_id=user_id, application_id=application.id, stage_id=stage.id)
        await self.ctx.publish([*transition.events, added, *progress.events])
        return stage

    async def update(
        self, user_id: UUID, application_id: UUID, stage_id: UUID, changes: StageChanges
    ) -> Stage:
        """Apply partial ``changes`` to a stage of the caller's application; logs "Stage Updated"."""
        now = self.ctx.clock.now()
        async with self.ctx.storage.write() as uow:
            await owned_application(uow, user_id, application_id)
            stage = child_of(application_id, await uow.stages.get(stage_id), "Stage not found")
            updated = attrs.evolve(stage, **_questions(dict(changes)), updated_at=now)
            await uow.stages.update(updated)
            await uow.activity.add_many([activity.stage_updated(self.ctx.ids(), user_id, updated, now)])
            await uow.commit()
        return updated

    async def delete(self, user_id: UUID, application_id: UUID, stage_id: UUID) -> None:
        """Delete a stage of the caller's application (the status is left as it is)."""
        async with self.ctx.storage.write() as uow:
            await owned_application(uow, user_id, application_id)
            child_of(application_id, await uow.stages.get(stage_id), "Stage not found")
            await uow.stages.delete(stage_id)
            await uow.commit()
