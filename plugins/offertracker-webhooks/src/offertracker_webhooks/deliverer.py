"""The deliverer: takes due deliveries from the outbox, POSTs them, records what happened.

One loop per process (the server's, or ``offertracker webhooks run``'s), any
number of processes on one database:

1. **Claim**, in one short write transaction: of each *active* webhook, only its
   head is eligible (its pending delivery with the lowest ``seq``, so a later
   event waits while an earlier one is retried: per-webhook order is commit
   order), and only when due (``next_attempt_at`` passed) and not leased by
   another deliverer. The claimed rows get ``lease_until = now + timeout +``
   :data:`LEASE_MARGIN`. On PostgreSQL the rows are locked ``FOR UPDATE SKIP
   LOCKED``, so two processes never claim one row; on SQLite the write
   transaction (``BEGIN IMMEDIATE``, one writer at a time) already excludes that.
2. **Send**, outside any transaction, at most ``concurrency`` at once, each
   bounded by the timeout (:mod:`.sender`).
3. **Record** each result in its own short transaction: an attempt row, then

   - delivered: the delivery is finished; the webhook's run of failures ends;
   - retry: due again after :func:`.schedule.retry_delay`, unless the delivery is
     older than the retry window: then it fails and the webhook is disabled;
   - refused (a 4xx other than 429, a redirect, a refused address): the delivery
     fails at once; after :data:`DISABLE_AFTER` failed deliveries in a row the
     webhook is disabled.

   A disabled webhook's ``disabled_reason`` says when and why, with the last
   status or error. Its pending deliveries stay in the outbox, in order, for
   when it is switched on again.

A process killed mid-send leaves its claim to expire with the lease: the
delivery is sent again by whoever claims it next, which is why delivery is at
least once and receivers de-duplicate on ``X-OfferTracker-Delivery``.
Finished deliveries and attempts older than the retention are pruned about
once an hour.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self
from uuid import UUID

import aiohttp
import attrs
from sqlalchemy import Connection, delete, exists, insert, or_, select, update

from offertracker_core.ports import Clock
from offertracker_http.fetching import AddressRule, address_is_public
from offertracker_storage import SqlStorage

from .schedule import Uniform, gives_up, retry_delay
from .sender import AttemptResult, Verdict, make_session, send
from .settings import WebhookSettings
from .tables import webhook_attempts, webhook_deliveries, webhooks

__all__ = ["DISABLE_AFTER", "LEASE_MARGIN", "PRUNE_EVERY", "Claimed", "Deliverer"]

log = logging.getLogger("offertracker.webhooks")

DISABLE_AFTER = 10
"""Failed deliveries in a row (refused, or given up after the retry window) that disable a webhook."""
LEASE_MARGIN = timedelta(seconds=60)
"""Lease time beyond the send timeout, for recording the result."""
PRUNE_EVERY = 3600.0
"""Seconds between two prunings of old deliveries and attempts."""
MAX_BACKOFF = 60.0
"""The longest pause after repeated errors of the loop itself (a database away), seconds."""

_PENDING, _DELIVERED, _FAILED = "pending", "delivered", "failed"

_d = webhook_deliveries
_w = webhooks


@attrs.frozen
class Claimed:
    """A delivery claimed for sending, with what sending it needs."""

    seq: int
    webhook_id: UUID
    url: str
    secret: str
    event_id: UUID
    event_type: str
    body: str
    attempts: int
    """Attempts made before this one."""
    created_at: datetime


class Deliverer:
    """Delivers the outbox of one database (see the module docstring).

    ``storage`` is the server's ``SqlStorage`` (with the plugin's tables
    migrated), ``clock`` gives the times written and compared (a fake one in
    tests), ``rng`` the retry jitter (a seeded ``random.Random`` in tests),
    ``session_factory`` the aiohttp session to post with (by default one whose
    resolver refuses private addresses unless ``settings.allow_private``); the
    deliverer closes that session in :meth:`aclose`. Use it as an async context
    manager, or call :meth:`aclose` at the end.
    """

    def __init__(
        self,
        storage: SqlStorage,
        settings: WebhookSettings,
        clock: Clock,
        rng: Uniform | None = None,
        session_factory: Callable[[], aiohttp.ClientSession] | None = None,
        *,
        address_rule: AddressRule = address_is_public,
    ) -> None:
        self.storage = storage
        self.settings = settings
        self.clock = clock
        self.rng: Uniform = rng if rng is not None else random.Random()
        self.address_rule = address_rule
        self._session_factory = session_factory
        self._session: aiohttp.ClientSession | None = None
        self._wake = asyncio.Event()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session (idempotent); the storage is the caller's."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def wake(self) -> None:
        """Look at the outbox now instead of at the next poll (call it on the event loop's thread)."""
        self._wake.set()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            if self._session_factory is not None:
                self._session = self._session_factory()
            else:
                self._session = make_session(
                    concurrency=self.settings.concurrency,
                    allow_private=self.settings.allow_private,
                    address_rule=self.address_rule,
                )
        return self._session

    async def run_once(self) -> int:
        """Claim the due deliveries (up to ``concurrency``), send them all, record the results.

        Returns how many were attempted. Database errors propagate.
        """
        claimed = await self.claim(self.settings.concurrency)
        if claimed:
            await asyncio.gather(*(self.deliver(item) for item in claimed))
        return len(claimed)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set, then let the sends in flight finish and return.

        Claims whenever a send slot is free and something is due, looking again
        every ``poll`` seconds, at once when :meth:`wake` is called or a send
        ends. An error of the loop itself (the database away) is logged and
        followed by a growing pause; it never ends the loop.
        """
        in_flight: set[asyncio.Task[None]] = set()
        errors = 0
        last_prune: float | None = None
        stop_waiter = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                # Cleared before looking, so a wake-up arriving while we claim is not lost.
                self._wake.clear()
                pause = self.settings.poll
                try:
                    if last_prune is None or time.monotonic() - last_prune >= PRUNE_EVERY:
                        last_prune = time.monotonic()
                        await self.prune()
                    free = self.settings.concurrency - len(in_flight)
                    for item in await self.claim(free) if free > 0 else []:
                        task = asyncio.create_task(self._deliver_logged(item))
                        in_flight.add(task)
                        task.add_done_callback(self._sent(in_flight))
                    errors = 0
                except Exception:
                    errors += 1
                    pause = min(self.settings.poll * 2**errors, MAX_BACKOFF)
                    log.exception("webhook deliverer: claiming failed; trying again in %g s", pause)
                    await self._sleep(stop_waiter, pause, wakeable=False)
                    continue
                await self._sleep(stop_waiter, pause, wakeable=True)
        finally:
            stop_waiter.cancel()
            await self._finish(in_flight)

    def _sent(self, in_flight: set[asyncio.Task[None]]) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            in_flight.discard(task)
            self._wake.set()  # a slot is free: the next due delivery may go

        return done

    async def _sleep(self, stop_waiter: asyncio.Future[Any], seconds: float, *, wakeable: bool) -> None:
        waiters: set[asyncio.Future[Any]] = {stop_waiter}
        wake = asyncio.ensure_future(self._wake.wait()) if wakeable else None
        if wake is not None:
            waiters.add(wake)
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if wake is not None:
                wake.cancel()

    async def _finish(self, in_flight: set[asyncio.Task[None]]) -> None:
        """Let the sends in flight end (each is bounded by the timeout), then cancel what is left."""
        if not in_flight:
            return
        pending = set(in_flight)
        _, late = await asyncio.wait(pending, timeout=self.settings.timeout + LEASE_MARGIN.total_seconds())
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)

    async def _deliver_logged(self, item: Claimed) -> None:
        try:
            await self.deliver(item)
        except Exception:
            # The lease runs out and the delivery is claimed again: nothing is lost.
            log.exception(
                "webhook deliverer: recording delivery %s of webhook %s failed", item.seq, item.webhook_id
            )

    async def claim(self, limit: int) -> list[Claimed]:
        """Lease up to ``limit`` due deliveries, at most one per webhook (its head), oldest first."""
        if limit < 1:
            return []
        now = self.clock.now()

        def anything_due(conn: Connection) -> bool:
            due = select(_d.c.seq).where(_d.c.state == _PENDING, _d.c.next_attempt_at <= now).limit(1)
            return conn.execute(due).first() is not None

        # A read first: an idle server (the usual state) then never takes SQLite's write lock,
        # nor PostgreSQL row locks, just to find nothing.
        if not await self.storage.read_sql(anything_due):
            return []
        lease_until = now + timedelta(seconds=self.settings.timeout) + LEASE_MARGIN
        postgres = self.storage.dialect == "postgresql"

        def run(conn: Connection) -> list[Claimed]:
            earlier = _d.alias("earlier")
            query = (
                select(
                    _d.c.seq,
                    _d.c.webhook_id,
                    _w.c.url,
                    _w.c.secret,
                    _d.c.event_id,
                    _d.c.event_type,
                    _d.c.body,
                    _d.c.attempts,
                    _d.c.created_at,
                )
                .join(_w, _w.c.id == _d.c.webhook_id)
                .where(
                    _w.c.active.is_(True),
                    _d.c.state == _PENDING,
                    _d.c.next_attempt_at <= now,
                    or_(_d.c.lease_until.is_(None), _d.c.lease_until <= now),
                    # The head of its webhook: no pending delivery of the same webhook before it.
                    ~exists().where(
                        earlier.c.webhook_id == _d.c.webhook_id,
                        earlier.c.state == _PENDING,
                        earlier.c.seq < _d.c.seq,
                    ),
                )
                .order_by(_d.c.seq)
                .limit(limit)
            )
            if postgres:
                # A row another deliverer is claiming right now is skipped, not waited for; once it
                # commits its lease, the row no longer matches (PostgreSQL re-checks a locked row).
                query = query.with_for_update(of=_d, skip_locked=True)
            claimed = [Claimed(**row._asdict()) for row in conn.execute(query)]
            if claimed:
                conn.execute(
                    update(_d)
                    .where(_d.c.seq.in_([item.seq for item in claimed]))
                    .values(lease_until=lease_until)
                )
            return claimed

        return await self.storage.write_sql(run)

    async def deliver(self, item: Claimed) -> AttemptResult:
        """Send one claimed delivery and record the result; the result."""
        started = self.clock.now()
        result = await send(
            self._http(),
            url=item.url,
            secret=item.secret,
            body=item.body.encode(),
            event_type=item.event_type,
            event_id=item.event_id,
            timestamp=int(started.timestamp()),
            within=self.settings.timeout,
            allow_private=self.settings.allow_private,
            address_rule=self.address_rule,
        )
        await self.record(item, result, attempted_at=started)
        return result

    async def record(self, item: Claimed, result: AttemptResult, *, attempted_at: datetime) -> None:
        """Log the attempt and move the delivery (and maybe its webhook) on, in one transaction."""
        now = self.clock.now()
        window = self.settings.retry_window
        rng = self.rng

        def run(conn: Connection) -> None:
            # The webhook's row first, then the delivery's: the order every writer of both keeps
            # (the outbox writer and an edit of the webhook lock the webhook, then its deliveries),
            # so a result recorded while the owner turns the webhook back on cannot deadlock.
            conn.execute(select(_w.c.id).where(_w.c.id == item.webhook_id).with_for_update())
            query = select(_d.c.state, _d.c.attempts, _d.c.created_at).where(_d.c.seq == item.seq)
            row = conn.execute(query.with_for_update()).first()
            if row is None:
                return  # the webhook was deleted meanwhile, its outbox with it
            attempt = row.attempts + 1
            conn.execute(
                insert(webhook_attempts).values(
                    webhook_id=item.webhook_id,
                    delivery_seq=item.seq,
                    event_id=item.event_id,
                    event_type=item.event_type,
                    attempt=attempt,
                    attempted_at=attempted_at,
                    status_code=result.status_code,
                    duration_ms=result.duration_ms,
                    error=result.error,
                )
            )
            if row.state != _PENDING:
                return  # finished by another deliverer after our lease ran out: the attempt is logged
            this = _d.c.seq == item.seq
            if result.verdict is Verdict.DELIVERED:
                conn.execute(
                    update(_d)
                    .where(this)
                    .values(state=_DELIVERED, attempts=attempt, finished_at=now, lease_until=None)
                )
                conn.execute(update(_w).where(_w.c.id == item.webhook_id).values(consecutive_failures=0))
                return
            if result.verdict is Verdict.RETRY and not gives_up(row.created_at, now, window):
                conn.execute(
                    update(_d)
                    .where(this)
                    .values(
                        attempts=attempt,
                        next_attempt_at=now + retry_delay(attempt, rng),
                        lease_until=None,
                    )
                )
                return
            conn.execute(
                update(_d)
                .where(this)
                .values(state=_FAILED, attempts=attempt, finished_at=now, lease_until=None)
            )
            _count_failure(
                conn, item.webhook_id, result, now, window, gave_up=result.verdict is Verdict.RETRY
            )

        await self.storage.write_sql(run)

    async def prune(self) -> tuple[int, int]:
        """Delete finished deliveries and attempts older than the retention; how many of each."""
        cutoff = self.clock.now() - self.settings.retention

        def run(conn: Connection) -> tuple[int, int]:
            deliveries = conn.execute(
                delete(_d).where(_d.c.state != _PENDING, _d.c.finished_at < cutoff)
            ).rowcount
            attempts = conn.execute(
                delete(webhook_attempts).where(webhook_attempts.c.attempted_at < cutoff)
            ).rowcount
            return deliveries, attempts

        return await self.storage.write_sql(run)


def last_error(result: AttemptResult) -> str:
    """The last status or error of a webhook, as its disabled reason names it."""
    if result.error is not None:
        return result.error
    return f"HTTP {result.status_code}"


def _count_failure(
    conn: Connection,
    webhook_id: UUID,
    result: AttemptResult,
    now: datetime,
    window: timedelta,
    *,
    gave_up: bool,
) -> None:
    """One more failed delivery of the webhook; disable it when given up or at the limit."""
    conn.execute(
        update(_w).where(_w.c.id == webhook_id).values(consecutive_failures=_w.c.consecutive_failures + 1)
    )
    hook = conn.execute(select(_w.c.active, _w.c.consecutive_failures).where(_w.c.id == webhook_id)).first()
    if hook is None or not hook.active:
        return  # switched off already (by its owner, or by another deliverer): its reason stays
    day = now.date().isoformat()
    if gave_up:
        hours = f"{window.total_seconds() / 3600:g}"
        reason = f"Disabled on {day}: deliveries failed for {hours} hours (last error: {last_error(result)})"
    elif hook.consecutive_failures >= DISABLE_AFTER:
        reason = (
            f"Disabled on {day}: {hook.consecutive_failures} deliveries in a row failed "
            f"(last error: {last_error(result)})"
        )
    else:
        return
    conn.execute(
        update(_w).where(_w.c.id == webhook_id).values(active=False, disabled_reason=reason, updated_at=now)
    )
