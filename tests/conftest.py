"""Database fixtures shared by the storage and HTTP suites.

``database_url`` is the one to use: parametrized over ``sqlite`` and
``postgres``, it yields the URL of a migrated database (the core's tables and
the installed plugins') whose tables are empty except for the seeded milestone
catalogue.

- sqlite: the schema is migrated once per session into a template file, which is
  copied to a fresh file under ``tmp_path`` for every test.
- postgres: needs ``OFFERTRACKER_TEST_POSTGRES_URL`` (a server URL such as
  ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``), else the test is
  skipped with that reason. A uniquely named database is created and migrated once
  per session and dropped at the end; every test starts by truncating all tables
  but ``milestones``.

The URL is a plain sync spelling (``sqlite:///…``, ``postgresql+psycopg://…``);
``SqlStorage.open`` and ``offertracker_storage.migrate`` accept it as is.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from offertracker_core.plugins import create_plugin_manager
from offertracker_http.bootstrap import upgrade_database
from offertracker_storage.sql import sync_url
from offertracker_storage.sql.tables import metadata

POSTGRES_ENV = "OFFERTRACKER_TEST_POSTGRES_URL"

# The suite's apps load every installed plugin, as the server does, so the webhooks plugin's
# outbox writer runs inside every write. Its deliverer is exercised by the plugin's own tests,
# which build it explicitly; in every other app it stays off (it would only poll).
os.environ.setdefault("OFFERTRACKER_WEBHOOK_IN_SERVER", "0")


def upgrade(url: str) -> None:
    """Migrate ``url`` to head: the core's tables, then those of every installed plugin."""
    upgrade_database(url, create_plugin_manager())


_TRUNCATE = "TRUNCATE TABLE {} CASCADE".format(
    ", ".join(table.name for table in metadata.sorted_tables if table.name != "milestones")
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, to be copied, never opened by a test."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@contextmanager
def _throwaway_postgres_database() -> Iterator[str]:
    """Create a uniquely named database on the test server; drop it (FORCE) afterwards."""
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"{POSTGRES_ENV} not set")
    name = f"offertracker_test_{uuid4().hex[:12]}"
    admin = create_engine(sync_url(server), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(sync_url(server)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[tuple[str, Engine]]:
    """A throwaway PostgreSQL database migrated to head: its URL and a sync engine on it."""
    with _throwaway_postgres_database() as url:
        engine = create_engine(url, poolclass=NullPool)
        try:
            upgrade(url)
            yield url, engine
        finally:
            engine.dispose()


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database with no schema at all (never migrated)."""
    with _throwaway_postgres_database() as url:
        yield url


def fresh_database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a migrated, empty database (milestones seeded) on ``backend``
    (``"sqlite"`` or ``"postgres"``); for fixtures parametrized over more than databases."""
    if backend == "sqlite":
        path = tmp_path / "offertracker.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url, engine = request.getfixturevalue("postgres_database")
    with engine.begin() as conn:
        conn.exec_driver_sql(_TRUNCATE)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a migrated, empty database (milestones seeded), once per backend."""
    return fresh_database_url(request.param, request, tmp_path)
