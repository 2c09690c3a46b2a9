"""The SQLite statement deadline: a connection class whose statements stop in time.

A SQLite statement cannot be cancelled from outside its thread, so the time
limit is enforced from inside: every ``PROGRESS_STEPS`` virtual-machine steps
SQLite calls :meth:`TimedConnection.past_deadline`, and a true answer makes the
running statement fail with ``SQLITE_INTERRUPT`` (SQLite rolls back a write
statement it interrupts; the unit of work then rolls back the rest).
"""

from __future__ import annotations

import math
import sqlite3
import time

__all__ = ["PROGRESS_STEPS", "TimedConnection"]

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

    def past_deadline(self) -> bool:
        """The progress handler: whether the running statement must be interrupted."""
        return time.monotonic() > self.deadline
