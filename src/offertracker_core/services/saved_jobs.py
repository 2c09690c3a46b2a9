"""Saved jobs: postings the caller bookmarked, and their promotion to applications (behaviour.md §9)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from .. import activity
from ..entities import Application, ApplicationDetail, SavedJob
from ..enums import ApplicationStatus, Priority, SavedJobStatus, Source
from ..errors import BusinessRuleViolation
from ..inputs import NewSavedJob, SavedJobChanges
from ..ports import UnitOfWork
from ..validation import validate_changes
from .applications import add_new_application
from .base import Ownable, ServiceContext, owned
from .progress import track_activity

__all__ = ["SAVED_JOB", "SavedJobService", "application_from"]

SAVED_JOB = Ownable(SavedJob, "Saved job not found", "Not your saved job")

UNTITLED_ROLE = "Untitled role"
"""The role title of an application converted from a saved job that had none."""
_CONVERT_BY_POST = "Use POST /saved-jobs/{id}/convert to convert a saved job to an application."
_ALREADY_CONVERTED = "This saved job has already been converted to an application."
_SOURCES = {source.value: source for source in Source}


def application_from(saved: SavedJob, application_id: UUID, now: datetime) -> Application:
    """The application ``saved`` becomes: status Saved, with the posting's fields copied.

    ``salary_range_min``/``max`` become ``salary_min``/``max``; a missing (or empty)
    role title becomes "Untitled role"; the free-text ``source`` becomes
    ``applied_source`` only when it is exactly a ``Source`` value (``None`` otherwise).
    What an application has and a saved job does not (description, dates, resume)
    starts empty.
    """
    return Application(
        id=application_id,
        user_id=saved.user_id,
        company_name=saved.company_name,
        role_title=saved.role_title or UNTITLED_ROLE,
        url=saved.url,
        description=None,
        location=saved.location,
        job_type=saved.job_type,
        work_mode=saved.work_mode,
        salary_min=saved.salary_range_min,
        salary_max=saved.salary_range_max,
        salary_currency=saved.salary_currency,
        applied_source=None if saved.source is None else _SOURCES.get(saved.source),
        applied_date=None,
        follow_up_date=None,
        priority=saved.priority,
        notes=saved.notes,
        status=ApplicationStatus.SAVED,
        resume_version_id=None,
        created_at=now,
        updated_at=now,
    )


@attrs.frozen
class SavedJobService:
    """Lists, creates, reads, edits, deletes and converts the caller's saved jobs."""

    ctx: ServiceContext

    async def list(
        self,
        user_id: UUID,
        *,
        status: SavedJobStatus | None = None,
        priority: Priority | None = None,
        skip: int = 0,
        limit: int = 100,
    ) -> list[SavedJob]:
        """The caller's saved jobs, newest first, optionally filtered by status and priority."""
        return await self.ctx.read(
            lambda uow: uow.owned(SavedJob).list_for_user(
                user_id, skip, limit, where={"status": status, "priority": priority}
            )
        )

    async def create(self, user_id: UUID, new: NewSavedJob) -> SavedJob:
        """Save a job posting (a tracked action); it starts Active and unconverted."""
        now = self.ctx.clock.now()
        saved = SavedJob(
            id=self.ctx.ids(),
            user_id=user_id,
            **attrs.asdict(new, recurse=False),
            status=SavedJobStatus.ACTIVE,
            converted_to_application_id=None,
            created_at=now,
            updated_at=now,
        )

        async def work(uow: UnitOfWork) -> SavedJob:
            await uow.owned(SavedJob).add(saved)
            await track_activity(self.ctx, uow, user_id, now)
            return saved

        return await self.ctx.write(work)

    async def get(self, user_id: UUID, saved_job_id: UUID) -> SavedJob:
        """One of the caller's saved jobs."""
        return await self.ctx.read(lambda uow: owned(uow, SAVED_JOB, user_id, saved_job_id))

    async def update(self, user_id: UUID, saved_job_id: UUID, changes: SavedJobChanges) -> SavedJob:
        """Apply partial ``changes``; ``status`` may be set to Active or Archived only.

        Converted is reached through :meth:`convert` alone, so asking for it is
        ``BusinessRuleViolation`` (400) and changes nothing.
        """
        changes = validate_changes(SavedJobChanges, changes)

        async def work(uow: UnitOfWork) -> SavedJob:
            saved = await owned(uow, SAVED_JOB, user_id, saved_job_id, for_update=True)
            if changes.get("status") == SavedJobStatus.CONVERTED:
                raise BusinessRuleViolation(_CONVERT_BY_POST)
            updated = attrs.evolve(saved, **changes, updated_at=self.ctx.clock.now())
            await uow.owned(SavedJob).update(updated)
            return updated

        return await self.ctx.write(work)

    async def delete(self, user_id: UUID, saved_job_id: UUID) -> None:
        """Delete one of the caller's saved jobs; an application converted from it stays."""

        async def work(uow: UnitOfWork) -> None:
            await owned(uow, SAVED_JOB, user_id, saved_job_id, for_update=True)
            await uow.owned(SavedJob).delete(saved_job_id)

        await self.ctx.write(work)

    async def convert(self, user_id: UUID, saved_job_id: UUID) -> ApplicationDetail:
        """Promote a saved job to a new application (a tracked action, counted like any creation).

        The saved job becomes Converted and points at the application; one that is
        Converted already, or still points at the application it became, is
        ``BusinessRuleViolation`` (400). Its row is locked first,
        so of two simultaneous converts one creates the application and the other
        finds it Converted. Logs "Application Created" with the saved job's id in the
        metadata and publishes ``ApplicationCreated``.
        """
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> ApplicationDetail:
            # The saved job is the parent here: locked before the counters and the user row.
            saved = await owned(uow, SAVED_JOB, user_id, saved_job_id, for_update=True)
            # Status alone is not enough: a PUT may move a converted job back to Active while it
            # still points at its application, and converting it again would make a second one.
            if saved.status == SavedJobStatus.CONVERTED or saved.converted_to_application_id is not None:
                raise BusinessRuleViolation(_ALREADY_CONVERTED)
            application = application_from(saved, self.ctx.ids(), now)
            entry = activity.saved_job_converted(self.ctx.ids(), application, saved.id, now)
            await add_new_application(uow, application, entry)
            converted = attrs.evolve(
                saved,
                status=SavedJobStatus.CONVERTED,
                converted_to_application_id=application.id,
                updated_at=now,
            )
            await uow.owned(SavedJob).update(converted)
            await track_activity(self.ctx, uow, user_id, now)
            return ApplicationDetail(application=application)

        return await self.ctx.write(work)
