"""Sending one delivery: a signed ``POST`` to the webhook's URL, judged by its answer.

The request carries the body exactly as the outbox holds it and these headers:

- ``Content-Type: application/json``, ``User-Agent: OfferTracker-Webhooks/1``
- ``X-OfferTracker-Event``: the event type, e.g. ``application.created``
- ``X-OfferTracker-Delivery``: the event id (the same on every retry: receivers de-duplicate on it)
- ``X-OfferTracker-Signature``: ``t=<unix time>,v1=<hex HMAC-SHA256>`` (:mod:`.signing`)

Outbound rules are the importers' (:mod:`offertracker_http.fetching`): only
``http`` and ``https``; unless private addresses are allowed, a host that is an
address is checked as written and a name after DNS resolution, inside the
connector's resolver (the address checked is the address connected to), and
loopback, private, link-local (the 169.254.169.254 metadata endpoint),
multicast and reserved addresses are refused. Redirects are not followed. The
whole request, answer included, is bounded by the timeout, and at most
:data:`READ_LIMIT` bytes of the answer are read.

The verdict: 2xx delivered; a timeout, a connection error, 429 or 5xx is
retried; any other 4xx, a 3xx or a refused address fails the delivery.
"""

from __future__ import annotations

import asyncio
import enum
import ipaddress
import time
from uuid import UUID

import aiohttp
import attrs
from aiohttp.resolver import DefaultResolver
from yarl import URL

from offertracker_http.fetching import AddressRefused, AddressRule, CheckingResolver, address_is_public

from .signing import signature_header

__all__ = ["READ_LIMIT", "USER_AGENT", "AttemptResult", "Verdict", "make_session", "refused_url", "send"]

USER_AGENT = "OfferTracker-Webhooks/1"
READ_LIMIT = 4096
"""Bytes of a receiver's answer read, only to finish the exchange; the rest is dropped."""


class Verdict(enum.Enum):
    """What one attempt means for its delivery."""

    DELIVERED = "delivered"
    """A 2xx answer."""
    RETRY = "retry"
    """A timeout, a connection error, 429 or 5xx: tried again later."""
    REFUSED = "refused"
    """Any other 4xx, a redirect, a refused address or URL: not tried again."""


@attrs.frozen
class AttemptResult:
    """The outcome of one POST, as logged in ``webhook_attempts``."""

    status_code: int | None
    """The HTTP status of the answer; ``None`` when there was none."""
    duration_ms: int
    error: str | None
    """Why it did not succeed, in words for the webhook's owner; ``None`` for a plain HTTP status."""
    verdict: Verdict


def make_session(
    *, concurrency: int, allow_private: bool, address_rule: AddressRule = address_is_public
) -> aiohttp.ClientSession:
    """A client session for deliveries, its connector resolving names through the address check.

    Call it inside the running event loop; close the session when done.
    """
    resolver = DefaultResolver() if allow_private else CheckingResolver(address_rule)
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=resolver, limit=max(concurrency, 1)),
        # Each send sets its own deadline; no ambient proxy settings, no cookies carried along.
        timeout=aiohttp.ClientTimeout(total=None),
        trust_env=False,
        cookie_jar=aiohttp.DummyCookieJar(),
    )


def judge(status: int) -> Verdict:
    """The verdict on an HTTP answer with ``status``."""
    if 200 <= status < 300:
        return Verdict.DELIVERED
    if status == 429 or status >= 500:
        return Verdict.RETRY
    return Verdict.REFUSED


def refused_url(url: str, *, allow_private: bool, address_rule: AddressRule) -> str | None:
    """Why ``url`` is not posted to before any connection, or ``None`` when it may be.

    Also what saving a webhook checks (:mod:`.service`), so a URL is judged alike then and
    at every delivery.
    """
    try:
        parsed = URL(url)
    except ValueError:
        return "not a valid URL"
    if parsed.scheme not in {"http", "https"}:
        return "only http and https URLs are allowed"
    if not parsed.host:
        return "the URL names no host"
    if not allow_private:
        try:
            literal = ipaddress.ip_address(parsed.host.strip("[]").split("%")[0])
        except ValueError:
            return None  # a name: the connector's resolver checks what it resolves to
        # aiohttp never asks the resolver about an address written in the URL: checked here.
        if not address_rule(literal):
            return f"address not allowed: {literal} is a private or reserved address"
    return None


async def send(
    session: aiohttp.ClientSession,
    *,
    url: str,
    secret: str,
    body: bytes,
    event_type: str,
    event_id: UUID,
    timestamp: int,
    within: float,
    allow_private: bool,
    address_rule: AddressRule = address_is_public,
) -> AttemptResult:
    """POST ``body`` to ``url``, signed with ``secret`` at ``timestamp``, within ``within`` seconds.

    Network failures are results, never exceptions.

    ``session`` should come from :func:`make_session` with the same
    ``allow_private``, whose resolver checks names; this checks the scheme and
    addresses written in the URL.
    """
    started = time.monotonic()

    def result(status: int | None, error: str | None, verdict: Verdict) -> AttemptResult:
        return AttemptResult(
            status_code=status,
            duration_ms=round((time.monotonic() - started) * 1000),
            error=error,
            verdict=verdict,
        )

    refusal = refused_url(url, allow_private=allow_private, address_rule=address_rule)
    if refusal is not None:
        return result(None, refusal, Verdict.REFUSED)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-OfferTracker-Event": event_type,
        "X-OfferTracker-Delivery": str(event_id),
        "X-OfferTracker-Signature": signature_header(secret, body, timestamp),
    }
    try:
        async with (
            asyncio.timeout(within),
            session.post(URL(url), data=body, headers=headers, allow_redirects=False) as response,
        ):
            await response.content.read(READ_LIMIT)
            status = response.status
    except TimeoutError:
        return result(None, f"no answer within {within:g} s", Verdict.RETRY)
    except aiohttp.ClientConnectorError as exc:
        if isinstance(exc.os_error, AddressRefused):
            return result(None, f"address not allowed: {exc.os_error}", Verdict.REFUSED)
        reason = exc.os_error.strerror or str(exc.os_error) or type(exc.os_error).__name__
        return result(None, f"cannot connect ({reason})", Verdict.RETRY)
    except aiohttp.InvalidURL:
        return result(None, "not a valid URL", Verdict.REFUSED)
    except aiohttp.ClientError as exc:
        detail = str(exc) or type(exc).__name__
        return result(None, f"connection failed ({detail})", Verdict.RETRY)
    verdict = judge(status)
    if 300 <= status < 400:
        return result(status, "redirects are not followed", Verdict.REFUSED)
    return result(status, None, verdict)
