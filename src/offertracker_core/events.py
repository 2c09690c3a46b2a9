"""Domain events: facts that services announce after their unit of work commits.

Plugins hear them through the notification hooks of :mod:`hookspecs`; an event
is never published for a transaction that rolled back. Events name what changed
by id; those whose thing can be gone or changed again by the time a listener
reads it also carry it as committed (a deleted application, a stage, an
outcome, a reflection, a completed reminder, a reached milestone), so a
listener can pass on exactly what the change wrote. Those snapshots added to
the first events (``stage``, ``reminder``, ``milestone``, ``award``) take no
part in equality or ``repr``: an event is equal to another naming the same change.
"""

from __future__ import annotations

from uuid import UUID

import attrs

from .entities import ApplicationDetail, Milestone, Outcome, Reflection, Reminder, Stage, UserMilestone
from .enums import ApplicationStatus

__all__ = [
    "ApplicationCreated",
    "ApplicationDeleted",
    "ApplicationUpdated",
    "Event",
    "MilestoneReached",
    "OutcomeSaved",
    "ReflectionSaved",
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
class ApplicationUpdated:
    """The user edited an application (``PUT``); a status it moved is also a ``StatusChanged``."""

    user_id: UUID
    application_id: UUID


@attrs.frozen
class ApplicationDeleted:
    """An application was deleted with everything hanging off it; ``application`` is how it was."""

    user_id: UUID
    application_id: UUID
    application: ApplicationDetail


@attrs.frozen
class StageAdded:
    user_id: UUID
    application_id: UUID
    stage_id: UUID
    stage: Stage | None = attrs.field(default=None, eq=False, repr=False)
    """The stage as stored (always set by the services; optional for events built by hand)."""


@attrs.frozen
class OutcomeSaved:
    """An application's outcome was recorded or edited; ``outcome`` is as stored."""

    user_id: UUID
    application_id: UUID
    outcome: Outcome


@attrs.frozen
class ReflectionSaved:
    """An application's reflection was written or edited; ``reflection`` is as stored."""

    user_id: UUID
    application_id: UUID
    reflection: Reflection


@attrs.frozen
class MilestoneReached:
    user_id: UUID
    milestone_id: UUID
    name: str
    milestone: Milestone | None = attrs.field(default=None, eq=False, repr=False)
    """The catalogue entry (always set by the services)."""
    award: UserMilestone | None = attrs.field(default=None, eq=False, repr=False)
    """The award as stored, with its ``reached_at`` (always set by the services)."""


@attrs.frozen
class ReminderCompleted:
    """A reminder became completed (``POST /reminders/{id}/complete``, or an edit that set
    ``is_completed`` on one that was not)."""

    user_id: UUID
    reminder_id: UUID
    application_id: UUID | None
    reminder: Reminder | None = attrs.field(default=None, eq=False, repr=False)
    """The reminder as stored (always set by the services)."""


Event = (
    ApplicationCreated
    | ApplicationUpdated
    | ApplicationDeleted
    | StatusChanged
    | StageAdded
    | OutcomeSaved
    | ReflectionSaved
    | MilestoneReached
    | ReminderCompleted
)
