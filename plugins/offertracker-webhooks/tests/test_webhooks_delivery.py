"""The deliverer against a local receiver, on SQLite and PostgreSQL.

Outbox and webhook rows are written straight to the tables, as the outbox
writer leaves them; time is a fake clock that moves only when told, the jitter
a seeded ``random.Random``. The receiver is on 127.0.0.1, so private addresses
are allowed except in the address tests.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import Connection, event, func, select
from tests.unit.fakes import FakeClock
from webhook_support import SECRET, START, Receiver, add_delivery, add_user, add_webhook, run_sql

from offertracker_core.clock import SystemClock
from offertracker_storage import SqlStorage
from offertracker_webhooks.deliverer import Claimed, Deliverer
from offertracker_webhooks.schedule import retry_delay
from offertracker_webhooks.settings import WebhookSettings
from offertracker_webhooks.signing import verify
from offertracker_webhooks.tables import webhook_attempts, webhook_deliveries, webhooks

SETTINGS = WebhookSettings(timeout=2.0, allow_private=True)
SEED = 7


def deliverer(storage: SqlStorage, clock: FakeClock, settings: WebhookSettings = SETTINGS) -> Deliverer:
    return Deliverer(storage, settings, clock, random.Random(SEED))


async def delivery_row(storage: SqlStorage, seq: int) -> Any:
    return await run_sql(
        storage,
        lambda conn: conn.execute(select(webhook_deliveries).where(webhook_deliveries.c.seq == seq)).one(),
    )


async def webhook_row(storage: SqlStorage, webhook_id: UUID) -> Any:
    return await run_sql(
        storage, lambda conn: conn.execute(select(webhooks).where(webhooks.c.id == webhook_id)).one()
    )


async def attempts_of(storage: SqlStorage, seq: int) -> list[Any]:
    def read(conn: Connection) -> list[Any]:
        query = select(webhook_attempts).where(webhook_attempts.c.delivery_seq == seq)
        return list(conn.execute(query.order_by(webhook_attempts.c.id)))

    result: list[Any] = await run_sql(storage, read)
    return result


async def test_a_delivery_is_posted_signed_with_the_exact_body_and_recorded_delivered(
    storage: SqlStorage, receiver: Receiver
) -> None:
    clock = FakeClock(START)
    user = await add_user(storage)
    hook = await add_webhook(storage, user, receiver.url())
    body = '{"type":"application.created","data":{"company":"Zürich AG","role":"Data — Lead"}}'
    seq, event_id = await add_delivery(storage, hook, body=body)

    async with deliverer(storage, clock) as worker:
        assert await worker.run_once() == 1

    [request] = receiver.requests
    assert request.body == body.encode()
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "OfferTracker-Webhooks/1"
    assert request.headers["X-OfferTracker-Event"] == "application.created"
    assert request.headers["X-OfferTracker-Delivery"] == str(event_id)
    signature = request.headers["X-OfferTracker-Signature"]
    assert signature.startswith(f"t={int(START.timestamp())},v1=")
    assert verify(SECRET, signature, request.body, now=int(START.timestamp()))
    assert not verify("whsec_someone-else", signature, request.body, now=int(START.timestamp()))
    row = await delivery_row(storage, seq)
    assert (row.state, row.attempts, row.finished_at, row.lease_until) == ("delivered", 1, START, None)
    [attempt] = await attempts_of(storage, seq)
    assert (attempt.attempt, attempt.status_code, attempt.error, attempt.event_id) == (1, 200, None, event_id)
    assert attempt.attempted_at == START
    assert 0 <= attempt.duration_ms < 2000


async def test_500_and_429_are_retried_at_the_scheduled_times_and_404_fails_without_retry(
    storage: SqlStorage, receiver: Receiver
) -> None:
    clock = FakeClock(START)
    hook = await add_webhook(storage, await add_user(storage), receiver.url())
    seq, _ = await add_delivery(storage, hook)
    receiver.script["/hook"] = [500, 429, 404]
    expected = random.Random(SEED)  # the deliverer's jitter, drawn in the same order
    first_wait = retry_delay(1, expected)
    second_wait = retry_delay(2, expected)

    async with deliverer(storage, clock) as worker:
        assert await worker.run_once() == 1
        row = await delivery_row(storage, seq)
        assert (row.state, row.attempts, row.lease_until) == ("pending", 1, None)
        assert row.next_attempt_at == START + first_wait
        assert await worker.run_once() == 0  # not due yet

        clock.current = START + first_wait - timedelta(seconds=1)
        assert await worker.run_once() == 0
        clock.current = START + first_wait
        assert await worker.run_once() == 1
        row = await delivery_row(storage, seq)
        assert (row.state, row.attempts) == ("pending", 2)
        assert row.next_attempt_at == START + first_wait + second_wait

        clock.current = START + first_wait + second_wait
        assert await worker.run_once() == 1
        row = await delivery_row(storage, seq)
        assert (row.state, row.attempts, row.finished_at) == ("failed", 3, clock.current)

        clock.advance(days=1)
        assert await worker.run_once() == 0  # a 404 is never tried again

    attempts = await attempts_of(storage, seq)
    assert [(a.attempt, a.status_code, a.error) for a in attempts] == [
        (1, 500, None),
        (2, 429, None),
        (3, 404, None),
    ]
    assert len(receiver.requests) == 3
    hook_row = await webhook_row(storage, hook)
    assert (hook_row.active, hook_row.consecutive_failures, hook_row.disabled_reason) == (True, 1, None)


async def test_a_timeout_is_retried_with_the_error_shown(storage: SqlStorage, receiver: Receiver) -> None:
    clock = FakeClock(START)
    hook = await add_webhook(storage, await add_user(storage), receiver.url())
    seq, _ = await add_delivery(storage, hook)
    receiver.script["/hook"] = [("sleep", 3.0)]

    async with deliverer(storage, clock, WebhookSettings(timeout=0.3, allow_private=True)) as worker:
        assert await worker.run_once() == 1

    row = await delivery_row(storage, seq)
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == START + retry_delay(1, random.Random(SEED))
    [attempt] = await attempts_of(storage, seq)
    assert (attempt.status_code, attempt.error) == (None, "no answer within 0.3 s")
    assert 300 <= attempt.duration_ms < 1500


async def test_a_connection_refused_is_retried(storage: SqlStorage, receiver: Receiver) -> None:
    clock = FakeClock(START)
    hook = await add_webhook(storage, await add_user(storage), "http://127.0.0.1:9/hook")  # discard: closed
    seq, _ = await add_delivery(storage, hook)

    async with deliverer(storage, clock) as worker:
        assert await worker.run_once() == 1

    row = await delivery_row(storage, seq)
    assert (row.state, row.attempts) == ("pending", 1)
    [attempt] = await attempts_of(storage, seq)
    assert attempt.status_code is None
    assert attempt.error.startswith("cannot connect (")


async def test_after_the_retry_window_a_failing_delivery_is_given_up_and_the_webhook_disabled_saying_why(
    storage: SqlStorage, receiver: Receiver
) -> None:
    clock = FakeClock(START)
    hook = await add_webhook(storage, await add_user(storage), receiver.url())
    seq, _ = await add_delivery(storage, hook)
    later, _ = await add_delivery(storage, hook)
    receiver.default["/hook"] = 503

    async with deliverer(storage, clock) as worker:
        assert await worker.run_once() == 1
        clock.current = START + timedelta(hours=23, minutes=59)
        assert await worker.run_once() == 1
        assert (await delivery_row(storage, seq)).state == "pending"  # 23 h 59 min: still retried

        clock.current = START + timedelta(hours=24, minutes=30)
        assert await worker.run_once() == 1
        clock.advance(days=1)
        assert await worker.run_once() == 0  # the webhook is off: nothing more is sent

    row = await delivery_row(storage, seq)
    assert (row.state, row.attempts, row.finished_at) == (
        "failed",
        3,
        START + timedelta(hours=24, minutes=30),
    )
    hook_row = await webhook_row(storage, hook)
    assert hook_row.active is False
    assert (
        hook_row.disabled_reason
        == "Disabled on 2026-03-02: deliveries failed for 24 hours (last error: HTTP 503)"
    )
    assert hook_row.consecutive_failures == 1
    assert (await delivery_row(storage, later)).state == "pending"  # kept, in order, for when it is back on
    assert len(receiver.requests) == 3


async def test_ten_refused_deliveries_in_a_row_disable_the_webhook_and_a_success_resets_the_count(
    storage: SqlStorage, receiver: Receiver
) -> None:
    clock = FakeClock(START)
    user = await add_user(storage)
    flaky = await add_webhook(storage, user, receiver.url("/flaky"))
    gone = await add_webhook(storage, user, receiver.url("/gone"))
    for _ in range(4):
        await add_delivery(storage, flaky)
    for _ in range(11):
        await add_delivery(storage, gone)
    receiver.script["/flaky"] = [400, 400, 400, 200]
    receiver.default["/gone"] = 410

    async with deliverer(storage, clock) as worker:
        for _ in range(4):
            assert await worker.run_once() == 2  # one head of each webhook per round
        assert (await webhook_row(storage, flaky)).consecutive_failures == 0
        for _ in range(5):
            assert await worker.run_once() == 1
        nine = await webhook_row(storage, gone)
        assert (nine.active, nine.consecutive_failures) == (True, 9)
        assert await worker.run_once() == 1
        assert await worker.run_once() == 0

    hook_row = await webhook_row(storage, gone)
    assert (hook_row.active, hook_row.consecutive_failures) == (False, 10)
    assert (
        hook_row.disabled_reason
        == "Disabled on 2026-03-01: 10 deliveries in a row failed (last error: HTTP 410)"
    )
    assert len(receiver.at("/gone")) == 10
    pending = await run_sql(
        storage,
        lambda conn: conn.execute(
            select(func.count()).where(
                webhook_deliveries.c.webhook_id == gone, webhook_deliveries.c.state == "pending"
            )
        ).scalar_one(),
    )
    assert pending == 1


async def test_a_webhooks_deliveries_arrive_in_commit_order_even_when_the_first_needs_retries(
    storage: SqlStorage, receiver: Receiver
) -> None:
    clock = FakeClock(START)
    user = await add_user(storage)
    ordered = await add_webhook(storage, user, receiver.url("/ordered"))
    other = await add_webhook(storage, user, receiver.url("/other"))
    events = [(await add_delivery(storage, ordered))[1] for _ in range(3)]
    other_event = (await add_delivery(storage, other))[1]
    receiver.script["/ordered"] = [500, 502]

    async with deliverer(storage, clock) as worker:
        assert await worker.run_once() == 2  # the first of /ordered fails; /other is not held up
        assert await worker.run_once() == 0  # the later two wait behind the retried head
        for _ in range(10):
            clock.advance(seconds=3600)
            await worker.run_once()

    delivered = [UUID(request.headers["X-OfferTracker-Delivery"]) for request in receiver.at("/ordered")]
    assert delivered == [events[0], events[0], events[0], events[1], events[2]]
    assert [UUID(r.headers["X-OfferTracker-Delivery"]) for r in receiver.at("/other")] == [other_event]


def session_of(worker: str) -> Callable[[], aiohttp.ClientSession]:
    """A client session whose requests say which deliverer sent them."""
    return lambda: aiohttp.ClientSession(headers={"X-Worker": worker})


async def test_two_deliverers_on_one_database_deliver_each_event_exactly_once(
    webhooks_url: str, storage: SqlStorage, receiver: Receiver
) -> None:
    user = await add_user(storage)
    receiver.delay = 0.01  # sends overlap, so the two deliverers compete for the heads
    hooks = [await add_webhook(storage, user, receiver.url(f"/h{n}")) for n in range(4)]
    events = [(await add_delivery(storage, hook))[1] for hook in hooks for _ in range(8)]
    settings = WebhookSettings(timeout=5.0, concurrency=3, poll=0.05, allow_private=True)
    other_storage = await SqlStorage.open(webhooks_url)  # as a second process would have
    stop = asyncio.Event()
    try:
        first = Deliverer(storage, settings, SystemClock(), session_factory=session_of("first"))
        second = Deliverer(other_storage, settings, SystemClock(), session_factory=session_of("second"))
        runs = [asyncio.create_task(first.run(stop)), asyncio.create_task(second.run(stop))]
        await receiver.wait_for(len(events), within=30)

        def delivered(conn: Connection) -> int:
            query = select(func.count()).where(webhook_deliveries.c.state == "delivered")
            return int(conn.execute(query).scalar_one())

        for _ in range(100):  # the last results are being recorded
            if await storage.read_sql(delivered) == len(events):
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*runs), timeout=10)
        await first.aclose()
        await second.aclose()
    finally:
        stop.set()
        await other_storage.close()

    assert await storage.read_sql(delivered) == 32
    hits = Counter(UUID(request.headers["X-OfferTracker-Delivery"]) for request in receiver.requests)
    by_worker = Counter(request.headers["X-Worker"] for request in receiver.requests)
    assert by_worker["first"] + by_worker["second"] == 32
    assert by_worker["first"] > 0
    assert by_worker["second"] > 0  # both took part
    assert len(hits) == 32
    assert set(hits) == set(events)
    assert set(hits.values()) == {1}
    for n, hook in enumerate(hooks):  # and each webhook's in commit order
        sent = [UUID(r.headers["X-OfferTracker-Delivery"]) for r in receiver.at(f"/h{n}")]
        assert sent == events[n * 8 : (n + 1) * 8], hook


async def test_a_wake_sends_a_fresh_event_at_once_and_stop_ends_the_loop(
    storage: SqlStorage, receiver: Receiver
) -> None:
    hook = await add_webhook(storage, await add_user(storage), receiver.url())
    settings = WebhookSettings(timeout=2.0, poll=60.0, allow_private=True)
    stop = asyncio.Event()
    async with Deliverer(storage, settings, SystemClock()) as worker:
        loop = asyncio.create_task(worker.run(stop))
        await asyncio.sleep(0.2)  # the loop's first look found nothing; the next poll is a minute away
        seq, event_id = await add_delivery(storage, hook, at=SystemClock().now())
        worker.wake()

        await receiver.wait_for(1, within=5)
        stop.set()
        await asyncio.wait_for(loop, timeout=5)

    assert [r.headers["X-OfferTracker-Delivery"] for r in receiver.requests] == [str(event_id)]
    assert (await delivery_row(storage, seq)).state == "delivered"


async def test_pruning_deletes_finished_deliveries_and_attempts_past_the_retention_only(
    storage: SqlStorage, receiver: Receiver
) -> None:
    clock = FakeClock(START)
    hook = await add_webhook(storage, await add_user(storage), receiver.url())
    old, _ = await add_delivery(storage, hook)
    async with deliverer(storage, clock) as worker:
        assert await worker.run_once() == 1
        clock.advance(days=8)
        recent, _ = await add_delivery(storage, hook, at=clock.now())
        assert await worker.run_once() == 1
        stuck, _ = await add_delivery(storage, hook, at=START)  # pending, however old: kept
        receiver.default["/hook"] = 500
        assert await worker.prune() == (1, 1)

    assert await run_sql(
        storage, lambda conn: [r.seq for r in conn.execute(select(webhook_deliveries.c.seq))]
    ) in (
        [recent, stuck],
        [stuck, recent],
    )
    assert [a.delivery_seq for a in await attempts_of(storage, recent)] == [recent]
    assert await attempts_of(storage, old) == []


class FlakyDeliverer(Deliverer):
    """A deliverer whose first two claims fail as if the database were away."""

    failures = 2

    async def claim(self, limit: int) -> list[Claimed]:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database away")
        return await super().claim(limit)


async def test_the_loop_survives_failing_claims_and_delivers_once_they_work(
    storage: SqlStorage, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    hook = await add_webhook(storage, await add_user(storage), receiver.url())
    seq, _ = await add_delivery(storage, hook, at=SystemClock().now())
    stop = asyncio.Event()
    settings = WebhookSettings(poll=0.05, allow_private=True)
    async with FlakyDeliverer(storage, settings, SystemClock()) as worker:
        loop = asyncio.create_task(worker.run(stop))
        await receiver.wait_for(1, within=5)
        stop.set()
        await asyncio.wait_for(loop, timeout=5)

    assert worker.failures == 0
    claims_failed = [
        r for r in caplog.records if r.getMessage().startswith("webhook deliverer: claiming failed")
    ]
    assert len(claims_failed) == 2
    assert (await delivery_row(storage, seq)).state == "delivered"


async def test_on_stop_a_send_in_flight_is_finished_and_recorded(
    storage: SqlStorage, receiver: Receiver
) -> None:
    hook = await add_webhook(storage, await add_user(storage), receiver.url())
    seq, _ = await add_delivery(storage, hook, at=SystemClock().now())
    receiver.delay = 0.5
    stop = asyncio.Event()
    async with Deliverer(storage, WebhookSettings(poll=0.05, allow_private=True), SystemClock()) as worker:
        loop = asyncio.create_task(worker.run(stop))
        await receiver.wait_for(1, within=5)
        stop.set()  # while the receiver is still answering
        await asyncio.wait_for(loop, timeout=5)

    row = await delivery_row(storage, seq)
    assert (row.state, row.attempts) == ("delivered", 1)
    assert [a.status_code for a in await attempts_of(storage, seq)] == [200]


async def test_with_nothing_due_a_claim_only_reads(storage: SqlStorage, receiver: Receiver) -> None:
    # An idle server asks every poll; on SQLite a write transaction would take the write lock.
    clock = FakeClock(START)
    hook = await add_webhook(storage, await add_user(storage), receiver.url())
    await add_delivery(storage, hook, at=START + timedelta(minutes=5))  # not due yet
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    for engine in storage.sync_engines:
        event.listen(engine, "before_cursor_execute", seen)
    try:
        async with deliverer(storage, clock) as worker:
            assert await worker.claim(4) == []
    finally:
        for engine in storage.sync_engines:
            event.remove(engine, "before_cursor_execute", seen)
    [only] = statements
    assert only.startswith("SELECT webhook_deliveries.seq FROM webhook_deliveries WHERE")
    assert "FOR UPDATE" not in only


async def test_no_more_deliveries_are_in_flight_than_the_concurrency_allows(
    storage: SqlStorage, aiohttp_server: Any
) -> None:
    in_flight, most, arrived = 0, 0, 0

    async def slow(request: web.Request) -> web.Response:
        nonlocal in_flight, most, arrived
        in_flight += 1
        arrived += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.2)
        in_flight -= 1
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/{hook}", slow)
    server = await aiohttp_server(app, host="127.0.0.1")
    user = await add_user(storage)
    hooks = [await add_webhook(storage, user, str(server.make_url(f"/h{n}"))) for n in range(6)]
    for hook in hooks:  # six heads, all due at once
        await add_delivery(storage, hook, at=SystemClock().now())
    settings = WebhookSettings(timeout=5.0, concurrency=2, poll=0.05, allow_private=True)
    stop = asyncio.Event()
    async with Deliverer(storage, settings, SystemClock()) as worker:
        loop = asyncio.create_task(worker.run(stop))
        for _ in range(100):
            if arrived == len(hooks) and in_flight == 0:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(loop, timeout=10)
    assert (arrived, most) == (6, 2)
