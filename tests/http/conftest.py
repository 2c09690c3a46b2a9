"""Fixtures for the HTTP suite: the real aiohttp app on a real, migrated database.

Every test that asks for ``client`` runs twice, once per database of the
``database_url`` fixture (``tests/conftest.py``). The app gets a steppable
:class:`FakeClock` (so streak tests can cross days and every timestamp is
distinct) and cheap argon2 parameters (so registering costs microseconds,
not a quarter of a second). ``db`` is a plain synchronous SQLAlchemy engine on
the same URL, for checking what the API wrote and for inserting rows that
have no endpoint yet (follows, groups).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient
from limits import parse

from offertracker_http.bootstrap import build_app
from offertracker_http.settings import Settings
from offertracker_storage import Argon2Passwords

from .httpkit import FakeClock, cheap_passwords, register, suite_settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def passwords() -> Argon2Passwords:
    return cheap_passwords()


@pytest.fixture
def app_settings(tmp_path: Path, database_url: str) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    # Suites register dozens of users from 127.0.0.1; the registration limit is tested on its own.
    return suite_settings(data_dir, database_url, register_limit_address=parse("10000/hour"))


@pytest.fixture
def make_app(
    app_settings: Settings, clock: FakeClock, passwords: Argon2Passwords
) -> Callable[..., web.Application]:
    """Build the real app; keyword arguments override settings fields (e.g. ``cors_origins``)."""

    def make(**overrides: Any) -> web.Application:
        settings = attrs.evolve(app_settings, **overrides) if overrides else app_settings
        return build_app(settings, clock=clock, passwords=passwords)

    return make


@pytest.fixture
async def client(aiohttp_client: Any, make_app: Callable[..., web.Application]) -> TestClient:
    return await aiohttp_client(make_app())


@pytest.fixture
def db(database_url: str) -> Iterator[sa.Engine]:
    """A plain synchronous engine on the app's database, for looking behind the API."""
    connect_args = {"timeout": 30} if database_url.startswith("sqlite") else {}
    url = sa.make_url(database_url)
    if url.drivername == "sqlite+aiosqlite":
        url = url.set(drivername="sqlite")
    engine = sa.create_engine(url, connect_args=connect_args)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
async def alice(client: TestClient) -> tuple[dict[str, Any], dict[str, str]]:
    return await register(client, "alice")


@pytest.fixture
async def bob(client: TestClient) -> tuple[dict[str, Any], dict[str, str]]:
    return await register(client, "bob")
