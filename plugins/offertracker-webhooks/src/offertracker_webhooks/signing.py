"""Signing deliveries, and checking a signature the way a receiver does.

Every delivery carries ``X-OfferTracker-Signature: t=<unix time>,v1=<hex>``
where ``<hex>`` is the HMAC-SHA256, keyed with the webhook's secret, of the
timestamp, a dot and the exact body bytes (``f"{t}.".encode() + body``). The
timestamp is signed with the body so a recorded request cannot be replayed
later than the receiver's tolerance. :func:`verify` is the receiver's check the
README shows.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["SECRET_PREFIX", "TOLERANCE", "new_secret", "signature", "signature_header", "verify"]

SECRET_PREFIX = "whsec_"
TOLERANCE = 300
"""Seconds a signature's timestamp may be away from the receiver's clock, either way."""


def new_secret() -> str:
    """A fresh webhook secret: ``whsec_`` and 32 random bytes, URL-safe base64 (49 characters)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>." + body`` keyed with ``secret``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-OfferTracker-Signature`` value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    return f"t={timestamp},v1={signature(secret, body, timestamp)}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = TOLERANCE) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` at a time within ``tolerance`` s of ``now``.

    A malformed header, a timestamp too old or too far ahead, or a wrong
    signature are all ``False``; the comparison takes constant time. Several
    ``v1`` values are accepted (any one matching), so a sender may sign with
    two secrets while one is being rotated.
    """
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return False
        if key == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit():
                return False
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, body, timestamp)
    # Bytes, not str: compare_digest refuses a str with non-ASCII characters.
    return any(hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in candidates)
