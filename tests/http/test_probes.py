"""``/healthz`` says the process runs without asking the database; ``/readyz`` asks it.

Each test here runs on a database of its own (a SQLite file, or a PostgreSQL
database created for it), because the tests take it away or downgrade it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient
from alembic import command
from sqlalchemy.pool import NullPool

from offertracker_storage import migrate
from offertracker_storage.sql import sync_url

from ..conftest import POSTGRES_ENV, upgrade
from .httpkit import counting, suite_settings

HEAD = migrate.head_revision()
READY = {"status": "ready"}
UNREACHABLE = {"status": "unavailable", "reason": "database unreachable"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database of this test's own."""
    if request.param == "sqlite":
        path = tmp_path / "own.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("empty_postgres_url")
    upgrade(url)  # the core's tables and the installed plugins' (the app loads them)
    return url


def _admin() -> sa.Engine:
    return sa.create_engine(
        sync_url(os.environ[POSTGRES_ENV]), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )


def take_away(url: str) -> None:
    """Make the database unreachable: the SQLite file moved away, the PostgreSQL database dropped."""
    parsed = sa.make_url(url)
    if url.startswith("sqlite"):
        os.replace(parsed.database or "", f"{parsed.database}.away")
        return
    with _admin().connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{parsed.database}" WITH (FORCE)')


def bring_back(url: str) -> None:
    """Undo :func:`take_away` (PostgreSQL: the database created again and migrated)."""
    parsed = sa.make_url(url)
    if url.startswith("sqlite"):
        os.replace(f"{parsed.database}.away", parsed.database or "")
        return
    with _admin().connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    upgrade(url)


async def get(client: TestClient, path: str) -> tuple[int, Any]:
    resp = await client.get(path)
    assert resp.headers["Cache-Control"] == "no-store"
    return resp.status, await resp.json()


async def test_healthz_answers_200_without_a_single_statement(client: TestClient) -> None:
    with counting(client.app) as statements:
        assert await get(client, "/healthz") == (200, {"status": "ok"})
    assert statements == []


async def test_readyz_answers_200_when_the_database_is_at_the_head(client: TestClient) -> None:
    assert await get(client, "/readyz") == (200, READY)


async def test_the_probes_need_no_token_and_answer_head_too(client: TestClient) -> None:
    for path in ("/healthz", "/readyz"):
        resp = await client.head(path)
        assert resp.status == 200
        assert "WWW-Authenticate" not in resp.headers


async def test_readyz_answers_503_while_the_database_is_gone_and_healthz_still_200(
    client: TestClient, database_url: str
) -> None:
    await asyncio.to_thread(take_away, database_url)

    assert await get(client, "/readyz") == (503, UNREACHABLE)
    assert await get(client, "/healthz") == (200, {"status": "ok"})

    await asyncio.to_thread(bring_back, database_url)
    # PostgreSQL: the pooled connection died with the database; the probe opens a fresh one.
    assert await get(client, "/readyz") == (200, READY)


async def test_readyz_names_both_revisions_while_the_schema_is_behind_and_is_ready_after_upgrade(
    client: TestClient, database_url: str
) -> None:
    await asyncio.to_thread(command.downgrade, migrate.alembic_config(database_url), "-1")
    behind = migrate.current_revision(database_url)
    assert behind is not None
    assert behind != HEAD

    assert await get(client, "/readyz") == (
        503,
        {"status": "unavailable", "reason": f"schema at {behind}, head is {HEAD}"},
    )

    await asyncio.to_thread(migrate.upgrade, database_url)
    assert await get(client, "/readyz") == (200, READY)


async def test_twenty_concurrent_probes_all_answer_ready(client: TestClient) -> None:
    answers = await asyncio.gather(*(get(client, "/readyz") for _ in range(20)))
    assert answers == [(200, READY)] * 20


@pytest.mark.postgres
async def test_a_server_whose_postgresql_port_is_closed_is_alive_but_not_ready(
    aiohttp_client: Callable[..., Any], tmp_path: Path, passwords: Any
) -> None:
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"{POSTGRES_ENV} not set")
    from offertracker_http.bootstrap import build_app

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    settings = suite_settings(data_dir, "postgresql+psycopg://postgres@127.0.0.1:1/offertracker")
    app: web.Application = build_app(settings, passwords=passwords, prepare=False)
    client = await aiohttp_client(app)

    assert await get(client, "/healthz") == (200, {"status": "ok"})
    assert await get(client, "/readyz") == (503, UNREACHABLE)
