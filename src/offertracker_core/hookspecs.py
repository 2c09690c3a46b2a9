"""The plugin hooks OfferTracker calls, as pluggy hook specifications.

Plugins are found through the ``offertracker`` entry-point group and mark their
implementations with :data:`hookimpl`. Notification hooks are called once per
event, only after the unit of work that produced the event committed; an
implementation may be a plain function or return an awaitable (a coroutine
function works), which the host awaits. A notification hook that raises is
logged with the plugin's name and never fails the request that caused it.

**Host hooks** let a plugin extend the bundled server rather than hear events:
write in the transaction of a change (an outbox), keep tables of its own, serve
routes, run background work, add CLI commands. Their arguments are the host's
own objects (a SQLAlchemy ``Connection``, an aiohttp ``Application``, a click
``Group``); the core names them without importing those libraries. A host hook
that raises is not swallowed: it fails what called it, at start-up or in the
transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pluggy

from .events import (
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
from .importers import Importer

__all__ = [
    "PROJECT_NAME",
    "NotificationResult",
    "hookimpl",
    "hookspec",
    "offertracker_application_created",
    "offertracker_application_deleted",
    "offertracker_application_updated",
    "offertracker_cli",
    "offertracker_database_behind",
    "offertracker_milestone_reached",
    "offertracker_outcome_saved",
    "offertracker_reflection_saved",
    "offertracker_register_importers",
    "offertracker_reminder_completed",
    "offertracker_route_tables",
    "offertracker_stage_added",
    "offertracker_status_changed",
    "offertracker_unit_committing",
    "offertracker_upgrade_database",
    "offertracker_web_app",
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
def offertracker_application_updated(event: ApplicationUpdated) -> NotificationResult:
    """The user edited an application (``PUT``). Called after commit.

    An edit that moved the status is also heard by ``offertracker_status_changed``, after this.
    """


@hookspec
def offertracker_application_deleted(event: ApplicationDeleted) -> NotificationResult:
    """An application was deleted with its stages, outcome, reflection and the rest.

    ``event.application`` is the application as it was, children included. Called after commit.
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
def offertracker_outcome_saved(event: OutcomeSaved) -> NotificationResult:
    """An application's outcome was recorded or edited; ``event.outcome`` as stored.

    Recording one (or changing its status) may also move the application: that
    is a ``StatusChanged`` with ``automatic`` true, after this. Called after commit.
    """


@hookspec
def offertracker_reflection_saved(event: ReflectionSaved) -> NotificationResult:
    """An application's reflection was written or edited; ``event.reflection`` as stored.

    Called after commit.
    """


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


@hookspec
def offertracker_unit_committing(events: Sequence[Event], connection: Any) -> None:
    """A write transaction that recorded ``events`` is about to commit.

    Host hook of the SQL storage: ``connection`` is the transaction's SQLAlchemy
    ``Connection``. What the implementation writes on it commits with the change
    or not at all, which is how a plugin keeps an outbox that never misses a
    committed change nor carries one that rolled back. It runs in the thread that
    holds the connection, synchronously, on every such transaction: keep it to a
    few statements on this connection, and lock rows only after the change's own
    (it runs last). An exception rolls the change back and fails the request.
    """


@hookspec
def offertracker_upgrade_database(url: str) -> None:
    """Bring the plugin's own tables at ``url`` to their newest schema.

    Called after the core's migrations by ``offertracker db upgrade`` and when a
    server starts on SQLite (whose file is upgraded in place). Keep a version
    table of your own (Alembic's ``version_table``), never the core's.
    """


@hookspec
def offertracker_database_behind(url: str) -> str | None:
    """Why the plugin's tables at ``url`` are not ready, or ``None`` when they are.

    A server refuses to start on a PostgreSQL database for which any plugin
    returns a reason (the message should say to run ``offertracker db upgrade``).
    """


@hookspec
def offertracker_route_tables() -> Any:
    """Route tables the bundled server serves: an ``offertracker_http.routing.Routes`` or a list of them.

    Their operations get the server's request validation (422 in FastAPI's
    shape), authentication, error mapping and access log, and appear in the
    OpenAPI document. Called once per application built.
    """


@hookspec
def offertracker_web_app(app: Any) -> None:
    """The bundled server's aiohttp ``Application``, before it starts.

    Add what runs for the server's lifetime, as an entry of ``app.cleanup_ctx``
    (it runs after the services are up: ``app[offertracker_http.keys.SERVICES]``
    holds them). Routes belong in :func:`offertracker_route_tables`.
    """


@hookspec
def offertracker_cli(group: Any) -> None:
    """The ``offertracker`` command line (a click ``Group``): add commands or groups to it."""
