"""Builders for the activity-log entries of behaviour.md §7.

Each builder returns a ready :class:`~offertracker_core.entities.ActivityEntry`
with the exact action, description and metadata the log promises, so the
wording lives in one place. Enum values are rendered as their plain strings.
When one request writes two entries (an automatic status change, then what
caused it), the services give them ``now`` and :func:`after` ``now`` so the
newest-first order is deterministic.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any
from uuid import UUID

from .entities import ActivityEntry, Application, Contact, Document, Reminder, Stage
from .enums import ActivityAction
from .events import StatusChanged

__all__ = [
    "StatusCause",
    "after",
    "application_created",
    "application_updated",
    "contact_added",
    "document_added",
    "offer_added",
    "reflection_added",
    "saved_job_converted",
    "stage_added",
    "stage_updated",
    "status_changed",
]

_TICK = timedelta(microseconds=1)


class StatusCause(Enum):
    """Why a status moved; picks the description suffix of a Status Changed entry."""

    USER = ""
    STAGE_ADDED = " (auto)"
    OUTCOME_RECORDED = " (outcome recorded)"


def after(moment: datetime, steps: int = 1) -> datetime:
    """``moment`` plus ``steps`` microseconds: the timestamp of the next entry of the same request."""
    return moment + _TICK * steps


def _entry(
    entry_id: UUID,
    user_id: UUID,
    application_id: UUID | None,
    action: ActivityAction,
    description: str,
    at: datetime,
    metadata: dict[str, Any] | None = None,
) -> ActivityEntry:
    return ActivityEntry(
        id=entry_id,
        user_id=user_id,
        application_id=application_id,
        action=action,
        description=description,
        metadata=metadata if metadata is not None else {},
        created_at=at,
    )


def application_created(entry_id: UUID, application: Application, at: datetime) -> ActivityEntry:
    """``Application Created`` — ``Created: {company} — {role}``."""
    return _entry(
        entry_id,
        application.user_id,
        application.id,
        ActivityAction.APPLICATION_CREATED,
        f"Created: {application.company_name} — {application.role_title}",
        at,
    )


def application_updated(entry_id: UUID, application: Application, at: datetime) -> ActivityEntry:
    """``Application Updated`` — ``Updated {company}`` (an update that left the status alone)."""
    return _entry(
        entry_id,
        application.user_id,
        application.id,
        ActivityAction.APPLICATION_UPDATED,
        f"Updated {application.company_name}",
        at,
    )


def status_changed(entry_id: UUID, event: StatusChanged, at: datetime, cause: StatusCause) -> ActivityEntry:
    """``Status Changed`` — ``Status: {old} → {new}`` plus the cause's suffix.

    Metadata holds ``old_status`` and ``new_status`` as plain strings, and
    ``"auto": true`` when a rule (not the user) moved the status.
    """
    old, new = str(event.old_status), str(event.new_status)
    metadata: dict[str, Any] = {"old_status": old, "new_status": new}
    if cause is not StatusCause.USER:
        metadata["auto"] = True
    return _entry(
        entry_id,
        event.user_id,
        event.application_id,
        ActivityAction.STATUS_CHANGED,
        f"Status: {old} → {new}{cause.value}",
        at,
        metadata,
    )


def stage_added(entry_id: UUID, user_id: UUID, stage: Stage, at: datetime) -> ActivityEntry:
    """``Stage Added`` — ``Added stage: {stage_name}``."""
    return _entry(
        entry_id,
        user_id,
        stage.application_id,
        ActivityAction.STAGE_ADDED,
        f"Added stage: {stage.stage_name}",
        at,
    )


def stage_updated(entry_id: UUID, user_id: UUID, stage: Stage, at: datetime) -> ActivityEntry:
    """``Stage Updated`` — ``Updated stage: {stage_name}`` (the name after the update)."""
    return _entry(
        entry_id,
        user_id,
        stage.application_id,
        ActivityAction.STAGE_UPDATED,
        f"Updated stage: {stage.stage_name}",
        at,
    )


def offer_added(entry_id: UUID, user_id: UUID, application_id: UUID, at: datetime) -> ActivityEntry:
    """``Offer Added`` — ``Recorded offer details`` (for any outcome status, as the log defines it)."""
    return _entry(entry_id, user_id, application_id, ActivityAction.OFFER_ADDED, "Recorded offer details", at)


def reflection_added(entry_id: UUID, user_id: UUID, application_id: UUID, at: datetime) -> ActivityEntry:
    """``Reflection Added`` — ``Added a post-interview reflection``."""
    return _entry(
        entry_id,
        user_id,
        application_id,
        ActivityAction.REFLECTION_ADDED,
        "Added a post-interview reflection",
        at,
    )


# --- saved jobs ----------------------------------------------------------------


def saved_job_converted(
    entry_id: UUID, application: Application, saved_job_id: UUID, at: datetime
) -> ActivityEntry:
    """``Application Created`` — ``Converted saved job to application: {company} — {role}``.

    The entry of the application a saved job became (on that application), with metadata
    ``{"source": "saved_job", "saved_job_id": "<id>"}``.
    """
    return _entry(
        entry_id,
        application.user_id,
        application.id,
        ActivityAction.APPLICATION_CREATED,
        f"Converted saved job to application: {application.company_name} — {application.role_title}",
        at,
        {"source": "saved_job", "saved_job_id": str(saved_job_id)},
    )


def contact_added(entry_id: UUID, contact: Contact, at: datetime) -> ActivityEntry:
    """``Contact Added`` — ``Added contact: {name}``, under the contact's application (if linked)."""
    return _entry(
        entry_id,
        contact.user_id,
        contact.application_id,
        ActivityAction.CONTACT_ADDED,
        f"Added contact: {contact.name}",
        at,
    )


def document_added(entry_id: UUID, user_id: UUID, document: Document, at: datetime) -> ActivityEntry:
    """``Document Added`` — ``Added {doc_type}: {name}`` (e.g. ``Added Cover Letter: Acme letter``)."""
    return _entry(
        entry_id,
        user_id,
        document.application_id,
        ActivityAction.DOCUMENT_ADDED,
        f"Added {document.doc_type}: {document.name}",
        at,
    )


# --- reminders and tags ----------------------------------------------------------

__all__ += ["reminder_completed", "reminder_created", "tag_assigned"]


def reminder_created(entry_id: UUID, reminder: Reminder, at: datetime) -> ActivityEntry:
    """``Reminder Created`` — ``Reminder: {title}`` (on the reminder's application, if it has one)."""
    return _entry(
        entry_id,
        reminder.user_id,
        reminder.application_id,
        ActivityAction.REMINDER_CREATED,
        f"Reminder: {reminder.title}",
        at,
    )


def reminder_completed(entry_id: UUID, reminder: Reminder, at: datetime) -> ActivityEntry:
    """``Reminder Completed`` — ``Completed: {title}``."""
    return _entry(
        entry_id,
        reminder.user_id,
        reminder.application_id,
        ActivityAction.REMINDER_COMPLETED,
        f"Completed: {reminder.title}",
        at,
    )


def tag_assigned(
    entry_id: UUID, user_id: UUID, application_id: UUID, tag_name: str, at: datetime
) -> ActivityEntry:
    """``Tag Assigned`` — ``Tagged application with '{tag}'``."""
    return _entry(
        entry_id,
        user_id,
        application_id,
        ActivityAction.TAG_ASSIGNED,
        f"Tagged application with '{tag_name}'",
        at,
    )
