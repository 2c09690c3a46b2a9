"""The calendar feed: a secret URL per user, and the events it serves (``uow.calendar``).

The secret is made here, handed to the caller once, and stored only as its
SHA-256; reading the feed hashes the presented secret, finds the feed by that
hash (an indexed lookup) and compares the two hashes in constant time. Creating
a feed replaces the caller's earlier one, whose URL then answers nothing.
"""

from __future__ import annotations

import hmac
from uuid import UUID

import attrs

from ..calendar import (
    MAX_EVENTS_PER_KIND,
    CalendarEvent,
    events_of,
    is_secret_shaped,
    new_secret,
    secret_hash,
    window_start,
)
from ..entities import CalendarFeed
from ..ports import UnitOfWork, today_of
from .base import ServiceContext

__all__ = ["CalendarService"]


@attrs.frozen
class CalendarService:
    """Creates, describes and revokes the caller's feed, and reads a feed by its secret."""

    ctx: ServiceContext

    async def create_feed(self, user_id: UUID) -> str:
        """Make the caller a new feed secret, replacing (and so revoking) any earlier one.

        Returns the secret, which is not kept anywhere: the caller builds the URL from it.
        """
        secret = new_secret()
        feed = CalendarFeed(user_id=user_id, token_hash=secret_hash(secret), created_at=self.ctx.clock.now())

        async def work(uow: UnitOfWork) -> None:
            await uow.calendar.replace_feed(feed)

        await self.ctx.write(work)
        return secret

    async def feed(self, user_id: UUID) -> CalendarFeed | None:
        """The caller's feed (its hash and creation time), or ``None`` when they have none."""
        return await self.ctx.read(lambda uow: uow.calendar.feed_of(user_id))

    async def revoke(self, user_id: UUID) -> None:
        """Remove the caller's feed, if any; its URL answers 404 from now on."""

        async def work(uow: UnitOfWork) -> None:
            await uow.calendar.remove_feed(user_id)

        await self.ctx.write(work)

    async def events(self, secret: str) -> list[CalendarEvent] | None:
        """The events of the feed whose secret is ``secret``; ``None`` when no feed has it.

        One read unit of work: the feed's lookup and one statement per kind of item. Items
        dated from :data:`~offertracker_core.calendar.FEED_HISTORY_DAYS` ago on are shown.
        """
        if not is_secret_shaped(secret):
            return None
        presented = secret_hash(secret)
        since = window_start(today_of(self.ctx.clock))

        async def work(uow: UnitOfWork) -> list[CalendarEvent] | None:
            feed = await uow.calendar.feed_by_hash(presented)
            # The lookup found the row by its hash; comparing again in constant time keeps the
            # answer from depending on how much of a guessed hash a database comparison matched.
            if feed is None or not hmac.compare_digest(feed.token_hash, presented):
                return None
            return events_of(await uow.calendar.dated_items(feed.user_id, since, MAX_EVENTS_PER_KIND))

        return await self.ctx.read(work)
