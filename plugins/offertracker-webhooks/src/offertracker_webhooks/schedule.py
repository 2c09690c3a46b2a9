"""When a failed delivery is tried again, and when it is given up.

After failed attempt *n* (1 for the first POST) the next one is due after
``min(10 s × 2^(n−1), 1 h)``, scaled by a random factor from 0.8 to 1.2 (the
jitter spreads out the retries of many deliveries that failed together, for
example when a receiver comes back after an outage)::

    attempt    1     2     3     4      5      6       7       8       9     10 …
    delay     10 s  20 s  40 s  80 s  160 s  320 s  640 s  1280 s  2560 s  1 h (each from then on)

A delivery is given up only when an attempt failed *and* the delivery is
older than the retry window (24 hours by default), so it is retried for at
least that long; without jitter, the 33rd attempt, 24 h 25 min after the
first, is the last. A timeout, a connection error, 429 and 5xx are retried;
any other 4xx, a redirect or a refused address fails the delivery at once
(see :mod:`.sender`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

__all__ = ["FIRST_DELAY", "JITTER", "MAX_DELAY", "Uniform", "gives_up", "retry_delay"]

FIRST_DELAY = 10.0
"""Seconds before the first retry (jitter aside)."""
MAX_DELAY = 3600.0
"""The longest wait between two attempts (jitter aside), seconds."""
JITTER = 0.2
"""Each delay is scaled by a factor drawn from ``1 ± JITTER``."""


class Uniform(Protocol):
    """A source of random numbers such as ``random.Random`` (seeded in tests)."""

    def uniform(self, a: float, b: float, /) -> float:
        """A number from ``a`` to ``b``."""
        ...


def retry_delay(failed_attempt: int, rng: Uniform) -> timedelta:
    """The wait after failed attempt number ``failed_attempt`` (1-based), jitter from ``rng``."""
    if failed_attempt < 1:
        raise ValueError("attempts are counted from 1")
    # Capped exponent: 2**n overflows nothing in Python, but there is no point computing it.
    base = min(FIRST_DELAY * 2 ** min(failed_attempt - 1, 32), MAX_DELAY)
    return timedelta(seconds=base * rng.uniform(1 - JITTER, 1 + JITTER))


def gives_up(created_at: datetime, now: datetime, window: timedelta) -> bool:
    """Whether a delivery created at ``created_at`` whose attempt just failed at ``now`` is given up."""
    return now - created_at >= window
