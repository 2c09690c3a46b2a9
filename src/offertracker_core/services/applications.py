"""Applications: create, list, read, update (with the status rules of §5), delete."""

from __future__ import annotations

from uuid import UUID

import attrs

from .. import activity, status
from ..entities import Application, ApplicationDetail
from ..enums import ApplicationStatus, Priority
from ..errors import NotFound
from ..events import ApplicationCreated
from ..inputs import ApplicationChanges, NewApplication
from ..ports import UnitOfWork
from .base import ServiceContext, owned_application, owned_application_detail
from .progress import track_activity

__all__ = ["ApplicationService"]


async def _check_resume_reference(uow: UnitOfWork, user_id: UUID, resume_id: UUID | None) -> None:
    # Someone else's resume is reported like a missing one: its existence is not ours to reveal.
    if resume_id is None:
        return
    resume = await uow.resumes.get(resume_id)
    if resume is None or resume.user_id != user_id:
        raise NotFound("Resume version not found")


@attrs.frozen
class ApplicationService:
    """The caller's job applications, each returned with its stages, outcome and reflection."""

    ctx: ServiceContext

    async def list(
        self,
        user_id: UUID,
        *,
        status: ApplicationStatus | None = None,
        priority: Priority | None = None,
        skip: int = 0,
        limit: int = 100,
    ) -> list[ApplicationDetail]:
        """The caller's applications, newest first, optionally filtered by status and priority."""
        async with self.ctx.storage.read() as uow:
            return await uow.applications.list_details(
                user_id, status=status, priority=priority, skip=skip, limit=limit
            )

    async def list_json(
        self,
        user_id: UUID,
        *,
        status: ApplicationStatus | None = None,
        priority: Priority | None = None,
        skip: int = 0,
        limit: int = 100,
    ) -> bytes:
        """The page of :meth:`list`, already rendered as the API's JSON array.

        The list is the heaviest read of the API; the storage adapter renders it
        without building an entity per row and stage (a read model). Library
        users who want objects call :meth:`list`.
        """
        async with self.ctx.storage.read() as uow:
            return await uow.applications.page_json(
                user_id, status=status, priority=priority, skip=skip, limit=limit
            )

    async def create(self, user_id: UUID, new: NewApplication) -> ApplicationDetail:
        """Create an application (a tracked action).

        Status defaults to Saved; an Applied one without ``applied_date`` is
        dated today. ``resume_version_id`` must name one of the caller's
        resumes (``NotFound("Resume version not found")`` otherwise). Logs
        "Application Created" and publishes ``ApplicationCreated``.
        """
        now = self.ctx.clock.now()
        application = status.on_create(
            Application(
                id=self.ctx.ids(),
                user_id=user_id,
                **attrs.asdict(new, recurse=False),
                created_at=now,
                updated_at=now,
            ),
            now,
        ).application
        async with self.ctx.storage.write() as uow:
            await _check_resume_reference(uow, user_id, application.resume_version_id)
            await uow.applications.add(application)
            await uow.activity.add_many([activity.application_created(self.ctx.ids(), application, now)])
            progress = await track_activity(self.ctx, uow, user_id, now)
            await uow.commit()
        created = ApplicationCreated(
            user_id=user_id, application_id=application.id, status=application.status
        )
        await self.ctx.publish([created, *progress.events])
        return ApplicationDetail(application=application)

    async def get(self, user_id: UUID, application_id: UUID) -> ApplicationDetail:
        """One of the caller's applications with its children."""
        async with self.ctx.storage.read() as uow:
            return await owned_application_detail(uow, user_id, application_id)

    async def update(
        self, user_id: UUID, application_id: UUID, changes: ApplicationChanges
    ) -> ApplicationDetail:
        """Apply partial ``changes``; any status change is allowed.

        Saved → Applied without an ``applied_date`` in ``changes`` dates the
        application today. Logs "Status Changed" when the status moved (and
        publishes ``StatusChanged``), "Application Updated" otherwise.
        """
        now = self.ctx.clock.now()
        async with self.ctx.storage.write() as uow:
            detail = await owned_application_detail(uow, user_id, application_id)
            if "resume_version_id" in changes:
                await _check_resume_reference(uow, user_id, changes["resume_version_id"])
            transition = status.on_update(detail.application, changes, now)
            await uow.applications.update(transition.application)
            entry_id = self.ctx.ids()
            if transition.event is not None:
                entry = activity.status_changed(entry_id, transition.event, now, activity.StatusCause.USER)
            else:
                entry = activity.application_updated(entry_id, transition.application, now)
            await uow.activity.add_many([entry])
            await uow.commit()
        await self.ctx.publish(transition.events)
        return attrs.evolve(detail, application=transition.application)

    async def delete(self, user_id: UUID, application_id: UUID) -> None:
        """Delete one of the caller's applications with everything that hangs off it."""
        async with self.ctx.storage.write() as uow:
            await owned_application(uow, user_id, application_id)
            await uow.applications.delete(application_id)
            await uow.commit()
