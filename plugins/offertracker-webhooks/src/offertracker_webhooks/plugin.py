"""The plugin object the ``offertracker`` entry point names: webhooks wired through the public hooks.

- ``offertracker_unit_committing`` writes the outbox in the transaction of each change;
- ``offertracker_upgrade_database`` / ``offertracker_database_behind`` keep the plugin's tables;
- ``offertracker_route_tables`` serves ``/api/v1/webhooks``;
- ``offertracker_web_app`` runs the deliverer for the server's lifetime
  (unless ``OFFERTRACKER_WEBHOOK_IN_SERVER=0``);
- ``offertracker_cli`` adds ``offertracker webhooks run``, the deliverer on its own;
- the notification hooks wake the deliverer of this process when a change that
  queued deliveries has committed, so they go out at once rather than at the next poll.

Tests build their own :class:`WebhooksPlugin` (a controllable clock, settings)
and register it on a plugin manager without entry points.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any
from uuid import uuid4

from aiohttp import web
from sqlalchemy import Connection

from offertracker_core.clock import SystemClock
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
from offertracker_core.plugins import hookimpl
from offertracker_core.ports import Clock
from offertracker_http.keys import SERVICES
from offertracker_http.routing import Routes
from offertracker_storage import SqlStorage

from . import schema
from .api import SERVICE, routes
from .deliverer import Deliverer
from .outbox import write_outbox
from .service import WebhookService
from .settings import WebhookSettings

__all__ = ["WebhooksPlugin", "plugin"]

_FORGET_AFTER = 10_000
"""Events remembered at most while waiting for their commit to be announced."""


class WebhooksPlugin:
    """Webhooks for one plugin manager: a clock for event times and schedules, and the settings.

    ``settings`` default to the environment, read when the server app is built.
    """

    def __init__(self, *, clock: Clock | None = None, settings: WebhookSettings | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self._settings = settings
        # Events whose deliveries were queued, by identity (events carrying a JSON field are not
        # hashable), until their commit is announced: then the deliverers are woken. Written
        # from the storage's threads, read on the event loop. A change that rolled back after
        # queueing leaves its events here; _FORGET_AFTER bounds what such leftovers can hold.
        self._queued: dict[int, Event] = {}
        self._queued_lock = threading.Lock()
        self._wakers: list[Callable[[], None]] = []

    def settings(self) -> WebhookSettings:
        """The settings given, else those of the environment."""
        return self._settings or WebhookSettings.from_env(os.environ)

    # --- host hooks ------------------------------------------------------------------------

    @hookimpl
    def offertracker_unit_committing(self, events: Sequence[Event], connection: Connection) -> None:
        """Queue the deliveries of ``events`` in the change's own transaction."""
        if write_outbox(connection, events, now=self.clock.now(), new_id=uuid4):
            with self._queued_lock:
                if len(self._queued) > _FORGET_AFTER:
                    self._queued.clear()  # leftovers of rolled-back changes; the poll covers the rest
                self._queued.update((id(event), event) for event in events)

    @hookimpl
    def offertracker_upgrade_database(self, url: str) -> None:
        """Create or upgrade the webhook tables (their own Alembic history)."""
        schema.upgrade(url)

    @hookimpl
    def offertracker_database_behind(self, url: str) -> str | None:
        """Why the webhook tables are not ready, if they are not."""
        if schema.is_current(url):
            return None
        return (
            f"The webhooks tables are at revision {schema.current_revision(url) or 'none'}, but "
            f"offertracker-webhooks needs {schema.head_revision()}. Run `offertracker db upgrade` first."
        )

    @hookimpl
    def offertracker_route_tables(self) -> Routes:
        """``/api/v1/webhooks`` and its sub-resources."""
        return routes

    @hookimpl
    def offertracker_web_app(self, app: web.Application) -> None:
        """Give the app the webhook service and, unless turned off, a deliverer for its lifetime."""
        settings = self.settings()

        async def lifetime(app: web.Application) -> AsyncIterator[None]:
            storage = app[SERVICES].context.storage
            if not isinstance(storage, SqlStorage):
                raise TypeError("offertracker-webhooks needs the SQL storage")
            app[SERVICE] = WebhookService(storage, self.clock, allow_private=settings.allow_private)
            if not settings.in_server:
                yield
                return
            async with self.delivering(storage, settings):
                yield

        app.cleanup_ctx.append(lifetime)

    @hookimpl
    def offertracker_cli(self, group: Any) -> None:
        """``offertracker webhooks run``."""
        from .cli import webhooks

        group.add_command(webhooks)

    # --- running the deliverer --------------------------------------------------------------

    def delivering(self, storage: SqlStorage, settings: WebhookSettings) -> _Delivering:
        """A context that runs a :class:`Deliverer` until left, woken by this plugin's commits."""
        return _Delivering(self, Deliverer(storage, settings, self.clock))

    def _committed(self, event: Event) -> None:
        with self._queued_lock:
            queued = self._queued.pop(id(event), None) is event
        if queued:
            for wake in self._wakers:
                wake()

    # --- notification hooks: a change that queued deliveries committed -----------------------

    @hookimpl
    def offertracker_application_created(self, event: ApplicationCreated) -> None:
        """Wake the deliverer if this change queued deliveries."""
        self._committed(event)

    @hookimpl
    def offertracker_application_updated(self, event: ApplicationUpdated) -> None:
        """Wake the deliverer if this change queued deliveries."""
        self._committed(event)

    @hookimpl
    def offertracker_application_deleted(self, event: ApplicationDeleted) -> None:
        """Wake the deliverer if this change queued deliveries."""
        self._committed(event)

    @hookimpl
    def offertracker_status_changed(self, event: StatusChanged) -> None:
        """Wake the deliverer if this change queued deliveries."""
        self._committed(event)

    @hookimpl
    def offertracker_stage_added(self, event: StageAdded) -> None:
        """Wake the deliverer if this change queued deliveries."""
        self._committed(event)

    @hookimpl
    def offertracker_outcome_saved(self, event: OutcomeSaved) -> None:
        """Wake the deliverer if this change queued deliveries."""
        self._committed(event)

    @hookimpl
    def offertracker_reflection_saved(self, event: ReflectionSaved) -> None:
        """Wake the deliverer if this change queued deliveries."""
        self._committed(event)

    @hookimpl
    def offertracker_reminder_completed(self, event: ReminderCompleted) -> None:
        """Wake the deliverer if this change queued deliveries."""
        self._committed(event)

    @hookimpl
    def offertracker_milestone_reached(self, event: MilestoneReached) -> None:
        """Wake the deliverer if this change queued deliveries."""
        self._committed(event)


class _Delivering:
    """Runs a deliverer as a task between enter and exit; exit lets in-flight sends finish."""

    def __init__(self, plugin: WebhooksPlugin, deliverer: Deliverer) -> None:
        self._plugin = plugin
        self.deliverer = deliverer
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Deliverer:
        self._plugin._wakers.append(self.deliverer.wake)
        self._task = asyncio.create_task(self.deliverer.run(self._stop), name="offertracker-webhooks")
        return self.deliverer

    async def __aexit__(self, *exc: object) -> None:
        self._plugin._wakers.remove(self.deliverer.wake)
        self._stop.set()
        try:
            if self._task is not None:
                await self._task
        finally:
            await self.deliverer.aclose()


plugin = WebhooksPlugin()
"""What the entry point registers: system clock, settings from the environment."""
