"""The real server app with the webhooks plugin registered, for the API and outbox tests.

``webhook_app(**settings)`` builds the app as ``offertracker serve`` does, on the
test's database (SQLite or PostgreSQL, from ``database_url``), with a plugin
manager holding the built-in plugins and one :class:`WebhooksPlugin` bound to the
test's clock and settings; nothing else installed is loaded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from limits import parse
from tests.http.httpkit import FakeClock, call, cheap_passwords, suite_settings

from offertracker_core.plugins import create_plugin_manager
from offertracker_http.bootstrap import build_app
from offertracker_webhooks.plugin import WebhooksPlugin
from offertracker_webhooks.settings import WebhookSettings

WebhookApp = Callable[..., Awaitable[tuple[TestClient, WebhooksPlugin]]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def webhook_app(aiohttp_client: Any, tmp_path: Path, webhooks_url: str, clock: FakeClock) -> WebhookApp:
    """Start an app on the test's database, the plugin's tables migrated (a PostgreSQL server
    refuses to start without them; no test may count on an earlier one having migrated them).
    Keyword arguments are ``WebhookSettings`` fields (default: no deliverer). ``before`` are
    plugins registered ahead of the webhooks one (so called after it); ``webhooks=False``
    leaves the webhooks plugin out."""

    started = 0

    async def start(
        *, before: Sequence[object] = (), webhooks: bool = True, **overrides: Any
    ) -> tuple[TestClient, WebhooksPlugin]:
        nonlocal started
        started += 1
        fields = {"in_server": False, **overrides}
        plugin = WebhooksPlugin(clock=clock, settings=WebhookSettings(**fields))
        pm = create_plugin_manager(load_entry_points=False)
        for index, other in enumerate(before):  # pluggy calls the last registered first
            pm.register(other, name=f"before-{index}")
        if webhooks:
            pm.register(plugin, name="webhooks")
        data_dir = tmp_path / f"data-{started}"
        data_dir.mkdir()
        settings = suite_settings(data_dir, webhooks_url, register_limit_address=parse("10000/hour"))
        app = build_app(settings, clock=clock, passwords=cheap_passwords(), plugins=pm)
        return await aiohttp_client(app), plugin

    return start


@pytest.fixture
def db(webhooks_url: str) -> Any:
    engine = sa.create_engine(webhooks_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


async def add_webhook(client: TestClient, headers: dict[str, str], url: str, **fields: Any) -> dict[str, Any]:
    """``POST /webhooks/``, expecting 201; the answer (with the secret)."""
    created: dict[str, Any] = await call(
        client, "POST", "/webhooks/", headers, json={"url": url, **fields}, expect=201
    )
    return created
