"""The post-interview reflection of an application; one per application."""

from __future__ import annotations

from uuid import UUID

import attrs

from .. import activity
from ..entities import Reflection
from ..errors import Conflict, Duplicate
from ..inputs import NewReflection, ReflectionChanges
from .base import ServiceContext, child_of, owned_application
from .progress import track_activity

__all__ = ["ReflectionService"]

_SECOND_REFLECTION = "This application already has a reflection. Use PUT to update."


@attrs.frozen
class ReflectionService:
    """Writes, edits and removes the reflection of the caller's applications."""

    ctx: ServiceContext

    async def create(self, user_id: UUID, application_id: UUID, new: NewReflection) -> Reflection:
        """Add the reflection (a tracked action); a second one is ``Conflict``. Logs "Reflection Added"."""
        now = self.ctx.clock.now()
        async with self.ctx.storage.write() as uow:
            application = await owned_application(uow, user_id, application_id)
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
            await uow.activity.add_many(
                [activity.reflection_added(self.ctx.ids(), user_id, application.id, now)]
            )
            progress = await track_activity(self.ctx, uow, user_id, now)
            await uow.commit()
        await self.ctx.publish(progress.events)
        return reflection

    async def update(
        self, user_id: UUID, application_id: UUID, reflection_id: UUID, changes: ReflectionChanges
    ) -> Reflection:
        """Apply partial ``changes`` to the reflection."""
        async with self.ctx.storage.write() as uow:
            application = await owned_application(uow, user_id, application_id)
            reflection = child_of(
                application.id, await uow.reflections.get(reflection_id), "Reflection not found"
            )
            updated = attrs.evolve(reflection, **changes, updated_at=self.ctx.clock.now())
            await uow.reflections.update(updated)
            await uow.commit()
        return updated

    async def delete(self, user_id: UUID, application_id: UUID, reflection_id: UUID) -> None:
        """Delete the reflection."""
        async with self.ctx.storage.write() as uow:
            application = await owned_application(uow, user_id, application_id)
            child_of(application.id, await uow.reflections.get(reflection_id), "Reflection not found")
            await uow.reflections.delete(reflection_id)
            await uow.commit()
