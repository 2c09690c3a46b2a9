"""SQLite's worker threads: the statement deadline, and reader lanes that overflow.

The statement deadline is a connection class whose statements stop in time.

A SQLite statement cannot be cancelled from outside its thread, so the time
limit is enforced from inside: every ``PROGRESS_STEPS`` virtual-machine steps
SQLite calls :meth:`TimedConnection.past_deadline`, and a true answer makes the
running statement fail with ``SQLITE_INTERRUPT`` (SQLite rolls back a write
statement it interrupts; the unit of work then rolls back the rest).
"""

from __future__ import annotations

import concurrent.futures
import math
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from .write_lock import WriteLock

__all__ = ["PROGRESS_STEPS", "STUCK_AFTER", "ReadLanes", "TimedConnection"]

T = TypeVar("T")

STUCK_AFTER = 0.05
"""Seconds a read call may run before its lane counts as stuck and new reads go to the next lane."""

# How often (in SQLite VM steps) the clock is read. A step is tens of nanoseconds and the
# Python callback about a microsecond, so 10,000 steps keep the check well under 1 % of a
# statement's time while stopping a runaway statement within a millisecond or so.
PROGRESS_STEPS = 10_000


class TimedConnection(sqlite3.Connection):
    """A ``sqlite3`` connection whose statements stop at ``deadline`` (a ``time.monotonic()`` value).

    ``deadline`` is infinite between units of work' calls; a call sets it on entry and resets
    it on exit, so the limit bounds each repository call (its few statements together).
    """

    deadline: float = math.inf
    write_lock: WriteLock | None = None
    """The writer's cross-process lock, taken before ``BEGIN IMMEDIATE``; released here when the
    transaction ends, after SQLite has committed or rolled back (never before: another process
    would then meet SQLite's own lock and poll for it)."""

    def past_deadline(self) -> bool:
        """The progress handler: whether the running statement must be interrupted."""
        return time.monotonic() > self.deadline

    def commit(self) -> None:
        """Commit, then let the next process's writer in."""
        try:
            super().commit()
        finally:
            if self.write_lock is not None and not self.in_transaction:
                self.write_lock.release()

    def rollback(self) -> None:
        """Roll back, then let the next process's writer in."""
        try:
            super().rollback()
        finally:
            if self.write_lock is not None:
                self.write_lock.release()

    def close(self) -> None:
        """Close (SQLite rolls back what is open), then let the next process's writer in."""
        try:
            super().close()
        finally:
            if self.write_lock is not None:
                self.write_lock.release()


class _Lane:
    """One reader thread, and since when its current call has been running (``inf``: idle)."""

    def __init__(self, name: str) -> None:
        self.executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix=name)
        self.started = math.inf

    def submit(self, fn: Callable[[], T]) -> concurrent.futures.Future[T]:
        def run() -> T:
            self.started = time.monotonic()
            try:
                return fn()
            finally:
                self.started = math.inf

        return self.executor.submit(run)


class ReadLanes:
    """Reader threads used in order: a call goes to the first lane whose running call is not stuck.

    Reads are mostly CPU-bound (rows to entities, SQLite rendering a page of JSON),
    so two threads reading side by side mostly fight over the GIL: measured with
    bench/, one reader served 292 list pages/s where two sharing the work served
    208. So in normal operation every read runs on the first lane, as if there
    were one thread; only while a lane's current call has run past
    ``STUCK_AFTER`` (a big export, a runaway statement waiting for its time limit)
    do new reads overflow to the next lane, so one slow read does not stall every
    user. Calls queued on a lane before it got stuck wait for it.
    """

    def __init__(self, threads: int, *, stuck_after: float = STUCK_AFTER) -> None:
        if threads < 1:
            raise ValueError("at least one reader thread")
        self._lanes = [_Lane(f"offertracker-sqlite-read-{n}") for n in range(threads)]
        self._stuck_after = stuck_after

    def submit(self, fn: Callable[[], T]) -> concurrent.futures.Future[T]:
        """Run ``fn`` on the first lane that is not stuck (the last lane when all are)."""
        busy_before = time.monotonic() - self._stuck_after
        for lane in self._lanes:
            if lane.started > busy_before:  # idle (inf), or its call started recently
                return lane.submit(fn)
        return self._lanes[-1].submit(fn)

    def shutdown(self, last: Callable[[], object] | None = None) -> None:
        """Wait for every lane's calls to finish, run ``last`` on each lane's thread, stop the threads."""
        for lane in self._lanes:
            if last is not None:
                lane.executor.submit(last)
            lane.executor.shutdown(wait=True)
