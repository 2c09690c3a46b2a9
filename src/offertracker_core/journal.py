"""What a unit of work remembers besides its SQL: domain events and activity entries.

Services call ``uow.record(event)`` and ``uow.log(entry)`` wherever the thing
happens, instead of threading lists of events back to one place. Storage
adapters mix :class:`Journal` into their units of work: entries are written with
the commit, events are published by ``ServiceContext.write`` once the commit
succeeded, and a savepoint that rolls back forgets what was recorded inside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from .entities import ActivityEntry
from .events import Event

__all__ = ["Journal", "JournalMark"]

JournalMark = tuple[int, int]


class Journal:
    """Events and activity entries recorded during one unit of work, in order."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._entries: list[ActivityEntry] = []

    def record(self, *events: Event) -> None:
        """Remember ``events`` to publish after the commit."""
        self._events.extend(events)

    def log(self, *entries: ActivityEntry) -> None:
        """Remember activity ``entries`` to write with the commit."""
        self._entries.extend(entries)

    @property
    def events(self) -> Sequence[Event]:
        """The events recorded so far."""
        return tuple(self._events)

    def take_entries(self) -> list[ActivityEntry]:
        """The entries logged so far, handed over once (the adapter writes them at commit)."""
        entries, self._entries = self._entries, []
        return entries

    def mark(self) -> JournalMark:
        """Where the journal stands, for a savepoint to :meth:`rewind` to."""
        return len(self._events), len(self._entries)

    def rewind(self, mark: JournalMark) -> None:
        """Forget what was recorded since ``mark`` (its savepoint rolled back)."""
        del self._events[mark[0] :]
        del self._entries[mark[1] :]
