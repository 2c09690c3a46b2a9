"""A built-in plugin: every domain event as one INFO line on the ``offertracker.events`` logger.

It is registered through the same hooks as any third-party listener (see
:func:`offertracker_core.plugins.create_plugin_manager`), which keeps the hooks
honest: what a plugin can hear is exactly what the server itself logs. Lines
carry ids and statuses only, never names or free text a user typed.
"""

from __future__ import annotations

import logging

from .events import (
    ApplicationCreated,
    ApplicationDeleted,
    ApplicationUpdated,
    MilestoneReached,
    OutcomeSaved,
    ReflectionSaved,
    ReminderCompleted,
    StageAdded,
    StatusChanged,
)
from .hookspecs import hookimpl

__all__ = [
    "NAME",
    "offertracker_application_created",
    "offertracker_application_deleted",
    "offertracker_application_updated",
    "offertracker_milestone_reached",
    "offertracker_outcome_saved",
    "offertracker_reflection_saved",
    "offertracker_reminder_completed",
    "offertracker_stage_added",
    "offertracker_status_changed",
]

NAME = "offertracker.event_log"
"""The name this plugin is registered under."""

logger = logging.getLogger("offertracker.events")


@hookimpl
def offertracker_application_created(event: ApplicationCreated) -> None:
    """Log the new application."""
    logger.info("user %s: application %s created (%s)", event.user_id, event.application_id, event.status)


@hookimpl
def offertracker_application_updated(event: ApplicationUpdated) -> None:
    """Log the edit."""
    logger.info("user %s: application %s updated", event.user_id, event.application_id)


@hookimpl
def offertracker_application_deleted(event: ApplicationDeleted) -> None:
    """Log the deletion."""
    logger.info("user %s: application %s deleted", event.user_id, event.application_id)


@hookimpl
def offertracker_outcome_saved(event: OutcomeSaved) -> None:
    """Log the outcome and its status."""
    logger.info(
        "user %s: application %s outcome saved (%s)",
        event.user_id,
        event.application_id,
        event.outcome.status,
    )


@hookimpl
def offertracker_reflection_saved(event: ReflectionSaved) -> None:
    """Log the reflection."""
    logger.info("user %s: application %s reflection saved", event.user_id, event.application_id)


@hookimpl
def offertracker_status_changed(event: StatusChanged) -> None:
    """Log the move, and whether a rule made it."""
    how = "automatically" if event.automatic else "by the user"
    logger.info(
        "user %s: application %s moved %s -> %s %s",
        event.user_id,
        event.application_id,
        event.old_status,
        event.new_status,
        how,
    )


@hookimpl
def offertracker_stage_added(event: StageAdded) -> None:
    """Log the new interview stage."""
    logger.info(
        "user %s: application %s gained stage %s", event.user_id, event.application_id, event.stage_id
    )


@hookimpl
def offertracker_milestone_reached(event: MilestoneReached) -> None:
    """Log the milestone."""
    logger.info("user %s: milestone %r reached", event.user_id, event.name)


@hookimpl
def offertracker_reminder_completed(event: ReminderCompleted) -> None:
    """Log the completed reminder."""
    logger.info("user %s: reminder %s completed", event.user_id, event.reminder_id)
