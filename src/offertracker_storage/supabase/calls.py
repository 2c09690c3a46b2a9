"""One bounded call to Supabase: a time limit, and a 503 instead of a 500 when it fails."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from offertracker_core.errors import Unavailable

__all__ = ["AUTH", "RETRY_AFTER", "STORAGE", "calling", "log", "unavailable"]

log = logging.getLogger("offertracker.supabase")
"""The one logger of the Supabase adapters."""

AUTH = "Supabase Auth"
STORAGE = "Supabase Storage"
"""How a 503's detail (and a log line) names the service that failed."""

RETRY_AFTER = 5
"""Seconds a client is told to wait before trying again after Supabase failed it."""


def unavailable(service: str, why: str) -> Unavailable:
    """The 503 a request answers when ``service`` ("Supabase Auth", "Supabase Storage") failed it."""
    error = Unavailable(f"{service} is unavailable ({why}); please try again")
    error.retry_after = RETRY_AFTER
    return error


@asynccontextmanager
async def calling(service: str, seconds: float) -> AsyncIterator[None]:
    """Run the body (calls to ``service``) within ``seconds``.

    Running out of time, a connection that cannot be made or breaks, and any other
    transport failure raise :func:`unavailable`; answers the caller must judge
    (a 4xx, a 5xx) are the body's to map, because what they mean differs per call.
    The time limit covers the whole body, however many requests it makes and
    however slowly the answer trickles in (httpx's own timeouts are per read).
    """
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        log.warning("%s did not answer within %g s", service, seconds)
        raise unavailable(service, f"no answer within {seconds:g} seconds") from None
    except httpx.TransportError as error:
        log.warning("%s could not be reached: %r", service, error)
        raise unavailable(service, "unreachable") from None
