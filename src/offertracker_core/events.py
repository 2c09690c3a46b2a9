"""Domain events: facts that services announce after their unit of work commits.

Plugins hear them through the notification hooks of :mod:`hookspecs`; an event
is never published for a transaction that rolled back.
"""

from __future__ import annotations

from uuid import UUID

import attrs

from .enums import ApplicationStatus

__all__ = [
    "ApplicationCreated",
    "Event",
    "MilestoneReached",
    "ReminderCompleted",
    "StageAdded",
    "StatusChanged",
]


@attrs.frozen
class ApplicationCreated:
    user_id: UUID
    application_id: UUID
    status: ApplicationStatus


@attrs.frozen
class StatusChanged:
    """An application's status moved; ``automatic`` when a rule moved it (stage, outcome)."""

    user_id: UUID
    application_id: UUID
    old_status: ApplicationStatus
    new_status: ApplicationStatus
    automatic: bool = False


@attrs.frozen
class StageAdded:
    user_id: UUID
    application_id: UUID
    stage_id: UUID


@attrs.frozen
class MilestoneReached:
    user_id: UUID
    milestone_id: UUID
    name: str


@attrs.frozen
class ReminderCompleted:
    """A reminder became completed (``POST /reminders/{id}/complete``, or an edit that set
    ``is_completed`` on one that was not)."""

    user_id: UUID
    reminder_id: UUID
    application_id: UUID | None


Event = ApplicationCreated | StatusChanged | StageAdded | MilestoneReached | ReminderCompleted
