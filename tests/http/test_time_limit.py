"""A statement past its time limit answers 503 with a clear detail instead of holding the request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from .httpkit import API, create_application, register


async def test_a_page_the_database_cannot_render_in_time_answers_503(
    client: TestClient, aiohttp_client: Any, make_app: Callable[..., web.Application], database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip(
            "PostgreSQL's statement_timeout counts whole milliseconds, more than a page takes; "
            "tests/storage covers its time limit with pg_sleep"
        )
    _, headers = await register(client, "alice")
    await asyncio.gather(*(create_application(client, headers) for _ in range(150)))
    # A limit of a microsecond: the page statement is stopped at the first clock check (after
    # 10,000 SQLite steps) while the token check, a read of one row by key, never gets there.
    hurried = await aiohttp_client(make_app(statement_timeout=1e-6))

    resp = await hurried.get(f"{API}/applications/?limit=100", headers=headers)

    assert resp.status == 503
    assert await resp.json() == {"detail": "The database took too long to answer"}
    again = await client.get(f"{API}/applications/?limit=100", headers=headers)
    assert (again.status, len(await again.json())) == (200, 100)
