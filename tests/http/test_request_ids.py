"""Every response carries ``X-Request-ID``: the client's when well-formed, else a fresh one.

Request ids never touch storage, so these tests run on SQLite only.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from offertracker_http.access import ACCESS_LOGGER

from ..conftest import fresh_database_url
from .httpkit import API

FRESH = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_database_url("sqlite", request, tmp_path)


@pytest.mark.parametrize(
    "given",
    [
        "abc",
        "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        "1-67891233-abcdef012345678912345678",
        "a.b_c:d-e",
        "x" * 128,
    ],
)
async def test_a_well_formed_request_id_is_kept(client: TestClient, given: str) -> None:
    resp = await client.get("/healthz", headers={"X-Request-ID": given})
    assert resp.status == 200
    assert resp.headers["X-Request-ID"] == given


@pytest.mark.parametrize(
    "given", ["", "x" * 129, "has space", "slash/ed", 'quote"d', "semi;colon", "Root=1-6789", "naïve"]
)
async def test_a_malformed_request_id_is_replaced_by_a_fresh_one(client: TestClient, given: str) -> None:
    resp = await client.get("/healthz", headers={"X-Request-ID": given})
    assert resp.status == 200
    assert FRESH.fullmatch(resp.headers["X-Request-ID"])


async def test_each_request_without_an_id_gets_a_different_one(client: TestClient) -> None:
    ids = {(await client.get("/healthz")).headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5
    assert all(FRESH.fullmatch(i) for i in ids)


async def test_error_answers_carry_the_request_id_too(client: TestClient) -> None:
    answers = [
        await client.get("/no/such/path", headers={"X-Request-ID": "r-404"}),
        await client.delete("/healthz", headers={"X-Request-ID": "r-405"}),
        await client.get(f"{API}/users/me", headers={"X-Request-ID": "r-401"}),
        await client.post(f"{API}/auth/register", json={"email": 5}, headers={"X-Request-ID": "r-422"}),
    ]
    assert [(r.status, r.headers["X-Request-ID"]) for r in answers] == [
        (404, "r-404"),
        (405, "r-405"),
        (401, "r-401"),
        (422, "r-422"),
    ]


async def test_the_access_line_carries_the_request_id_route_template_and_status(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        resp = await client.get(f"{API}/applications/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")
    assert resp.status == 401
    [record] = [r for r in caplog.records if r.name == ACCESS_LOGGER]
    request_id = resp.headers["X-Request-ID"]
    assert record.getMessage().startswith(f"GET {API}/applications/{{application_id}} 401 ")
    assert record.getMessage().endswith(f"ms request_id={request_id} user_id=-")
    assert record.request_id == request_id  # type: ignore[attr-defined]
