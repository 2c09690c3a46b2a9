"""A real server process for the operator tests, started as ``python -m tests.http.ops_server PORT``.

It does what the CLI's ``serve`` will: settings from the ``OFFERTRACKER_*``
environment, logging through :func:`configure_logging` in the configured
format, aiohttp's own access log off (ours is on). With ``--hold`` it keeps one
database connection checked out by a read unit of work for its whole life, so
the connections gauge has something to count. It prints ``ready`` once serving.
"""

from __future__ import annotations

import asyncio
import sys

from aiohttp import web

from offertracker_http.bootstrap import build_app
from offertracker_http.keys import SERVICES
from offertracker_http.log_format import configure_logging
from offertracker_http.settings import Settings

from .httpkit import cheap_passwords

_held: list[asyncio.Task[None]] = []


async def _hold_a_connection(app: web.Application) -> None:
    storage = app[SERVICES].context.storage
    holding = asyncio.Event()

    async def hold() -> None:
        async with storage.read() as uow:
            await uow.users.get_by_email("nobody@example.com")  # checks the connection out
            holding.set()
            await asyncio.Event().wait()

    _held.append(asyncio.create_task(hold()))
    await holding.wait()


def main() -> None:
    port = int(sys.argv[1])
    settings = Settings.from_env()
    configure_logging(settings.ops.log_format)
    app = build_app(settings, passwords=cheap_passwords())
    if "--hold" in sys.argv:
        app.on_startup.append(_hold_a_connection)  # after the contexts: the services are open
    web.run_app(
        app,
        host="127.0.0.1",
        port=port,
        access_log=None,
        print=lambda _: print("ready", flush=True),
    )


if __name__ == "__main__":
    main()
