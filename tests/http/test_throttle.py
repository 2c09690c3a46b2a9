"""Login and registration are throttled per account and per client address: 429 with Retry-After.

Every test runs with the counters in memory and, when ``OFFERTRACKER_TEST_REDIS_URL``
names a Redis server, in Redis (under a key prefix of its own, deleted afterwards).
Throttling never touches the database, so these tests run on SQLite only.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import redis
from aiohttp import web
from aiohttp.test_utils import TestClient
from limits import parse
from limits.aio.storage import memory as limits_memory
from limits.aio.storage.redis import redispy as limits_redispy

from offertracker_http import throttle as throttle_module
from offertracker_http.server_settings import ServerSettings

from ..conftest import fresh_database_url
from .httpkit import API, PASSWORD, register

REDIS_ENV = "OFFERTRACKER_TEST_REDIS_URL"
RETRY = re.compile(r"Too many attempts\. Try again in (\d+) seconds\.")
LOOPBACK = (ipaddress.ip_network("127.0.0.1"),)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_database_url("sqlite", request, tmp_path)


@pytest.fixture
def redis_store() -> Iterator[dict[str, Any]]:
    """Settings overrides that put the counters in Redis under a fresh key prefix, deleted afterwards."""
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"{REDIS_ENV} not set")
    prefix = f"offertracker-test-{uuid4().hex[:12]}"
    yield {"redis_url": url, "server": ServerSettings(redis_key_prefix=prefix)}
    with redis.Redis.from_url(url) as client:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        assert keys, "the test left no counters in Redis: were they stored somewhere else?"
        client.delete(*keys)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings overrides that put the counters in memory or in Redis."""
    return {} if request.param == "memory" else request.getfixturevalue("redis_store")


@pytest.fixture
def start(
    aiohttp_client: Any, make_app: Callable[..., web.Application], store: dict[str, Any]
) -> Callable[..., Any]:
    """Start an app on the test store; keyword arguments override settings (limits as strings)."""

    async def start(**overrides: Any) -> TestClient:
        for name, value in overrides.items():
            if name.endswith("_limit_account") or name.endswith("_limit_address"):
                overrides[name] = parse(value)
        return await aiohttp_client(make_app(**store, **overrides))

    return start


async def login(
    client: TestClient, email: str, password: str = "wrong password", forwarded_for: str | None = None
) -> tuple[int, Any, str | None]:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
    resp = await client.post(
        f"{API}/auth/login", json={"email": email, "password": password}, headers=headers
    )
    return resp.status, await resp.json(), resp.headers.get("Retry-After")


def retry_after(body: Any, header: str | None) -> int:
    """The wait the refusal announces; the detail and Retry-After must agree."""
    match = RETRY.fullmatch(body["detail"])
    assert match, body
    assert header == match.group(1)
    return int(header)


async def test_the_eleventh_login_of_an_account_is_refused_even_with_the_right_password(start):
    client = await start()
    await register(client, "alice")
    await register(client, "bob")
    for _ in range(10):
        assert (await login(client, "alice@example.com"))[0] == 401

    status, body, header = await login(client, "Alice@Example.com", PASSWORD)

    assert status == 429
    assert 1 <= retry_after(body, header) <= 900
    # The account is locked, not the address: bob (same address) is still told his password is wrong.
    assert (await login(client, "bob@example.com"))[0] == 401
    assert (await login(client, "bob@example.com", PASSWORD))[0] == 200


async def test_failures_spread_over_accounts_lock_the_address(start):
    client = await start(login_limit_address="3/hour")
    await register(client, "alice")
    for email in ("alice@example.com", "bob@example.com", "carol@example.com"):
        assert (await login(client, email))[0] == 401

    status, body, header = await login(client, "alice@example.com", PASSWORD)

    assert status == 429
    assert 3590 <= retry_after(body, header) <= 3600


async def test_a_successful_login_does_not_count(start):
    client = await start(login_limit_account="2/hour")
    await register(client, "alice")
    for _ in range(5):
        assert (await login(client, "alice@example.com", PASSWORD))[0] == 200
    assert (await login(client, "alice@example.com"))[0] == 401
    assert (await login(client, "alice@example.com", PASSWORD))[0] == 200


async def test_every_registration_counts_and_the_third_from_one_address_is_refused(start):
    client = await start(register_limit_address="2/hour")
    await register(client, "alice")
    taken = await client.post(
        f"{API}/auth/register", json={"email": "a2@example.com", "username": "alice", "password": PASSWORD}
    )
    assert taken.status == 400  # a refused registration counts too

    resp = await client.post(
        f"{API}/auth/register", json={"email": "bob@example.com", "username": "bob", "password": PASSWORD}
    )

    assert resp.status == 429
    assert 3590 <= retry_after(await resp.json(), resp.headers.get("Retry-After")) <= 3600


async def test_attempts_are_allowed_again_once_the_window_has_passed(start):
    client = await start(login_limit_account="2/2 seconds")
    await register(client, "alice")
    assert (await login(client, "alice@example.com"))[0] == 401
    assert (await login(client, "alice@example.com"))[0] == 401
    status, body, header = await login(client, "alice@example.com", PASSWORD)
    assert status == 429
    assert retry_after(body, header) in (1, 2)

    await asyncio.sleep(2.05)

    assert (await login(client, "alice@example.com", PASSWORD))[0] == 200


async def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(start):
    client = await start(login_limit_address="2/hour")
    assert (await login(client, "a@example.com", forwarded_for="203.0.113.1"))[0] == 401
    assert (await login(client, "b@example.com", forwarded_for="203.0.113.2"))[0] == 401
    # Both counted against the peer, 127.0.0.1, whatever the header claimed.
    assert (await login(client, "c@example.com", forwarded_for="203.0.113.3"))[0] == 429


async def test_behind_a_trusted_proxy_forwarded_clients_are_counted_apart(start):
    client = await start(login_limit_address="2/hour", trusted_proxies=LOOPBACK)
    assert (await login(client, "a@example.com", forwarded_for="203.0.113.1"))[0] == 401
    # What the client wrote itself (left of what the proxy appended) does not change who it is.
    assert (await login(client, "b@example.com", forwarded_for="198.51.100.7, 203.0.113.1"))[0] == 401
    assert (await login(client, "c@example.com", forwarded_for="203.0.113.1"))[0] == 429

    assert (await login(client, "d@example.com", forwarded_for="203.0.113.2"))[0] == 401
    # A chain of trusted proxies is walked back to the first untrusted address.
    assert (await login(client, "e@example.com", forwarded_for="203.0.113.2, 127.0.0.1"))[0] == 401
    assert (await login(client, "f@example.com", forwarded_for="203.0.113.2"))[0] == 429


@pytest.mark.redis
async def test_two_servers_on_one_redis_share_the_counters(
    aiohttp_client: Any, make_app: Callable[..., web.Application], redis_store: dict[str, Any]
):
    limit = parse("2/hour")
    first = await aiohttp_client(make_app(**redis_store, login_limit_account=limit))
    second = await aiohttp_client(make_app(**redis_store, login_limit_account=limit))
    await register(first, "alice")
    assert (await login(first, "alice@example.com"))[0] == 401
    assert (await login(second, "alice@example.com"))[0] == 401

    assert (await login(first, "alice@example.com", PASSWORD))[0] == 429
    assert (await login(second, "alice@example.com", PASSWORD))[0] == 429


async def test_wrong_confirming_passwords_of_a_signed_in_caller_are_throttled_like_logins(start):
    client = await start(login_limit_account="3/hour")
    _, headers = await register(client, "alice")
    wrong = {"current_password": "not my password", "new_password": "a new password"}
    for _ in range(2):
        resp = await client.put(f"{API}/auth/password", json=wrong, headers=headers)
        assert resp.status == 400
        assert await resp.json() == {"detail": "Current password is incorrect"}
    resp = await client.request(
        "DELETE", f"{API}/users/me", json={"password": "not my password"}, headers=headers
    )
    assert (resp.status, await resp.json()) == (400, {"detail": "Password is incorrect"})

    # Three wrong passwords spent the account's allowance: the right one is refused too, and nothing changed.
    right = {"current_password": PASSWORD, "new_password": "a new password"}
    resp = await client.put(f"{API}/auth/password", json=right, headers=headers)
    assert resp.status == 429
    assert 3590 <= retry_after(await resp.json(), resp.headers.get("Retry-After")) <= 3600
    resp = await client.delete(f"{API}/users/me", json={"password": PASSWORD}, headers=headers)
    assert resp.status == 429
    assert (await login(client, "alice@example.com", PASSWORD))[0] == 200


class _Clock:
    """A stand-in for the ``time`` module inside ``limits``' counter stores: ``time()`` moves when told."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def counters_clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock()
    # Both stores read the clock through their module's ``time``, and so does the throttle when
    # it turns a window's reset time into a wait; nothing else is touched.
    monkeypatch.setattr(limits_memory, "time", fake)
    monkeypatch.setattr(limits_redispy, "time", fake)
    monkeypatch.setattr(throttle_module, "time", fake)
    return fake


async def test_with_the_clock_moved_past_fifteen_minutes_a_locked_account_may_log_in_again(
    start, counters_clock
):
    client = await start()
    await register(client, "alice")
    for _ in range(10):
        assert (await login(client, "alice@example.com"))[0] == 401
    status, body, header = await login(client, "alice@example.com", PASSWORD)
    assert status == 429
    assert 895 <= retry_after(body, header) <= 900

    counters_clock.offset = 14 * 60  # still inside the window: the oldest failure has not left it
    status, body, header = await login(client, "alice@example.com", PASSWORD)
    assert status == 429
    assert 1 <= retry_after(body, header) <= 60

    counters_clock.offset = 15 * 60 + 1
    assert (await login(client, "alice@example.com", PASSWORD))[0] == 200
