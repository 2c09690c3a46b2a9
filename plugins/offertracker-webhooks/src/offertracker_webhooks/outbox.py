"""The outbox writer: a committed change's events become deliveries, in the change's own transaction.

:func:`write_outbox` runs inside the write transaction, just before its COMMIT
(the host's ``offertracker_unit_committing`` hook). It costs one statement when
the users concerned have no active webhook (the common case), so a change never
waits on anything but its own database; otherwise it reads the items it
announces and inserts one ``webhook_deliveries`` row per (event, subscribed
webhook), which commit with the change or not at all.

The body of each delivery is fixed here, as committed: the event id, type and
time, and ``data``, the item exactly as the API returns it (an application with
its stages, outcome and reflection, read in this same transaction; a stage,
outcome, reflection, reminder or milestone as the event carries it; a deleted
application as it was). ``application.status_changed`` adds ``change``: the old
and new status and whether a rule moved it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import Connection, bindparam, insert, select

from offertracker_core.events import (
    ApplicationCreated,
    ApplicationDeleted,
    ApplicationUpdated,
    Event,
    MilestoneReached,
    OutcomeSaved,
    ReflectionSaved,
    ReminderCompleted,
    StageAdded,
    StatusChanged,
)
from offertracker_core.ports import EarnedMilestone
from offertracker_http.converter import format_datetime
from offertracker_http.rendering import to_json
from offertracker_storage.sql.prepared import Prepared
from offertracker_storage.sql.repositories.applications import SqlApplications

from .tables import webhook_deliveries, webhooks

__all__ = ["ALL_EVENT_TYPES", "EVENT_TYPES", "WebhookEvent", "event_type", "write_outbox"]


class WebhookEvent(StrEnum):
    """The event types a webhook can subscribe to."""

    APPLICATION_CREATED = "application.created"
    APPLICATION_UPDATED = "application.updated"
    APPLICATION_DELETED = "application.deleted"
    APPLICATION_STATUS_CHANGED = "application.status_changed"
    STAGE_ADDED = "stage.added"
    OUTCOME_SAVED = "outcome.saved"
    REFLECTION_SAVED = "reflection.saved"
    REMINDER_COMPLETED = "reminder.completed"
    MILESTONE_REACHED = "milestone.reached"


EVENT_TYPES: dict[type, WebhookEvent] = {
    ApplicationCreated: WebhookEvent.APPLICATION_CREATED,
    ApplicationUpdated: WebhookEvent.APPLICATION_UPDATED,
    ApplicationDeleted: WebhookEvent.APPLICATION_DELETED,
    StatusChanged: WebhookEvent.APPLICATION_STATUS_CHANGED,
    StageAdded: WebhookEvent.STAGE_ADDED,
    OutcomeSaved: WebhookEvent.OUTCOME_SAVED,
    ReflectionSaved: WebhookEvent.REFLECTION_SAVED,
    ReminderCompleted: WebhookEvent.REMINDER_COMPLETED,
    MilestoneReached: WebhookEvent.MILESTONE_REACHED,
}
"""The webhook event type of each domain event; events of other types are not sent."""

ALL_EVENT_TYPES: tuple[str, ...] = tuple(kind.value for kind in WebhookEvent)


def event_type(event: Event) -> str | None:
    """The webhook type of ``event`` (``"stage.added"``), or ``None`` for one webhooks do not carry."""
    kind = EVENT_TYPES.get(type(event))
    return None if kind is None else kind.value


def write_outbox(
    connection: Connection, events: Sequence[Event], *, now: datetime, new_id: Callable[[], UUID]
) -> int:
    """Queue a delivery of each of ``events`` to every active webhook of its user that wants it.

    Runs in the transaction of the change. The users' active webhooks are read
    with ``FOR UPDATE`` (PostgreSQL), so two changes of one user queue their
    deliveries in the order they commit: ``seq`` follows commit order per
    webhook. Returns how many deliveries were queued.
    """
    typed = [(event, kind) for event in events if (kind := event_type(event)) is not None]
    if not typed:
        return 0
    # Per user, in id order (one user in all but a few changes): a prebuilt statement on the
    # driver's cursor costs ~15 us where building and running it through SQLAlchemy cost ~90.
    subscribed = [
        (user_id, webhook_id, chosen)
        for user_id in sorted({event.user_id for event, _ in typed})
        for webhook_id, chosen in _SUBSCRIBED.rows(connection, {"user_id": user_id})
    ]
    if not subscribed:
        return 0
    items = _Items(connection)
    rows: list[dict[str, Any]] = []
    for event, kind in typed:
        targets = [
            hook for owner, hook, chosen in subscribed if owner == event.user_id and _wants(chosen, kind)
        ]
        if not targets:
            continue
        event_id = new_id()
        body = _body(event, kind, event_id, now, items.of(event))
        rows.extend(
            {
                "webhook_id": webhook_id,
                "event_id": event_id,
                "event_type": kind,
                "body": body,
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "lease_until": None,
                "created_at": now,
                "finished_at": None,
            }
            for webhook_id in targets
        )
    if rows:
        # One executemany, in event order: the rows are inserted, and take their seq, in turn.
        _QUEUE.run_many(connection, rows)
    return len(rows)


_SUBSCRIBED = Prepared(
    select(webhooks.c.id, webhooks.c.events)
    .where(webhooks.c.user_id == bindparam("user_id"), webhooks.c.active.is_(True))
    .order_by(webhooks.c.id)
    .with_for_update()
)
"""A user's active webhooks, locked until the change commits (PostgreSQL; SQLite has one writer)."""

_QUEUE = Prepared(
    insert(webhook_deliveries).inline(),  # no RETURNING of the new seq: nothing reads it
    keys=(
        "webhook_id",
        "event_id",
        "event_type",
        "body",
        "state",
        "attempts",
        "next_attempt_at",
        "lease_until",
        "created_at",
        "finished_at",
    ),
)


def _wants(subscribed: Iterable[str] | None, kind: str) -> bool:
    return subscribed is None or kind in subscribed


def _body(event: Event, kind: str, event_id: UUID, now: datetime, data: Any) -> str:
    envelope: dict[str, Any] = {
        "id": str(event_id),
        "type": kind,
        "created_at": format_datetime(now),
        "user_id": str(event.user_id),
        "data": data,
    }
    if isinstance(event, StatusChanged):
        envelope["change"] = {
            "old_status": str(event.old_status),
            "new_status": str(event.new_status),
            "automatic": event.automatic,
        }
    return orjson.dumps(envelope).decode()


class _Items:
    """The API representation of what each event is about, read once per application."""

    def __init__(self, connection: Connection) -> None:
        self._applications = SqlApplications(connection)
        self._read: dict[UUID, Any] = {}

    def of(self, event: Event) -> Any:
        if isinstance(event, ApplicationDeleted):
            return _parsed(event.application)
        if isinstance(event, StageAdded):
            return None if event.stage is None else _parsed(event.stage)
        if isinstance(event, OutcomeSaved):
            return _parsed(event.outcome)
        if isinstance(event, ReflectionSaved):
            return _parsed(event.reflection)
        if isinstance(event, ReminderCompleted):
            return None if event.reminder is None else _parsed(event.reminder)
        if isinstance(event, MilestoneReached):
            return _milestone(event)
        assert isinstance(event, ApplicationCreated | ApplicationUpdated | StatusChanged)
        return self._application(event.application_id)

    def _application(self, application_id: UUID) -> Any:
        if application_id not in self._read:
            found = self._applications.detail_json(application_id)
            self._read[application_id] = None if found is None else orjson.loads(found[1])
        return self._read[application_id]


def _parsed(item: Any) -> Any:
    return orjson.loads(to_json(item))


def _milestone(event: MilestoneReached) -> Any:
    if event.award is None or event.milestone is None:
        return {"milestone_id": str(event.milestone_id), "name": event.name}
    award = event.award
    return _parsed(
        EarnedMilestone(
            id=award.id,
            user_id=award.user_id,
            milestone_id=award.milestone_id,
            reached_at=award.reached_at,
            milestone=event.milestone,
        )
    )
