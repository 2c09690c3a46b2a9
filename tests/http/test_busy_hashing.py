"""A burst of registrations beyond the hashing pool's queue is refused with 503 + Retry-After."""

from __future__ import annotations

import asyncio
import threading

import pytest
from argon2 import PasswordHasher

from offertracker_http.keys import SERVICES
from offertracker_storage import Argon2Passwords

from .httpkit import API, PASSWORD


class GatedArgon2:
    """Real (cheap) argon2 whose ``hash`` waits for the test to open the gate."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.real = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

    def hash(self, password: str) -> str:
        if not self.gate.wait(timeout=5):
            raise TimeoutError("the test never opened the gate")
        return self.real.hash(password)

    def verify(self, hash: str, password: str) -> bool:
        return self.real.verify(hash, password)


@pytest.fixture
def gated() -> GatedArgon2:
    return GatedArgon2()


@pytest.fixture
def passwords(gated: GatedArgon2):
    """One hash at a time and one waiting: the third registration at once is one too many."""
    hasher = Argon2Passwords(concurrency=1, queue=1, hasher=gated)
    yield hasher
    gated.gate.set()
    hasher.close()


async def test_registrations_beyond_the_queue_get_503_with_retry_after_the_rest_201(client, gated):
    async def register(n: int):
        body = {"email": f"user{n}@example.com", "username": f"user{n}", "password": PASSWORD}
        resp = await client.post(f"{API}/auth/register", json=body)
        return resp.status, dict(resp.headers), await resp.json()

    burst = [asyncio.ensure_future(register(n)) for n in range(4)]
    try:
        # While the gate is shut, two registrations hold the pool's places; the other two are
        # answered at once, without waiting for any hash.
        refused: list[tuple[int, dict[str, str], dict[str, str]]] = []
        pending = set(burst)
        while len(refused) < 2:
            done, pending = await asyncio.wait(pending, timeout=3, return_when=asyncio.FIRST_COMPLETED)
            assert done, "no registration was refused while the pool was full"
            refused.extend(task.result() for task in done)
    finally:
        gated.gate.set()
    accepted = await asyncio.gather(*pending)

    assert [status for status, _, _ in refused] == [503, 503]
    for _, headers, body in refused:
        assert headers["Retry-After"] == "1"
        assert body == {"detail": "The server is busy; please try again"}
    assert [status for status, _, _ in accepted] == [201, 201]


async def test_login_while_the_pool_is_full_is_refused_too(client, gated):
    gated.gate.set()
    body = {"email": "ada@example.com", "username": "ada", "password": PASSWORD}
    assert (await client.post(f"{API}/auth/register", json=body)).status == 201
    gated.gate.clear()

    blockers = [
        asyncio.ensure_future(
            client.post(
                f"{API}/auth/register",
                json={"email": f"b{n}@example.com", "username": f"blocker{n}", "password": PASSWORD},
            )
        )
        for n in range(2)
    ]
    try:
        for _ in range(300):  # until both blockers sit in the pool, one running, one waiting
            if _pool(client).in_use == 2:
                break
            await asyncio.sleep(0.01)
        resp = await client.post(f"{API}/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
        assert resp.status == 503
        assert resp.headers["Retry-After"] == "1"
        assert await resp.json() == {"detail": "The server is busy; please try again"}
    finally:
        gated.gate.set()
    assert [r.status for r in await asyncio.gather(*blockers)] == [201, 201]


def _pool(client):
    return client.app[SERVICES].auth.passwords.pool
