"""A bounded, short-lived, per-process memory of user ids known to exist.

A bearer token stays valid for an hour, but its user may be deleted sooner
(by another process, or by hand in the database). ``AuthService.authenticate``
asks storage whether the token's user exists; this memory lets a warm request
skip that question, so authentication costs no statement of its own.

It lives in the core, next to the service that uses it, rather than in the
HTTP layer: "a token counts only while its user exists" is a rule of
authentication that every edge (HTTP, CLI, plugins) must get alike, answering
it needs the storage and clock ports only the core holds, and a future core use
case that deletes a user can evict the id from the same object.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from uuid import UUID

__all__ = ["KnownUsers"]


class KnownUsers:
    """User ids seen to exist within the last ``lifetime``, at most ``size`` of them.

    An entry expires ``lifetime`` after storage last confirmed the user (30
    seconds by default): a user deleted elsewhere keeps passing authentication
    for at most that long. A hit does not extend an entry, or a busy client
    would keep a deleted user alive forever. Past ``size`` entries the least
    recently used is dropped. Not thread-safe; it is meant for one event loop.
    """

    LIFETIME = timedelta(seconds=30)
    SIZE = 4096

    def __init__(self, *, lifetime: timedelta = LIFETIME, size: int = SIZE) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self.lifetime = lifetime
        self.size = size
        self._expires: OrderedDict[UUID, datetime] = OrderedDict()

    def __len__(self) -> int:
        return len(self._expires)

    def known(self, user_id: UUID, now: datetime) -> bool:
        """Whether ``user_id`` was confirmed to exist less than ``lifetime`` before ``now``."""
        expires = self._expires.get(user_id)
        if expires is None:
            return False
        if expires <= now:
            del self._expires[user_id]
            return False
        self._expires.move_to_end(user_id)
        return True

    def remember(self, user_id: UUID, now: datetime) -> None:
        """Record that storage confirmed ``user_id`` exists at ``now``."""
        self._expires[user_id] = now + self.lifetime
        self._expires.move_to_end(user_id)
        while len(self._expires) > self.size:
            self._expires.popitem(last=False)

    def forget(self, user_id: UUID) -> None:
        """Drop ``user_id`` at once; a use case that deletes a user must call this."""
        self._expires.pop(user_id, None)
