"""``/calendar``: the caller's secret calendar feed (ours, not in the API reference).

``POST /calendar/feed`` makes a new secret feed URL (revoking the one before),
``GET`` says whether there is one, ``DELETE`` revokes it. The feed itself,
``GET /calendar/{secret}.ics``, needs no token: holding the URL is the
permission, as calendar apps subscribe without logging in. An unknown or revoked
secret answers exactly as an unknown path does (404 ``{"detail": "Not Found"}``).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import attrs
from aiohttp import web

from ..ics import CONTENT_TYPE, calendar_bytes, etag_of
from ..keys import PUBLIC_URL
from ..operations import MediaType
from ._common import API_PREFIX, Routes, caller, services

__all__ = ["CalendarFeedStatus", "CalendarFeedUrl", "feed_path", "routes"]

routes = Routes("calendar")

# Calendar apps poll; a client holding an unchanged copy asks with If-None-Match and gets a 304.
# "private": the body is one user's data, never for a shared cache; "no-cache": always revalidate.
_CACHE_CONTROL = "private, no-cache"


@attrs.frozen
class CalendarFeedUrl:
    """The new feed's URL: shown this once (only a hash of its secret is kept)."""

    url: str


@attrs.frozen
class CalendarFeedStatus:
    """Whether the caller has a feed, and since when; the URL itself cannot be shown again."""

    exists: bool
    created_at: datetime | None


def feed_path(secret: str) -> str:
    """The path of the feed whose secret is ``secret``."""
    return f"{API_PREFIX}/calendar/{secret}.ics"


def _base_url(request: web.Request) -> str:
    """``OFFERTRACKER_PUBLIC_URL``, else the scheme and host this request came to."""
    configured = request.app[PUBLIC_URL]
    if configured:
        return configured
    # The peer's own view: X-Forwarded-Proto/Host are not believed anywhere in this server
    # (only X-Forwarded-For, for rate limits), so behind a proxy set OFFERTRACKER_PUBLIC_URL.
    return f"{request.url.scheme}://{request.url.raw_authority}"


@routes.post("/calendar/feed", status=201)
async def create_calendar_feed(request: web.Request) -> CalendarFeedUrl:
    """Make a new secret calendar feed URL; the caller's earlier one stops working.

    Subscribe to the URL in a calendar app. It is shown only in this answer: the server
    keeps a hash of its secret, so a lost URL is replaced by making a new one.
    """
    secret = await services(request).calendar.create_feed(caller(request))
    return CalendarFeedUrl(url=_base_url(request) + feed_path(secret))


@routes.get("/calendar/feed")
async def get_calendar_feed(request: web.Request) -> CalendarFeedStatus:
    """Say whether the caller has a calendar feed, and when it was made (never its URL)."""
    feed = await services(request).calendar.feed(caller(request))
    if feed is None:
        return CalendarFeedStatus(exists=False, created_at=None)
    return CalendarFeedStatus(exists=True, created_at=feed.created_at)


@routes.delete("/calendar/feed", status=204, response=None)
async def delete_calendar_feed(request: web.Request) -> web.Response:
    """Revoke the caller's calendar feed: its URL answers 404 from now on (204 also when there was none)."""
    await services(request).calendar.revoke(caller(request))
    return web.Response(status=204)


@routes.get(
    "/calendar/{secret}.ics",
    public=True,
    errors=(404,),
    response=MediaType((CONTENT_TYPE,), "The feed as iCalendar (RFC 5545); 304 when If-None-Match names it"),
)
async def calendar_feed(request: web.Request, secret: str) -> web.Response:
    """The calendar feed of whoever holds this secret: interviews, reminders, follow-ups and deadlines.

    Items from the last 12 months and every later one: interview stages with a date,
    reminders not completed, applications' follow-up dates, active saved jobs' deadlines
    and offers' deadlines. ``ETag`` is a hash of the body; ``If-None-Match`` with it
    answers 304 without a body.
    """
    events = await services(request).calendar.events(secret)
    if events is None:
        raise web.HTTPNotFound()
    # icalendar costs about 1 ms an event (measured): written on a thread, so a large feed
    # never holds the event loop for the other requests.
    body = await asyncio.to_thread(calendar_bytes, events)
    etag = etag_of(body)
    headers = {"Cache-Control": _CACHE_CONTROL}
    matches = request.if_none_match
    if matches and any(tag.value in (etag, "*") for tag in matches):
        response = web.Response(status=304, headers=headers)
    else:
        response = web.Response(body=body, content_type=CONTENT_TYPE, charset="utf-8", headers=headers)
    response.etag = etag
    return response
