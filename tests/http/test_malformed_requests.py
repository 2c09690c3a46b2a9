"""A request aiohttp cannot parse is answered 400 and logged as one line, not an ERROR traceback."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp.test_utils import TestClient

from offertracker_http.logs import SERVER_LOGGER

pytestmark = pytest.mark.usefixtures("database_url")


async def _raw(client: TestClient, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()


async def test_a_nul_byte_in_a_header_is_a_400_logged_as_one_info_line(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=SERVER_LOGGER)

    answer = await _raw(client, b"GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\nX-Probe: \x00\r\n\r\n")

    assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.0 400 Bad Request"  # aiohttp's own answer
    records = [r for r in caplog.records if r.name == SERVER_LOGGER]
    assert [r.levelname for r in records] == ["INFO"]
    assert records[0].exc_info is None
    assert records[0].getMessage() == (
        "Error handling request from 127.0.0.1: malformed request (Invalid header value char:)"
    )


async def test_a_well_formed_request_is_untouched_by_the_filter(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=SERVER_LOGGER)

    answer = await _raw(client, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")

    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b'{"message":"Welcome to OfferTracker API"}' in answer
    assert [r for r in caplog.records if r.name == SERVER_LOGGER] == []
