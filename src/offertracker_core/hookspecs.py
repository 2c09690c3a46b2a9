"""The plugin hooks OfferTracker calls, as pluggy hook specifications.

Plugins are found through the ``offertracker`` entry-point group and mark their
implementations with :data:`hookimpl`. Notification hooks are called once per
event, only after the unit of work that produced the event committed; an
implementation may be a plain function or return an awaitable (a coroutine
function works), which the host awaits. A notification hook that raises is
logged with the plugin's name and never fails the request that caused it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pluggy

from .events import ApplicationCreated, MilestoneReached, ReminderCompleted, StageAdded, StatusChanged
from .importers import Importer

__all__ = [
    "PROJECT_NAME",
    "NotificationResult",
    "hookimpl",
    "hookspec",
    "offertracker_application_created",
    "offertracker_milestone_reached",
    "offertracker_register_importers",
    "offertracker_reminder_completed",
    "offertracker_stage_added",
    "offertracker_status_changed",
]

PROJECT_NAME = "offertracker"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

#: What a notification hook implementation may return: nothing, or something to await.
NotificationResult = Awaitable[None] | None


@hookspec
def offertracker_application_created(event: ApplicationCreated) -> NotificationResult:
    """An application was created (directly, or later by converting a saved job).

    Called after commit with the new application's id, owner and initial status.
    """


@hookspec
def offertracker_status_changed(event: StatusChanged) -> NotificationResult:
    """An application's status moved, by the user (``event.automatic`` false) or by a rule.

    Rules that move a status automatically: adding a stage to an Applied
    application (→ Interviewing) and recording or changing an outcome (→ Offer,
    Rejected or Withdrawn). Called after commit.
    """


@hookspec
def offertracker_stage_added(event: StageAdded) -> NotificationResult:
    """An interview stage was added to an application. Called after commit."""


@hookspec
def offertracker_milestone_reached(event: MilestoneReached) -> NotificationResult:
    """A user was awarded a milestone (at most once per milestone). Called after commit."""


@hookspec
def offertracker_reminder_completed(event: ReminderCompleted) -> NotificationResult:
    """A reminder became completed: by ``POST /reminders/{id}/complete``, or by an edit
    setting ``is_completed`` on one that was not. Called after commit."""


@hookspec
def offertracker_register_importers(register: Callable[[Importer], None]) -> None:
    """Register job importers by calling ``register(Importer(...))`` once per importer.

    Importers (:mod:`offertracker_core.importers`) turn a URL, a file or a search
    query into job records that become saved jobs. Names must be unique among
    installed importers: a second importer of a taken name stops start-up with
    both plugins named. Called once, when the importer registry is built.
    """
