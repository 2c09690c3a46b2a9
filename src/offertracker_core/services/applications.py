"""Applications: create, list, read, update (with the status rules of §5), delete."""

from __future__ import annotations

from uuid import UUID

import attrs

from .. import activity, status
from ..entities import ActivityEntry, Application, ApplicationDetail
from ..enums import ApplicationStatus, OutcomeStatus, Priority
from ..events import ApplicationCreated, ApplicationDeleted, ApplicationUpdated
from ..inputs import ApplicationChanges, NewApplication
from ..ports import ProgressTotals, UnitOfWork
from ..validation import validate_changes
from .base import APPLICATION, RESUME, ServiceContext, check_reference, ensure_owner, owned_application_detail
from .progress import track_activity

__all__ = ["ApplicationService", "add_new_application"]

_ONE_APPLICATION = ProgressTotals(applications=1)


def _counted_with(detail: ApplicationDetail, sign: int) -> ProgressTotals:
    """The kept totals an application carries: itself, its reflection, an Offer outcome, its stages."""
    offer = detail.outcome is not None and detail.outcome.status == OutcomeStatus.OFFER
    return ProgressTotals(
        applications=sign,
        reflections=sign * (detail.reflection is not None),
        offers=sign * offer,
        stages=sign * len(detail.stages),
    )


async def add_new_application(uow: UnitOfWork, application: Application, entry: ActivityEntry) -> None:
    """Insert ``application`` with what creating one entails, wherever it is created from.

    Counts it in its owner's milestone totals, logs ``entry`` (the "Application
    Created" entry of the way it was created) and records ``ApplicationCreated``.
    Creating an application is a tracked action: the caller does its own writes,
    then calls ``track_activity`` last (it locks the user row).
    """
    await uow.applications.add(application)
    await uow.progress.count(application.user_id, _ONE_APPLICATION)
    uow.log(entry)
    uow.record(
        ApplicationCreated(
            user_id=application.user_id, application_id=application.id, status=application.status
        )
    )


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
        return await self.ctx.read(
            lambda uow: uow.applications.list_details(
                user_id, status=status, priority=priority, skip=skip, limit=limit
            )
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
        return await self.ctx.read(
            lambda uow: uow.applications.page_json(
                user_id, status=status, priority=priority, skip=skip, limit=limit
            )
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

        async def work(uow: UnitOfWork) -> ApplicationDetail:
            await check_reference(uow, RESUME, user_id, application.resume_version_id)
            await add_new_application(
                uow, application, activity.application_created(self.ctx.ids(), application, now)
            )
            await track_activity(self.ctx, uow, user_id, now)
            return ApplicationDetail(application=application)

        return await self.ctx.write(work)

    async def get(self, user_id: UUID, application_id: UUID) -> ApplicationDetail:
        """One of the caller's applications with its children."""
        return await self.ctx.read(lambda uow: owned_application_detail(uow, user_id, application_id))

    async def get_json(self, user_id: UUID, application_id: UUID) -> bytes:
        """:meth:`get`, already rendered as the API's ApplicationResponse object.

        The read model of one application, as :meth:`list_json` is of a page: one
        statement, no entities. The same ownership rule and errors as :meth:`get`.
        """
        found = await self.ctx.read(lambda uow: uow.applications.detail_json(application_id))
        owner_id, body = (None, b"") if found is None else found
        ensure_owner(APPLICATION, user_id, owner_id)
        return body

    async def update(
        self, user_id: UUID, application_id: UUID, changes: ApplicationChanges
    ) -> ApplicationDetail:
        """Apply partial ``changes``; any status change is allowed.

        Saved → Applied without an ``applied_date`` in ``changes`` dates the
        application today. Logs "Status Changed" when the status moved (and
        publishes ``StatusChanged``), "Application Updated" otherwise.
        """
        changes = validate_changes(ApplicationChanges, changes)
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> ApplicationDetail:
            detail = await owned_application_detail(uow, user_id, application_id, for_update=True)
            if "resume_version_id" in changes:
                await check_reference(uow, RESUME, user_id, changes["resume_version_id"])
            transition = status.on_update(detail.application, changes, now)
            await uow.applications.update(transition.application)
            entry_id = self.ctx.ids()
            uow.record(ApplicationUpdated(user_id=user_id, application_id=application_id))
            if transition.event is not None:
                uow.log(activity.status_changed(entry_id, transition.event, now, activity.StatusCause.USER))
                uow.record(transition.event)
            else:
                uow.log(activity.application_updated(entry_id, transition.application, now))
            return attrs.evolve(detail, application=transition.application)

        return await self.ctx.write(work)

    async def delete(self, user_id: UUID, application_id: UUID) -> None:
        """Delete one of the caller's applications with everything that hangs off it.

        Its reflection and an Offer outcome leave the milestone totals with it
        (a milestone already reached is kept).
        """

        async def work(uow: UnitOfWork) -> None:
            # The detail (one round trip, like the bare row) says what the cascade takes away.
            detail = await owned_application_detail(uow, user_id, application_id, for_update=True)
            await uow.applications.delete(application_id)
            await uow.progress.count(user_id, _counted_with(detail, -1))
            uow.record(ApplicationDeleted(user_id=user_id, application_id=application_id, application=detail))

        await self.ctx.write(work)
