"""The importers' outbound rules hold for deliveries: http/https only, no private addresses, no redirects.

Private addresses are checked as written in the URL and, for a name, after DNS
resolution (``localhost`` resolves to a loopback address). The receiver on
127.0.0.1 proves nothing reached it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import aiohttp
import pytest
from sqlalchemy import select
from tests.unit.fakes import FakeClock
from webhook_support import START, Receiver, add_delivery, add_user, add_webhook, run_sql

from offertracker_storage import SqlStorage
from offertracker_webhooks.deliverer import Deliverer
from offertracker_webhooks.sender import AttemptResult, Verdict, make_session, send
from offertracker_webhooks.settings import WebhookSettings
from offertracker_webhooks.tables import webhook_attempts, webhook_deliveries

LOCALHOST_REFUSED = "address not allowed: localhost resolves to a private or reserved address ("


@pytest.fixture
async def guarded() -> AsyncIterator[aiohttp.ClientSession]:
    """A delivery session with the address rule on."""
    session = make_session(concurrency=2, allow_private=False)
    try:
        yield session
    finally:
        await session.close()


async def post(session: aiohttp.ClientSession, url: str, *, allow_private: bool = False) -> AttemptResult:
    return await send(
        session,
        url=url,
        secret="whsec_x",
        body=b"{}",
        event_type="application.created",
        event_id=uuid4(),
        timestamp=int(START.timestamp()),
        within=2.0,
        allow_private=allow_private,
    )


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("10.1.2.3", "10.1.2.3"),
        ("192.168.0.10", "192.168.0.10"),
        ("169.254.169.254", "169.254.169.254"),
        ("[::1]", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("0.0.0.0", "0.0.0.0"),
    ],
)
async def test_a_private_loopback_or_metadata_address_in_the_url_is_refused_before_connecting(
    guarded: aiohttp.ClientSession, receiver: Receiver, host: str, address: str
) -> None:
    result = await post(guarded, f"http://{host}:{receiver.server.port}/hook")

    assert result.verdict is Verdict.REFUSED
    assert result.status_code is None
    assert result.error == f"address not allowed: {address} is a private or reserved address"
    assert receiver.requests == []


async def test_a_name_resolving_to_loopback_is_refused_after_resolution(
    guarded: aiohttp.ClientSession, receiver: Receiver
) -> None:
    result = await post(guarded, receiver.url(host="localhost"))

    assert result.verdict is Verdict.REFUSED
    assert result.status_code is None
    assert result.error is not None
    assert result.error.startswith(
        "address not allowed: localhost resolves to a private or reserved address ("
    )
    assert result.error.removesuffix(")").rsplit("(", 1)[1] in {"127.0.0.1", "::1"}
    assert receiver.requests == []


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "gopher://example.com/"])
async def test_only_http_and_https_are_posted_to(guarded: aiohttp.ClientSession, url: str) -> None:
    result = await post(guarded, url)

    assert (result.verdict, result.status_code, result.error) == (
        Verdict.REFUSED,
        None,
        "only http and https URLs are allowed",
    )


async def test_a_redirect_is_not_followed_and_fails_the_delivery(receiver: Receiver) -> None:
    receiver.script["/hook"] = [("redirect", receiver.url("/elsewhere"))]
    async with make_session(concurrency=1, allow_private=True) as session:
        result = await post(session, receiver.url(), allow_private=True)

    assert (result.verdict, result.status_code, result.error) == (
        Verdict.REFUSED,
        302,
        "redirects are not followed",
    )
    assert [request.path for request in receiver.requests] == ["/hook"]


async def test_with_private_addresses_allowed_a_loopback_receiver_is_delivered_to(receiver: Receiver) -> None:
    async with make_session(concurrency=1, allow_private=True) as session:
        result = await post(session, receiver.url(host="localhost"), allow_private=True)

    assert (result.verdict, result.status_code, result.error) == (Verdict.DELIVERED, 200, None)
    assert len(receiver.requests) == 1


async def test_a_webhook_pointing_at_localhost_fails_its_delivery_with_the_reason_logged(
    storage: SqlStorage, receiver: Receiver
) -> None:
    clock = FakeClock(START)
    hook = await add_webhook(storage, await add_user(storage), receiver.url(host="localhost"))
    seq, _ = await add_delivery(storage, hook)

    async with Deliverer(storage, WebhookSettings(allow_private=False), clock) as worker:
        assert await worker.run_once() == 1

    state = await run_sql(
        storage,
        lambda conn: conn.execute(
            select(webhook_deliveries.c.state).where(webhook_deliveries.c.seq == seq)
        ).scalar_one(),
    )
    error = await run_sql(
        storage,
        lambda conn: conn.execute(
            select(webhook_attempts.c.error).where(webhook_attempts.c.delivery_seq == seq)
        ).scalar_one(),
    )
    assert state == "failed"
    assert error.startswith(LOCALHOST_REFUSED)
    assert receiver.requests == []
