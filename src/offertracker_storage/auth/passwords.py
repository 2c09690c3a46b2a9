"""Password hashing with argon2id (argon2-cffi), on a bounded pool of worker threads."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

from offertracker_core.errors import Overloaded

__all__ = ["THREAD_NAME_PREFIX", "Argon2Passwords", "HashingPool", "default_hash_concurrency"]

T = TypeVar("T")

THREAD_NAME_PREFIX = "offertracker-hash"


def default_hash_concurrency() -> int:
    """How many hashes may run at once by default: the CPUs this process may use (``os.cpu_count()``)."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        try:
            return max(1, len(affinity(0)))
        except OSError:  # pragma: no cover - some platforms list the call but refuse it
            pass
    return os.cpu_count() or 1


class HashingPool:
    """A dedicated thread pool that runs at most ``concurrency`` jobs and lets at most ``queue`` wait.

    Each argon2 computation holds 64 MiB and a CPU for a third of a second, so
    running more of them at once than there are cores only makes every one of
    them slower, and letting a burst pile up unboundedly (as the default
    executor of ``asyncio.to_thread`` does) grows memory without limit. A job
    beyond ``concurrency + queue`` is refused at once with the core's
    :class:`~offertracker_core.errors.Overloaded` (503 with ``Retry-After``).

    A place is held until the job has really finished in its thread, not merely
    until its caller stopped waiting (a cancelled request cannot stop argon2
    halfway), so the bound holds for the work actually in progress.
    """

    def __init__(self, concurrency: int, queue: int) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        if queue < 0:
            raise ValueError(f"queue must not be negative, not {queue}")
        self.concurrency = concurrency
        self.queue = queue
        self._lock = threading.Lock()  # jobs end in the pool's threads, callers may sit on other loops
        self._in_use = 0
        self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=THREAD_NAME_PREFIX)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in one of the pool's threads, or ``Overloaded`` if the pool is full."""
        with self._lock:
            if self._in_use >= self.concurrency + self.queue:
                raise Overloaded()
            self._in_use += 1
        try:
            future: Future[T] = self._executor.submit(function, *args)
        except BaseException:
            self._release(None)
            raise
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    @property
    def in_use(self) -> int:
        """Jobs running or waiting right now (at most ``concurrency + queue``)."""
        return self._in_use

    def _release(self, _: Future[Any] | None) -> None:
        with self._lock:
            self._in_use -= 1

    def close(self) -> None:
        """Stop taking jobs; threads exit once the jobs already queued are done."""
        self._executor.shutdown(wait=False, cancel_futures=True)


class Argon2Hasher(Protocol):
    """What this adapter uses of ``argon2.PasswordHasher`` (tests pass slow or recording fakes)."""

    def hash(self, password: str) -> str: ...

    def verify(self, hash: str, password: str) -> bool: ...


class Argon2Passwords:
    """The core's ``PasswordHasher`` port on argon2id.

    Hashing and verifying are deliberately slow, so both run on a dedicated
    :class:`HashingPool` (never on the event loop, nor on the loop's default
    executor, where they would compete with other blocking work without bound):
    at most ``concurrency`` at once (default: the number of CPUs), at most
    ``queue`` more waiting (default: four per running place), anything beyond
    refused with ``Overloaded``. The argon2 defaults are argon2-cffi's (RFC 9106
    "low memory" profile); tests pass tiny costs, or a ``hasher`` of their own.
    """

    def __init__(
        self,
        *,
        time_cost: int = 3,
        memory_cost: int = 65536,
        parallelism: int = 4,
        concurrency: int | None = None,
        queue: int | None = None,
        hasher: Argon2Hasher | None = None,
    ) -> None:
        self._hasher: Argon2Hasher = hasher or _Argon2(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        running = concurrency if concurrency is not None else default_hash_concurrency()
        self.pool = HashingPool(running, queue if queue is not None else 4 * running)

    async def hash(self, password: str) -> str:
        """Return the encoded argon2id hash (parameters and salt included) of ``password``."""
        return await self.pool.run(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``; ``False`` for a mismatch or an unreadable hash."""
        return await self.pool.run(self._verify, password_hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def close(self) -> None:
        """Release the worker threads (see :meth:`HashingPool.close`)."""
        self.pool.close()
