"""The post-interview reflection of an application; one per application."""

from __future__ import annotations

from uuid import UUID

import attrs

from .. import activity
from ..entities import Reflection
from ..errors import Conflict, Duplicate
from ..events import ReflectionSaved
from ..inputs import NewReflection, ReflectionChanges
from ..ports import ProgressTotals, UnitOfWork
from ..validation import validate_changes
from .base import APPLICATION, ServiceContext, child_of, owned
from .progress import track_activity

__all__ = ["ReflectionService"]

_SECOND_REFLECTION = "This application already has a reflection. Use PUT to update."
_ONE_REFLECTION = ProgressTotals(reflections=1)
_NO_REFLECTION = ProgressTotals(reflections=-1)


@attrs.frozen
class ReflectionService:
    """Writes, edits and removes the reflection of the caller's applications."""

    ctx: ServiceContext

    async def create(self, user_id: UUID, application_id: UUID, new: NewReflection) -> Reflection:
        """Add the reflection (a tracked action); a second one is ``Conflict``. Logs "Reflection Added"."""
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> Reflection:
            application = await owned(uow, APPLICATION, user_id, application_id, for_update=True)
            if await uow.reflections.get_for_application(application.id) is not None:
                raise Conflict(_SECOND_REFLECTION)
            reflection = Reflection(
                id=self.ctx.ids(),
                application_id=application.id,
                **attrs.asdict(new, recurse=False),
                created_at=now,
                updated_at=now,
            )
            try:
                await uow.reflections.add(reflection)
            except Duplicate as exc:
                raise Conflict(_SECOND_REFLECTION) from exc
            await uow.progress.count(user_id, _ONE_REFLECTION)
            uow.record(ReflectionSaved(user_id=user_id, application_id=application.id, reflection=reflection))
            uow.log(activity.reflection_added(self.ctx.ids(), user_id, application.id, now))
            await track_activity(self.ctx, uow, user_id, now)
            return reflection

        return await self.ctx.write(work)

    async def update(
        self, user_id: UUID, application_id: UUID, reflection_id: UUID, changes: ReflectionChanges
    ) -> Reflection:
        """Apply partial ``changes`` to the reflection."""
        changes = validate_changes(ReflectionChanges, changes)

        async def work(uow: UnitOfWork) -> Reflection:
            application = await owned(uow, APPLICATION, user_id, application_id, for_update=True)
            reflection = child_of(
                application.id, await uow.reflections.get(reflection_id), "Reflection not found"
            )
            updated = attrs.evolve(reflection, **changes, updated_at=self.ctx.clock.now())
            await uow.reflections.update(updated)
            uow.record(ReflectionSaved(user_id=user_id, application_id=application.id, reflection=updated))
            return updated

        return await self.ctx.write(work)

    async def delete(self, user_id: UUID, application_id: UUID, reflection_id: UUID) -> None:
        """Delete the reflection (it no longer counts towards the reflection milestones)."""

        async def work(uow: UnitOfWork) -> None:
            application = await owned(uow, APPLICATION, user_id, application_id, for_update=True)
            child_of(application.id, await uow.reflections.get(reflection_id), "Reflection not found")
            await uow.reflections.delete(reflection_id)
            await uow.progress.count(user_id, _NO_REFLECTION)

        await self.ctx.write(work)
