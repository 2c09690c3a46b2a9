"""The real app served on a real port, from a thread of its own.

schemathesis sends its requests with ``requests``, synchronously; were the app
on the test's own event loop, the first request would block the loop that has
to answer it. So the app gets a thread with its own loop, and the test talks to
it over 127.0.0.1 like any client would.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

__all__ = ["serve_in_thread"]

_START_TIMEOUT = 30.0


@contextmanager
def serve_in_thread(app: web.Application) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 at a free port while the block runs; yield its base URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    started = threading.Event()
    address: list[str] = []
    failure: list[BaseException] = []

    async def start() -> None:
        await runner.setup()  # enters the app's cleanup contexts: storage opens here
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        address.append(f"http://{host}:{port}")

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except BaseException as exc:  # reported to the test thread, which raises it
            failure.append(exc)
            loop.run_until_complete(runner.cleanup())  # whatever did open (storage) closes again
            started.set()
            return
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="fuzz-server", daemon=True)
    thread.start()
    try:
        if not started.wait(_START_TIMEOUT):
            raise TimeoutError(f"the app did not start within {_START_TIMEOUT} seconds")
        if failure:
            raise failure[0]
        yield address[0]
    finally:
        if thread.is_alive() and not failure:
            # Clean-up closes storage on the loop that opened it, then the loop stops.
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(_START_TIMEOUT)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(_START_TIMEOUT)
        loop.close()
