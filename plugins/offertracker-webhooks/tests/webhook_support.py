"""Helpers of the webhooks plugin's tests: the recording receiver, and rows written straight to the tables."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import attrs
from aiohttp.test_utils import TestServer
from sqlalchemy import Connection, insert

from offertracker_storage import SqlStorage
from offertracker_storage.sql.tables import users
from offertracker_webhooks.tables import webhook_deliveries, webhooks

START = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
"""Where the tests' fake clock starts (FakeClock's own default)."""
SECRET = "whsec_test-secret-0123456789"


@attrs.frozen
class Recorded:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes


Action = int | tuple[str, float] | tuple[str, str]
"""An answer: a status; ``("sleep", seconds)`` then 200; ``("redirect", location)`` (302)."""


@attrs.define
class Receiver:
    """The local receiver: ``requests`` in arrival order, ``script[path]`` the answers to give in turn.

    When a path's script runs out it answers ``default[path]`` (200 unless set). Every
    answer waits ``delay`` seconds first. ``wait_for(n)`` returns once ``n`` requests came.
    """

    server: TestServer
    requests: list[Recorded] = attrs.Factory(list)
    script: dict[str, list[Action]] = attrs.Factory(dict)
    default: dict[str, int] = attrs.Factory(dict)
    delay: float = 0.0
    arrived: asyncio.Event = attrs.Factory(asyncio.Event)

    async def wait_for(self, count: int, *, within: float = 10.0) -> None:
        """Return once ``count`` requests have arrived; ``TimeoutError`` after ``within`` seconds."""
        async with asyncio.timeout(within):
            while len(self.requests) < count:
                self.arrived.clear()
                await self.arrived.wait()

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        """The receiver's URL for ``path`` (with another host spelling if wanted)."""
        return f"http://{host}:{self.server.port}{path}"

    def at(self, path: str) -> list[Recorded]:
        """The requests to ``path``."""
        return [request for request in self.requests if request.path == path]


async def run_sql(storage: SqlStorage, fn: Callable[[Connection], Any]) -> Any:
    """Run ``fn`` in one committed write transaction of ``storage``; its result."""
    return await storage.write_sql(fn)


async def add_user(storage: SqlStorage, name: str = "maya") -> UUID:
    """A ``users`` row (the webhooks' foreign key), written straight to the table."""
    user_id = uuid4()
    await run_sql(
        storage,
        lambda conn: conn.execute(
            insert(users).values(
                id=user_id,
                email=f"{name}@example.com",
                username=name,
                is_profile_public=False,
                profile_visibility="private",
                streak_days=0,
                created_at=START,
                updated_at=START,
            )
        ),
    )
    return user_id


async def add_webhook(
    storage: SqlStorage, user_id: UUID, url: str, *, secret: str = SECRET, active: bool = True
) -> UUID:
    """A ``webhooks`` row for every event type."""
    webhook_id = uuid4()
    await run_sql(
        storage,
        lambda conn: conn.execute(
            insert(webhooks).values(
                id=webhook_id,
                user_id=user_id,
                url=url,
                events=None,
                active=active,
                secret=secret,
                consecutive_failures=0,
                created_at=START,
                updated_at=START,
            )
        ),
    )
    return webhook_id


async def add_delivery(
    storage: SqlStorage,
    webhook_id: UUID,
    *,
    at: datetime = START,
    event_type: str = "application.created",
    body: str | None = None,
) -> tuple[int, UUID]:
    """A pending outbox row as the writer makes it (due at ``at``); its ``seq`` and event id."""
    event_id = uuid4()
    text = body if body is not None else f'{{"id":"{event_id}","type":"{event_type}"}}'

    def write(conn: Connection) -> int:
        row = conn.execute(
            insert(webhook_deliveries)
            .values(
                webhook_id=webhook_id,
                event_id=event_id,
                event_type=event_type,
                body=text,
                state="pending",
                attempts=0,
                next_attempt_at=at,
                created_at=at,
            )
            .returning(webhook_deliveries.c.seq)
        ).one()
        return int(row.seq)

    return await run_sql(storage, write), event_id
