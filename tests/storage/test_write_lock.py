"""SQLite's cross-process write lock: writers of different processes take turns on ``<db>-lock``."""

from __future__ import annotations

import asyncio
import fcntl
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from offertracker_core.errors import Duplicate
from offertracker_storage import SqlStorage
from offertracker_storage.sql.write_lock import lock_path

from ..conftest import fresh_database_url
from . import factories as f

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="flock is POSIX; Windows uses busy_timeout alone"
)

# Holds the lock file AND SQLite's write lock (BEGIN IMMEDIATE) for longer than the 5 s busy
# timeout: a writer that polled SQLite's lock would give up with "database is locked".
_HOLDER = """
import fcntl, os, sqlite3, sys, time
db, seconds = sys.argv[1], float(sys.argv[2])
fd = os.open(db + "-lock", os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
conn = sqlite3.connect(db, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(seconds)
conn.execute("COMMIT")
fcntl.flock(fd, fcntl.LOCK_UN)
"""


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_database_url("sqlite", request, tmp_path)


@pytest.fixture
async def storage(sqlite_url: str) -> AsyncIterator[SqlStorage]:
    opened = await SqlStorage.open(sqlite_url)
    try:
        yield opened
    finally:
        await opened.close()


def _database(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


@contextmanager
def _holder(database: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(database), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        proc.wait(timeout=30)


def _free(database: Path) -> bool:
    """Whether another open file description can take the lock at once (flock conflicts between
    descriptions even inside one process)."""
    fd = os.open(lock_path(database), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


async def test_the_lock_file_beside_the_database_is_readable_by_its_owner_only(
    storage: SqlStorage, sqlite_url: str
) -> None:
    async def add(uow: object) -> None:
        await uow.users.add(f.user("ada"))  # type: ignore[attr-defined]

    await storage.transact(add)

    path = lock_path(_database(sqlite_url))
    assert path.name == "offertracker.db-lock"
    assert path.stat().st_mode & 0o777 == 0o600


async def test_a_writer_waits_for_another_process_past_the_busy_timeout_and_then_commits(
    storage: SqlStorage, sqlite_url: str
) -> None:
    database = _database(sqlite_url)
    ada = f.user("ada")

    async def add(uow: object) -> None:
        await uow.users.add(ada)  # type: ignore[attr-defined]

    with _holder(database, 5.5) as holder:
        started = time.monotonic()
        await storage.transact(add)
        waited = time.monotonic() - started
    assert holder.returncode == 0
    assert waited >= 5.0  # it waited for the other process instead of failing after busy_timeout
    assert await storage.snapshot(lambda uow: uow.users.get(ada.id)) == ada


async def test_the_lock_is_free_again_after_a_commit_and_after_a_failed_transaction(
    storage: SqlStorage, sqlite_url: str
) -> None:
    database = _database(sqlite_url)
    ada = f.user("ada")

    async def add(uow: object) -> None:
        await uow.users.add(ada)  # type: ignore[attr-defined]

    await storage.transact(add)
    assert _free(database)
    with pytest.raises(Duplicate):
        await storage.transact(add)  # the same id again: the transaction fails and rolls back
    assert _free(database)


async def test_a_multi_hop_write_holds_the_lock_until_it_commits(
    storage: SqlStorage, sqlite_url: str
) -> None:
    database = _database(sqlite_url)
    async with storage.write() as uow:
        await uow.users.add(f.user("ada"))
        await asyncio.to_thread(lambda: None)  # the unit of work stays open across event-loop turns
        assert not _free(database)
        await uow.commit()
    assert _free(database)
