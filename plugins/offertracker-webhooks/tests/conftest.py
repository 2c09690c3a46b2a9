"""Fixtures of the webhooks plugin's tests: databases with the plugin's tables, a receiver, rows.

The database fixtures are the repository's own (``tests/conftest.py``:
``database_url`` runs each test on SQLite and on PostgreSQL), imported here
because a conftest only serves the tests under its own directory. The
repository root is put on ``sys.path`` first so ``tests`` imports however
pytest was started (``pytest`` alone does not add the working directory).

``webhooks_url`` is ``database_url`` with the plugin's migrations applied on
top of the core's. ``receiver`` is a local aiohttp server on 127.0.0.1 that
records every request and answers from a per-path script.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from app_support import clock, db, webhook_app
from webhook_support import Action, Receiver, Recorded

from offertracker_storage import SqlStorage, migrate
from offertracker_webhooks import schema

_ROOT = Path(__file__).resolve().parents[3]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from tests.conftest import (  # noqa: E402  (needs the root on sys.path)
    database_url,
    empty_postgres_url,
    postgres_database,
    sqlite_template,
)

__all__ = [
    "clock",
    "database_url",
    "db",
    "empty_postgres_url",
    "postgres_database",
    "sqlite_template",
    "webhook_app",
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def core_only_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of its own with the core's tables and none of the plugin's, once per backend.

    (``database_url``'s PostgreSQL database lives for the session, so the plugin's
    tables are already there after the first test that migrated them.)
    """
    if request.param == "sqlite":
        # Not the shared template: that one carries every installed plugin's tables.
        url = f"sqlite:///{tmp_path / 'core-only.db'}"
        migrate.upgrade(url)
        return url
    url = request.getfixturevalue("empty_postgres_url")
    migrate.upgrade(url)
    return url


@pytest.fixture
def webhooks_url(database_url: str) -> str:
    """A migrated, empty database with the plugin's tables too, once per backend."""
    schema.upgrade(database_url)
    return database_url


@pytest.fixture
async def storage(webhooks_url: str) -> AsyncIterator[SqlStorage]:
    """The server's storage on that database."""
    opened = await SqlStorage.open(webhooks_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A recording aiohttp server on 127.0.0.1."""
    box: list[Receiver] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        me = box[0]
        me.requests.append(Recorded(request.path, dict(request.headers), await request.read()))
        me.arrived.set()
        if me.delay:
            await asyncio.sleep(me.delay)
        queue = me.script.get(request.path, [])
        action: Action = queue.pop(0) if queue else me.default.get(request.path, 200)
        if isinstance(action, int):
            return web.Response(status=action, text="ok" if action < 300 else "no")
        kind, value = action
        if kind == "sleep":
            assert isinstance(value, float)
            await asyncio.sleep(value)
            return web.Response(text="late")
        assert isinstance(value, str)
        return web.Response(status=302, headers={"Location": value})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    box.append(Receiver(server))
    try:
        yield box[0]
    finally:
        await server.close()
