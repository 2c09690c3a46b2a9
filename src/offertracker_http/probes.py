"""``GET /healthz`` and ``GET /readyz``: is the process alive, may it be sent traffic.

Both are public (no token) and cheap. ``/healthz`` touches nothing: it answers
200 as long as the event loop runs. ``/readyz`` answers 200 ``{"status":
"ready"}`` when the database answers within ``PROBE_TIMEOUT`` seconds and its
schema is at the revision this version ships, else 503 ``{"status":
"unavailable", "reason": ...}``. Probes that arrive while one check is running
share its answer, so however often they come, a process asks the database at
most once at a time (on PostgreSQL with one connection of the asyncio pool; on
SQLite with a fresh read-only open of the file -- see
``SqlStorage.schema_revision``). Why the database could not be reached goes to
the log, not into the public answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from aiohttp import web

from offertracker_storage import migrate

from .keys import SERVICES
from .middlewares import public
from .rendering import json_response

__all__ = ["HEALTH_PATH", "READINESS", "READY_PATH", "DatabaseProbe", "Readiness", "add_probes"]

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
_NO_STORE = {"Cache-Control": "no-store"}

log = logging.getLogger("offertracker.probes")


@runtime_checkable
class DatabaseProbe(Protocol):
    """Storage whose schema revision can be read for the readiness probe (``SqlStorage`` can)."""

    async def schema_revision(self) -> str | None:
        """The migration revision the database is at; raises when the database cannot be reached."""


class Readiness:
    """The readiness check of one application: the database's revision against ``head``."""

    def __init__(self, storage: object, head: str) -> None:
        self._storage = storage
        self._head = head
        self._running: asyncio.Task[str | None] | None = None

    async def reason_not_ready(self) -> str | None:
        """Why the application is not ready, or ``None`` when it is; one check at a time."""
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._check())
        # Shielded: a prober that hangs up must not cancel the check others are waiting on.
        return await asyncio.shield(self._running)

    async def _check(self) -> str | None:
        if not isinstance(self._storage, DatabaseProbe):
            return "the storage cannot be probed"
        try:
            current = await self._storage.schema_revision()
        except TimeoutError:
            log.warning("readiness: the database did not answer in time")
            return "database did not answer in time"
        except Exception as exc:
            log.warning("readiness: the database is unreachable (%s)", type(exc).__name__, exc_info=True)
            return "database unreachable"
        if current != self._head:
            return f"schema at {current or 'none (empty database)'}, head is {self._head}"
        return None


READINESS = web.AppKey("readiness", Readiness)
"""The application's readiness check, set when it starts (see :func:`add_probes`)."""


@public
async def healthz(request: web.Request) -> web.Response:
    """200 while the process runs; nothing else is asked."""
    return json_response({"status": "ok"}, headers=_NO_STORE)


@public
async def readyz(request: web.Request) -> web.Response:
    """200 when the database is reachable and at the head revision, else 503 with the reason."""
    reason = await request.app[READINESS].reason_not_ready()
    if reason is not None:
        return json_response({"status": "unavailable", "reason": reason}, status=503, headers=_NO_STORE)
    return json_response({"status": "ready"}, headers=_NO_STORE)


def add_probes(app: web.Application) -> None:
    """Serve the two probes on ``app``; the readiness check is set up when the app starts.

    Must be added after the context that opens the services: it needs their storage.
    """

    async def readiness_context(app: web.Application) -> AsyncIterator[None]:
        # The head is read from the packaged migration scripts: files, so off the event loop.
        head = await asyncio.to_thread(migrate.head_revision)
        app[READINESS] = Readiness(app[SERVICES].context.storage, head)
        yield

    app.cleanup_ctx.append(readiness_context)
    app.router.add_get(HEALTH_PATH, healthz)
    app.router.add_get(READY_PATH, readyz)
