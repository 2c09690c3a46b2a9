"""A bounded, short-lived, per-process memory of user ids known to exist, with the
time before which each one's tokens are refused.

A bearer token stays valid for an hour, but its user may be deleted sooner
(by another process, or by hand in the database). ``AuthService.authenticate``
asks storage whether the token's user exists; this memory lets a warm request
skip that question, so authentication costs no statement of its own.

It lives in the core, next to the service that uses it, rather than in the
HTTP layer: "a token counts only while its user exists" is a rule of
authentication that every edge (HTTP, CLI, plugins) must get alike, answering
it needs the storage and clock ports only the core holds, and the core use
cases that delete a user or revoke its tokens update the same object.

Revocation (logout, password change, account deletion) takes effect at once in
the process that made it, which updates this memory after its commit, and
within ``KnownUsers.LIFETIME`` (5 seconds) in every other process, whose memory
of the user expires by then.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from uuid import UUID

from .ports import NEVER_REVOKED

__all__ = ["KnownUsers"]


class KnownUsers:
    """User ids seen to exist within the last ``lifetime``, at most ``size`` of them, each
    with its ``tokens_valid_after``.

    An entry expires ``lifetime`` after storage last confirmed the user (5
    seconds by default): a user deleted, or whose tokens were revoked, in
    another process keeps passing authentication here for at most that long.
    The price is one primary-key lookup per active user and process every 5
    seconds. A hit does not extend an entry, or a busy client would keep a
    deleted user alive forever. Past ``size`` entries the least recently used
    is dropped. Not thread-safe; it is meant for one event loop.

    ``tokens_valid_after`` only moves forward: remembering an earlier time than
    the entry holds (a look-up that started before a revocation of this
    process and finished after it) keeps the later one.
    """

    LIFETIME = timedelta(seconds=5)
    SIZE = 4096

    def __init__(self, *, lifetime: timedelta = LIFETIME, size: int = SIZE) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self.lifetime = lifetime
        self.size = size
        # user id -> (expires, tokens_valid_after)
        self._entries: OrderedDict[UUID, tuple[datetime, datetime]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def known(self, user_id: UUID, now: datetime) -> bool:
        """Whether ``user_id`` was confirmed to exist less than ``lifetime`` before ``now``."""
        return self.tokens_valid_after(user_id, now) is not None

    def tokens_valid_after(self, user_id: UUID, now: datetime) -> datetime | None:
        """The remembered ``tokens_valid_after`` of ``user_id``, or ``None`` if it is not known at ``now``."""
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        expires, valid_after = entry
        if expires <= now:
            del self._entries[user_id]
            return None
        self._entries.move_to_end(user_id)
        return valid_after

    def remember(self, user_id: UUID, now: datetime, tokens_valid_after: datetime = NEVER_REVOKED) -> None:
        """Record that storage confirmed ``user_id`` exists at ``now``, with its ``tokens_valid_after``
        (kept if the entry already holds a later one)."""
        entry = self._entries.get(user_id)
        if entry is not None and entry[1] > tokens_valid_after:
            tokens_valid_after = entry[1]
        self._entries[user_id] = (now + self.lifetime, tokens_valid_after)
        self._entries.move_to_end(user_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def forget(self, user_id: UUID) -> None:
        """Drop ``user_id`` at once; a use case that deletes a user must call this."""
        self._entries.pop(user_id, None)
