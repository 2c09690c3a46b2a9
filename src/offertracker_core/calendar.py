"""The calendar feed: its secret, which dated items it shows, and what each event says.

Pure: the service loads :class:`DatedItem` rows through ``uow.calendar`` and
:func:`events_of` turns them into :class:`CalendarEvent` values, which the HTTP
edge writes as iCalendar (RFC 5545). What an event carries is chosen for a URL
that anyone holding it can read (a calendar app, a colleague it was forwarded
to): names, dates, types and results, but no notes, descriptions or links.

- **UID** ``<kind>-<id>@offertracker``: the same for the item across fetches and
  edits, so a calendar app updates the event instead of adding another.
- **LAST-MODIFIED** and **DTSTAMP** are the later of the item's ``updated_at`` and
  that of the application it names (its company and role are in the summary).
- **SEQUENCE** is the whole seconds from the item's creation to that moment: it
  grows with every edit made a second or more after the last one, needs no
  counter column, and is the same on every fetch.
- Dates are all-day events (``VALUE=DATE``, ending the next day); a reminder's
  ``remind_at`` is a timed event in UTC.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from uuid import UUID

import attrs

__all__ = [
    "FEED_HISTORY_DAYS",
    "MAX_EVENTS_PER_KIND",
    "CalendarEvent",
    "DatedItem",
    "EventKind",
    "events_of",
    "is_secret_shaped",
    "new_secret",
    "secret_hash",
    "window_start",
]

SECRET_BYTES = 32
"""256 random bits in each feed URL (``secrets.token_urlsafe(32)``: 43 characters)."""
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")

FEED_HISTORY_DAYS = 365
"""The feed shows items dated from this many days ago on, and every later one."""
MAX_EVENTS_PER_KIND = 500
"""At most this many events of each kind (2,500 in all), the earliest in the window first: a
bound on the body (about 500 bytes an event) and on the time to write it (icalendar takes about
1 ms an event, measured), whatever the account holds. A year of an active search is far below it."""

_MAX_SEQUENCE = 2**31 - 1  # RFC 5545 INTEGER is a signed 32-bit value
UID_DOMAIN = "offertracker"


class EventKind(StrEnum):
    """The kinds of dated items the feed shows; the value is the UID's prefix."""

    STAGE = "stage"
    REMINDER = "reminder"
    FOLLOW_UP = "follow-up"
    SAVED_JOB = "saved-job"
    OFFER = "offer"


@attrs.frozen
class DatedItem:
    """One of a user's rows that the feed shows, in the shape every kind shares.

    ``title`` is the stage name or the reminder's title (``None`` for the other kinds);
    ``label`` the stage type, the reminder type, the stage result or the saved job's
    priority; ``company`` and ``role`` those of the application (or saved job) it is about;
    ``context_updated_at`` when that application last changed (``None``: no application).
    """

    kind: EventKind
    id: UUID
    when: date | datetime
    title: str | None
    label: str | None
    detail: str | None
    company: str | None
    role: str | None
    created_at: datetime
    updated_at: datetime
    context_updated_at: datetime | None = None


@attrs.frozen
class CalendarEvent:
    """One VEVENT, as the HTTP edge writes it: a ``date`` start is all-day, a ``datetime`` one UTC."""

    uid: str
    start: date | datetime
    summary: str
    description: str
    categories: tuple[str, ...]
    created: datetime
    last_modified: datetime
    sequence: int


def new_secret() -> str:
    """A fresh feed secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    """The hex SHA-256 stored for ``secret``: the secret is random, so no salt or slow hash is needed."""
    return hashlib.sha256(secret.encode("ascii", "replace")).hexdigest()


def is_secret_shaped(text: str) -> bool:
    """Whether ``text`` could be a secret :func:`new_secret` made (else it is not looked up at all)."""
    return _SECRET_SHAPE.fullmatch(text) is not None


def window_start(today: date) -> date:
    """The first day the feed shows, for a feed read on ``today`` (UTC)."""
    return today - timedelta(days=FEED_HISTORY_DAYS)


def events_of(items: Iterable[DatedItem]) -> list[CalendarEvent]:
    """The events of ``items``, by start (all-day ones as of midnight UTC), then UID."""
    events = [_event(item) for item in items]
    events.sort(key=lambda event: (_instant(event.start), event.uid))
    return events


def _instant(start: date | datetime) -> datetime:
    if isinstance(start, datetime):
        return start
    return datetime.combine(start, time(), tzinfo=UTC)


def _event(item: DatedItem) -> CalendarEvent:
    modified = item.updated_at
    if item.context_updated_at is not None and item.context_updated_at > modified:
        modified = item.context_updated_at
    seconds = int((modified - item.created_at).total_seconds())
    summary, description, categories = _WORDS[item.kind](item)
    return CalendarEvent(
        uid=f"{item.kind.value}-{item.id}@{UID_DOMAIN}",
        start=item.when,
        summary=summary,
        description=description,
        categories=categories,
        created=item.created_at,
        last_modified=modified,
        sequence=min(max(seconds, 0), _MAX_SEQUENCE),
    )


def _job(item: DatedItem) -> str:
    """ "Engineer at Acme", or the one of the two that is known."""
    if item.role and item.company:
        return f"{item.role} at {item.company}"
    return item.role or item.company or "a job"


def _stage(item: DatedItem) -> tuple[str, str, tuple[str, ...]]:
    kind = f" ({item.label})" if item.label else ""
    result = f" Result: {item.detail}." if item.detail else ""
    return (
        f"{item.title}: {_job(item)}",
        f"Interview stage {item.title}{kind} of your application for {_job(item)}.{result}",
        ("Interview", item.label) if item.label else ("Interview",),
    )


def _reminder(item: DatedItem) -> tuple[str, str, tuple[str, ...]]:
    about = f" ({_job(item)})" if item.company else ""
    for_application = f" About your application for {_job(item)}." if item.company else ""
    return (
        f"{item.title}{about}",
        f"{item.label} reminder: {item.title}.{for_application}",
        ("Reminder", item.label or "General"),
    )


def _follow_up(item: DatedItem) -> tuple[str, str, tuple[str, ...]]:
    status = f" Status: {item.label}." if item.label else ""
    return (
        f"Follow up: {_job(item)}",
        f"Follow-up date of your application for {_job(item)}.{status}",
        ("Follow-up",),
    )


def _saved_job(item: DatedItem) -> tuple[str, str, tuple[str, ...]]:
    priority = f" Priority: {item.label}." if item.label else ""
    return (
        f"Apply by: {_job(item)}",
        f"Deadline of the job you saved: {_job(item)}.{priority}",
        ("Deadline", "Saved job"),
    )


def _offer(item: DatedItem) -> tuple[str, str, tuple[str, ...]]:
    return (
        f"Offer deadline: {_job(item)}",
        f"The offer for {_job(item)} needs your answer by this day.",
        ("Deadline", "Offer"),
    )


_WORDS = {
    EventKind.STAGE: _stage,
    EventKind.REMINDER: _reminder,
    EventKind.FOLLOW_UP: _follow_up,
    EventKind.SAVED_JOB: _saved_job,
    EventKind.OFFER: _offer,
}
