"""Default implementations of the ``Clock`` and ``IdFactory`` ports."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

__all__ = ["SystemClock", "new_id"]


class SystemClock:
    """The real clock: aware UTC ``datetime.now``."""

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        return datetime.now(UTC)


def new_id() -> UUID:
    """Return a fresh random (version 4) UUID."""
    return uuid4()
