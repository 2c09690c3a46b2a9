"""Password hashing runs on a bounded pool of its own: never on the loop, never piling up."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from offertracker_core.errors import Overloaded, Unavailable
from offertracker_storage import Argon2Passwords
from offertracker_storage.auth.passwords import THREAD_NAME_PREFIX, HashingPool


class GatedHasher:
    """An argon2 stand-in whose ``hash`` blocks until the test opens the gate, noting its thread."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.threads: list[threading.Thread] = []
        self.started = threading.Semaphore(0)

    def hash(self, password: str) -> str:
        self.threads.append(threading.current_thread())
        self.started.release()
        if not self.gate.wait(timeout=5):
            raise TimeoutError("the test never opened the gate")
        return f"hashed:{password}"

    def verify(self, hash: str, password: str) -> bool:
        self.threads.append(threading.current_thread())
        return hash == f"hashed:{password}"


async def test_beyond_concurrency_and_queue_a_hash_is_refused_at_once() -> None:
    hasher = GatedHasher()
    passwords = Argon2Passwords(concurrency=1, queue=1, hasher=hasher)
    try:
        first = asyncio.ensure_future(passwords.hash("one"))
        second = asyncio.ensure_future(passwords.hash("two"))
        await asyncio.sleep(0)  # both admitted: one running, one waiting
        started = time.monotonic()
        with pytest.raises(Overloaded) as refused:
            await passwords.hash("three")
        assert time.monotonic() - started < 0.5
        assert isinstance(refused.value, Unavailable)  # a 503 at the edge
        assert refused.value.detail == "The server is busy; please try again"
        assert refused.value.retry_after == 1

        hasher.gate.set()
        assert await asyncio.gather(first, second) == ["hashed:one", "hashed:two"]
        assert await passwords.hash("four") == "hashed:four"  # the places are free again
    finally:
        hasher.gate.set()
        passwords.close()


async def test_no_more_hashes_run_at_once_than_the_concurrency() -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def slow(_: str) -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return "done"

    pool = HashingPool(concurrency=2, queue=10)
    try:
        assert await asyncio.gather(*(pool.run(slow, "x") for _ in range(8))) == ["done"] * 8
    finally:
        pool.close()
    assert most == 2


async def test_a_cancelled_caller_keeps_its_place_until_the_hash_really_ends() -> None:
    hasher = GatedHasher()
    passwords = Argon2Passwords(concurrency=1, queue=0, hasher=hasher)
    try:
        running = asyncio.ensure_future(passwords.hash("one"))
        await asyncio.to_thread(hasher.started.acquire)  # argon2 is under way in its thread
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        with pytest.raises(Overloaded):  # the thread is still busy with it
            await passwords.hash("two")
        hasher.gate.set()
        for _ in range(100):
            try:
                assert await passwords.hash("three") == "hashed:three"
                break
            except Overloaded:
                await asyncio.sleep(0.01)
        else:
            pytest.fail("the place was never given back")
    finally:
        hasher.gate.set()
        passwords.close()


async def test_hashing_and_verifying_run_on_the_pool_threads_not_the_loop() -> None:
    hasher = GatedHasher()
    hasher.gate.set()
    passwords = Argon2Passwords(concurrency=2, queue=0, hasher=hasher)
    try:
        hashed = await passwords.hash("secret")
        assert await passwords.verify(hashed, "secret") is True
    finally:
        passwords.close()
    loop_thread = threading.get_ident()
    assert [t.ident != loop_thread for t in hasher.threads] == [True, True]
    assert all(t.name.startswith(THREAD_NAME_PREFIX) for t in hasher.threads)


def test_the_defaults_are_one_place_per_cpu_and_four_waiting_per_place() -> None:
    passwords = Argon2Passwords(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        assert passwords.pool.concurrency >= 1
        assert passwords.pool.queue == 4 * passwords.pool.concurrency
    finally:
        passwords.close()


@pytest.mark.parametrize(
    ("concurrency", "queue", "message"),
    [(0, 1, "concurrency must be at least 1, not 0"), (1, -1, "queue must not be negative, not -1")],
)
def test_a_pool_without_room_to_run_is_refused(concurrency: int, queue: int, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        HashingPool(concurrency, queue)
