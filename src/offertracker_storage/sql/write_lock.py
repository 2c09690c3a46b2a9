"""The cross-process write lock of a SQLite database: writers in different processes take turns.

Each process already runs its writes one at a time, on one writer thread whose
transactions start with ``BEGIN IMMEDIATE``. Several server processes on one
SQLite file would still meet at SQLite's own lock, where the loser sleeps and
polls (``busy_timeout``) and, under steady writing, can keep losing until it
gives up with "database is locked". So the writer thread also holds an
exclusive ``fcntl.flock`` on ``<database>-lock`` (mode 0600) from just before
``BEGIN IMMEDIATE`` until the transaction's commit or rollback: a process that
wants to write sleeps in the kernel until the holder lets go, instead of
polling against it. The kernel drops the lock when its holder dies, even by
SIGKILL, so a crashed worker never leaves the database locked.

The lock file is opened by :class:`WriteLock` in the process that writes, never
inherited across a ``fork``: a ``flock`` belongs to an open file description,
which a forked child would share with its parent.

Where ``fcntl`` does not exist (Windows) the lock does nothing and writers of
different processes fall back to SQLite's ``busy_timeout`` alone.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["WriteLock", "lock_path"]

_PRIVATE_FILE = 0o600


def lock_path(database: Path) -> Path:
    """The lock file beside ``database``: ``<database>-lock``, like SQLite's ``-wal`` and ``-shm``."""
    return database.with_name(database.name + "-lock")


class WriteLock:
    """An exclusive ``flock`` on ``<database>-lock``, taken and released by the writer thread.

    :meth:`acquire` blocks until no other process holds it; :meth:`release` is
    idempotent, so every way a transaction ends (commit, rollback, a closed
    connection) may call it. Within one process the writer thread is the only
    caller, so the lock is not reentrant and needs no count.
    """

    def __init__(self, database: Path) -> None:
        self.path = lock_path(database)
        self._fd: int | None = None
        self._held = False
        self._guard = threading.Lock()  # acquire and close may come from different threads

    @property
    def held(self) -> bool:
        """Whether this process holds the lock now."""
        return self._held

    def _open(self) -> int:
        if self._fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, _PRIVATE_FILE)
            with contextlib.suppress(OSError):  # os.open's mode is filtered by the umask
                if os.fstat(fd).st_mode & 0o777 != _PRIVATE_FILE:
                    os.fchmod(fd, _PRIVATE_FILE)
            self._fd = fd
        return self._fd

    def acquire(self) -> None:
        """Wait until this process holds the lock (at once where ``fcntl`` is missing)."""
        if fcntl is None or self._held:
            return
        with self._guard:
            fd = self._open()
        fcntl.flock(fd, fcntl.LOCK_EX)  # sleeps in the kernel; woken when the holder releases
        self._held = True

    def release(self) -> None:
        """Let the next process in; nothing if this process does not hold the lock."""
        if fcntl is None or not self._held or self._fd is None:
            return
        self._held = False
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Release the lock and close the file."""
        self.release()
        with self._guard:
            fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
