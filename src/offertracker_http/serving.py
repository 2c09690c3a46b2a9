"""Running the application in a process: the runner's options, the stop signals, the hooks.

One process serves until SIGTERM or SIGINT: then it stops accepting connections,
lets the requests in flight finish within ``OFFERTRACKER_SHUTDOWN_GRACE``
seconds (aiohttp's ``shutdown_timeout``: later ones are cancelled), closes
storage and exits 0. A second signal while it waits ends the process at once
(exit status 1). The single-process server and every worker of the supervisor
(:mod:`offertracker_http.supervisor`) run :func:`serve` alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any

import attrs
from aiohttp import web

from .settings import Settings

__all__ = ["KEEPALIVE_TIMEOUT", "SupervisorHooks", "runner_options", "serve"]

_log = logging.getLogger("offertracker.server")

KEEPALIVE_TIMEOUT = 75.0
"""Seconds an idle keep-alive connection stays open (``web.run_app``'s default, kept)."""

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@attrs.frozen
class SupervisorHooks:
    """What the supervisor calls around its workers, for parts that need the parent process.

    Both optional; kept generic so other parts (e.g. multi-process metrics) plug in here.
    """

    before_fork: Callable[[], None] | None = None
    """Called once in the parent, after the database check and before any worker starts."""
    worker_exited: Callable[[int], None] | None = None
    """Called in the parent with a worker's pid after that worker was reaped (any exit)."""


def runner_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``web.AppRunner``: the shutdown grace, keep-alive, no signal handling.

    aiohttp's access log is off: :mod:`offertracker_http.access` writes one line per request.

    Signals are handled by :func:`serve` instead, so a repeated signal does not
    interrupt aiohttp's own clean-up.
    """
    return {
        # Our access middleware writes the access line (route template, request id, user);
        # aiohttp's own would repeat it with the raw path and query string.
        "access_log": None,
        "shutdown_timeout": settings.server.shutdown_grace,
        "keepalive_timeout": KEEPALIVE_TIMEOUT,
        "handle_signals": False,
    }


def serve(
    app: web.Application,
    settings: Settings,
    *,
    sock: socket.socket | None = None,
    host: str = "",
    port: int = 0,
) -> None:
    """Serve ``app`` on ``sock`` (already bound) or on ``host``:``port`` until a stop signal.

    Returns once the server stopped cleanly; raises what start-up raised (an
    unreachable Redis, a database that refuses); a second stop signal exits
    the process at once with status 1.
    """
    asyncio.run(_serve(app, settings, sock=sock, host=host, port=port))


async def _serve(
    app: web.Application, settings: Settings, *, sock: socket.socket | None, host: str, port: int
) -> None:
    runner = web.AppRunner(app, **runner_options(settings))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if stop.is_set():
            _log.warning("second %s: stopping at once", signal.Signals(signum).name)
            _flush()
            os._exit(1)
        _log.info(
            "%s: no new connections; waiting up to %g s for requests in flight",
            signal.Signals(signum).name,
            settings.server.shutdown_grace,
        )
        stop.set()

    for signum in _STOP_SIGNALS:
        # Windows has no loop signal handlers: there Ctrl-C cancels asyncio.run instead.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, on_signal, signum)
    await runner.setup()
    try:
        site: web.BaseSite = (
            web.SockSite(runner, sock) if sock is not None else web.TCPSite(runner, host, port)
        )
        await site.start()
        await stop.wait()
    finally:
        await runner.cleanup()  # stops accepting, waits for handlers up to the grace, closes storage


def _flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
