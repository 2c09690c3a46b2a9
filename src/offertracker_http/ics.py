"""The calendar feed as iCalendar (RFC 5545) bytes, written with the ``icalendar`` library.

The library folds lines at 75 octets, ends them with CRLF and escapes text
values; this module only decides what goes in. The body depends on nothing but
the events (no "now" in it), so the same data always gives the same bytes and
the ``ETag`` made from them lets a calendar app's poll end in a 304.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

from offertracker_core.calendar import CalendarEvent

__all__ = ["CONTENT_TYPE", "PRODID", "calendar_bytes", "etag_of"]

CONTENT_TYPE = "text/calendar"
PRODID = "-//OfferTracker//Calendar feed 1.0//EN"
CALENDAR_NAME = "OfferTracker"
REFRESH = timedelta(hours=1)
"""How often a client is asked to poll (RFC 7986 REFRESH-INTERVAL and the common X-PUBLISHED-TTL)."""


def calendar_bytes(events: Sequence[CalendarEvent]) -> bytes:
    """One VCALENDAR holding ``events`` as VEVENTs."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", CALENDAR_NAME)
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    for event in events:
        calendar.add_component(_vevent(event))
    body: bytes = calendar.to_ical()
    return body


def _vevent(event: CalendarEvent) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    # Without METHOD, DTSTAMP is when the item was last revised (RFC 5545 §3.8.7.2).
    vevent.add("dtstamp", event.last_modified)
    if isinstance(event.start, datetime):
        vevent.add("dtstart", event.start)  # aware UTC: written as ...Z
    else:
        _all_day(vevent, event.start)
    vevent.add("summary", event.summary)
    vevent.add("description", event.description)
    vevent.add("categories", list(event.categories))
    vevent.add("created", event.created)
    vevent.add("last-modified", event.last_modified)
    vevent.add("sequence", event.sequence)
    vevent.add("transp", "TRANSPARENT")  # a deadline does not make the user busy
    return vevent


def _all_day(vevent: Event, day: date) -> None:
    vevent.add("dtstart", day)  # a date: VALUE=DATE
    vevent.add("dtend", day + timedelta(days=1))  # DTEND is exclusive: one whole day


def etag_of(body: bytes) -> str:
    """The entity tag of a feed body: the first 32 hex digits of its SHA-256."""
    return hashlib.sha256(body).hexdigest()[:32]
