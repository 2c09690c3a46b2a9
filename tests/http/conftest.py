"""Fixtures for the HTTP suite: the real aiohttp app on a real, migrated database.

Every test that asks for ``client`` runs twice, once per database of the
``database_url`` fixture (``tests/conftest.py``). The app gets a steppable
:class:`FakeClock` (so streak tests can cross days and every timestamp is
distinct) and cheap argon2 parameters (so registering costs microseconds,
not a quarter of a second). ``db`` is a plain synchronous SQLAlchemy engine on
the same URL, for checking what the API wrote and for inserting rows that
have no endpoint yet (follows, groups).

A module marked ``supabase_too`` runs each of its tests a second time with
accounts in Supabase Auth and files in Supabase Storage (``OFFERTRACKER_AUTH`` and
``OFFERTRACKER_FILES`` set to ``supabase``), against the in-repo fake project of
``tests/supabase/fake.py`` dating its tokens by the app's clock; ``supabase``
is that fake (``None`` in the local run). A test marked ``local_only(reason)``
runs in the local mode only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
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
from offertracker_storage.supabase import SupabaseProject

from ..supabase.fake import FakeSupabase, running_fake
from .httpkit import FakeClock, cheap_passwords, register, suite_settings

BACKENDS = ("local", "supabase")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the tests of a ``supabase_too`` module in both account/file backends."""
    if (
        "backend" not in metafunc.fixturenames
        or metafunc.definition.get_closest_marker("supabase_too") is None
    ):
        return
    local_only = metafunc.definition.get_closest_marker("local_only") is not None
    metafunc.parametrize("backend", BACKENDS[:1] if local_only else BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """``local`` or ``supabase``: who keeps accounts and files in this run."""
    return str(getattr(request, "param", "local"))


@pytest.fixture
async def supabase(backend: str, clock: FakeClock) -> AsyncIterator[FakeSupabase | None]:
    """The fake Supabase project of a ``supabase`` run, dating tokens by the app's clock."""
    if backend != "supabase":
        yield None
        return
    # Read without stepping: the fake asks for the time on every token it issues.
    async with running_fake(clock=lambda: clock.peek().timestamp()) as fake:
        yield fake


def supabase_project(fake: FakeSupabase, **overrides: Any) -> SupabaseProject:
    """Settings of the fake project, as ``SUPABASE_*`` would give them."""
    fields: dict[str, Any] = {
        "url": fake.url,
        "anon_key": fake.ANON_KEY,
        "service_role_key": fake.SERVICE_ROLE_KEY,
        "timeout": 5.0,
        **overrides,
    }
    return SupabaseProject(**fields)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def passwords() -> Argon2Passwords:
    return cheap_passwords()


@pytest.fixture
def app_settings(tmp_path: Path, database_url: str, supabase: FakeSupabase | None) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    backends: dict[str, Any] = {}
    if supabase is not None:
        backends = {
            "auth_backend": "supabase",
            "files_backend": "supabase",
            "supabase": supabase_project(supabase),
        }
    # Suites register dozens of users from 127.0.0.1; the registration limit is tested on its own.
    return suite_settings(data_dir, database_url, register_limit_address=parse("10000/hour"), **backends)


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
