"""Reminders: the caller's follow-ups, deadlines and interview alerts, listed by when they are due.

An owned resource with a repository of its own (``uow.reminders``): its lists
run by ``remind_at`` ascending, not newest first. Completing a reminder is a
tracked action (behaviour.md §6).
"""

from __future__ import annotations

import builtins
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import attrs

from .. import activity
from ..entities import Reminder
from ..enums import ReminderType
from ..errors import BusinessRuleViolation
from ..events import ReminderCompleted
from ..inputs import NewReminder, ReminderChanges
from ..ports import UnitOfWork
from ..validation import validate_changes
from .base import APPLICATION, Ownable, ServiceContext, check_reference, owned
from .progress import track_activity

__all__ = ["REMINDER", "ReminderService"]

REMINDER = Ownable(Reminder, "Reminder not found", "Not your reminder")
_ALREADY_COMPLETED = "Reminder already completed"


def _utc(moment: datetime) -> datetime:
    # Stored and compared in UTC: SQLite keeps the wall-clock text, whose order is time order
    # only when every value is UTC. A naive time from a library caller is taken as UTC, as the
    # HTTP edge takes one without an offset.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _completion(reminder: Reminder, changes: ReminderChanges, now: datetime) -> dict[str, Any]:
    """``completed_at`` after ``changes``: stamped when ``is_completed`` turns true, cleared when false.

    A reminder that is already completed keeps the time it was completed at.
    """
    if "is_completed" not in changes:
        return {}
    if not changes["is_completed"]:
        return {"completed_at": None}
    return {"completed_at": reminder.completed_at if reminder.is_completed else now}


def _completed(reminder: Reminder) -> ReminderCompleted:
    return ReminderCompleted(reminder.user_id, reminder.id, reminder.application_id, reminder=reminder)


@attrs.frozen
class ReminderService:
    """Lists, creates, reads, edits, completes and deletes the caller's reminders."""

    ctx: ServiceContext

    async def list(
        self,
        user_id: UUID,
        *,
        is_completed: bool | None = None,
        reminder_type: ReminderType | None = None,
        skip: int = 0,
        limit: int = 100,
    ) -> list[Reminder]:
        """The caller's reminders, soonest ``remind_at`` first, optionally filtered."""
        return await self.ctx.read(
            lambda uow: uow.reminders.list_by_time(
                user_id, skip, limit, is_completed=is_completed, reminder_type=reminder_type
            )
        )

    async def upcoming(self, user_id: UUID, *, skip: int = 0, limit: int = 10) -> builtins.list[Reminder]:
        """The caller's incomplete reminders, soonest first, overdue ones included."""
        return await self.ctx.read(lambda uow: uow.reminders.upcoming(user_id, skip, limit))

    async def create(self, user_id: UUID, new: NewReminder) -> Reminder:
        """Create a reminder; ``application_id`` must be one of the caller's applications
        (``NotFound("Application not found")`` otherwise). Logs "Reminder Created"."""
        now = self.ctx.clock.now()
        reminder = Reminder(
            id=self.ctx.ids(),
            user_id=user_id,
            application_id=new.application_id,
            title=new.title,
            description=new.description,
            remind_at=_utc(new.remind_at),
            reminder_type=new.reminder_type,
            is_completed=False,
            completed_at=None,
            created_at=now,
            updated_at=now,
        )

        async def work(uow: UnitOfWork) -> Reminder:
            await check_reference(
                uow, APPLICATION, user_id, reminder.application_id, foreign_is_missing=False
            )
            await uow.reminders.add(reminder)
            uow.log(activity.reminder_created(self.ctx.ids(), reminder, now))
            return reminder

        return await self.ctx.write(work)

    async def get(self, user_id: UUID, reminder_id: UUID) -> Reminder:
        """One of the caller's reminders."""
        return await self.ctx.read(lambda uow: owned(uow, REMINDER, user_id, reminder_id))

    async def update(self, user_id: UUID, reminder_id: UUID, changes: ReminderChanges) -> Reminder:
        """Apply partial ``changes``; ``is_completed`` stamps or clears ``completed_at``.

        Not the tracked "complete" action (:meth:`complete` is): nothing is logged.
        """
        changes = validate_changes(ReminderChanges, changes)
        values: dict[str, Any] = dict(changes)
        if "remind_at" in values:
            values["remind_at"] = _utc(values["remind_at"])
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> Reminder:
            reminder = await owned(uow, REMINDER, user_id, reminder_id, for_update=True)
            updated = attrs.evolve(reminder, **values, **_completion(reminder, changes, now), updated_at=now)
            await uow.reminders.update(updated)
            if updated.is_completed and not reminder.is_completed:
                uow.record(_completed(updated))
            return updated

        return await self.ctx.write(work)

    async def complete(self, user_id: UUID, reminder_id: UUID) -> Reminder:
        """Mark a reminder completed now (a tracked action); logs "Reminder Completed".

        One that is completed already is ``BusinessRuleViolation("Reminder already completed")``.
        """
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> Reminder:
            # Locked, so of two simultaneous completions the second sees the first's.
            reminder = await owned(uow, REMINDER, user_id, reminder_id, for_update=True)
            if reminder.is_completed:
                raise BusinessRuleViolation(_ALREADY_COMPLETED)
            done = attrs.evolve(reminder, is_completed=True, completed_at=now, updated_at=now)
            await uow.reminders.update(done)
            uow.record(_completed(done))
            uow.log(activity.reminder_completed(self.ctx.ids(), done, now))
            await track_activity(self.ctx, uow, user_id, now)
            return done

        return await self.ctx.write(work)

    async def delete(self, user_id: UUID, reminder_id: UUID) -> None:
        """Delete one of the caller's reminders."""

        async def work(uow: UnitOfWork) -> None:
            await owned(uow, REMINDER, user_id, reminder_id, for_update=True)
            await uow.reminders.delete(reminder_id)

        await self.ctx.write(work)
