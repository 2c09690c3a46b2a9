"""HS256 access tokens shaped like Supabase's (behaviour.md §2)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

from offertracker_core.clock import SystemClock
from offertracker_core.entities import User
from offertracker_core.errors import InvalidToken
from offertracker_core.ports import Clock, TokenClaims

__all__ = ["AUDIENCE", "JwtTokens"]

AUDIENCE = "authenticated"
_ALGORITHM = "HS256"
ISSUED_AT_US = "iat_us"
"""Our claim: the issue time in whole microseconds since the epoch (``iat`` has only seconds)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _invalid(reason: str) -> InvalidToken:
    return InvalidToken(f"Invalid or expired token: {reason}")


class JwtTokens:
    """The ``TokenIssuer`` and ``TokenVerifier`` ports for locally signed tokens.

    Tokens carry ``sub`` (the user id), ``aud`` and ``role`` ("authenticated"),
    ``iat`` and ``exp``, and ``iat_us`` -- deliberately no ``email``: a token is readable by
    anyone who holds it (logs, proxies, browser storage) and the server needs
    only ``sub``. An ``email`` claim in a token from elsewhere (Supabase) is
    still read into the claims. Verification accepts HS256 only
    (``alg: none`` and everything else is refused), requires ``exp``, ``sub`` and
    ``aud``, and judges expiry by the injected clock (the system clock by
    default) so tests control time.

    ``iat_us`` is the issue time to the microsecond, read into
    ``TokenClaims.issued_at``: revocation (``AuthService.authenticate``) refuses
    tokens issued before the user's ``tokens_valid_after``, and ``iat``'s whole
    seconds cannot tell a token issued just before a logout from the fresh one a
    password change hands out in the same second. A token without ``iat_us``
    (from elsewhere) counts as issued at the start of its ``iat`` second, so in
    the second of a revocation it is refused rather than let through.
    """

    # A front end sends the same token with every request for an hour; re-verifying
    # the signature and re-parsing the claims each time was a tenth of the cost of a
    # small read. Only tokens that passed verification are remembered, keyed by
    # their exact text, and expiry is still judged on every use.
    _CACHE_SIZE = 4096

    def __init__(self, secret: str, ttl_seconds: int = 3600, *, clock: Clock | None = None) -> None:
        self._secret = secret
        self._ttl = timedelta(seconds=ttl_seconds)
        self._clock: Clock = clock or SystemClock()
        self._verified: dict[str, tuple[float, TokenClaims]] = {}

    def issue(self, user: User) -> str:
        """A signed access token for ``user``, valid for the configured lifetime."""
        now = self._clock.now()
        claims = {
            "sub": str(user.id),
            "aud": AUDIENCE,
            "role": AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int((now + self._ttl).timestamp()),
            ISSUED_AT_US: (now - _EPOCH) // timedelta(microseconds=1),
        }
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    async def verify(self, token: str) -> TokenClaims:
        """The claims of ``token``, or ``InvalidToken("Invalid or expired token: <reason>")``."""
        now = self._clock.now().timestamp()
        cached = self._verified.get(token)
        if cached is not None:
            exp, claims = cached
            if exp <= now:
                del self._verified[token]
                raise _invalid("token has expired")
            return claims
        payload = self._decode(token)
        exp = payload["exp"]
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            raise _invalid("exp is not a number")
        if exp <= now:
            raise _invalid("token has expired")
        claims = self._claims(payload)
        if len(self._verified) >= self._CACHE_SIZE:
            del self._verified[next(iter(self._verified))]  # the oldest entry
        self._verified[token] = (exp, claims)
        return claims

    @staticmethod
    def _claims(payload: dict[str, Any]) -> TokenClaims:
        subject = payload["sub"]
        try:
            user_id = UUID(subject)
        except (TypeError, ValueError, AttributeError):
            raise _invalid("subject is not a user id") from None
        email = payload.get("email")
        metadata = payload.get("user_metadata")
        return TokenClaims(
            user_id=user_id,
            email=email if isinstance(email, str) else None,
            metadata=metadata if isinstance(metadata, dict) else {},
            issued_at=_issued_at(payload),
        )

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                audience=AUDIENCE,
                # Expiry is checked against our clock after decoding; iat/nbf are not ours to judge.
                options={
                    "require": ["exp", "sub", "aud"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.MissingRequiredClaimError as error:
            raise _invalid(f"missing {error.claim}") from None
        except jwt.InvalidAudienceError:
            raise _invalid("wrong audience") from None
        except jwt.InvalidAlgorithmError:
            raise _invalid("algorithm not allowed") from None
        except jwt.InvalidSignatureError:
            raise _invalid("bad signature") from None
        except jwt.DecodeError:
            raise _invalid("malformed token") from None
        except jwt.InvalidTokenError as error:
            raise _invalid(str(error) or "rejected") from None


def _issued_at(payload: dict[str, Any]) -> datetime | None:
    """``iat_us`` exactly, else the start of the ``iat`` second, else ``None`` (a claim that is
    not a number of datetime's range is ignored)."""
    for claim, unit in ((ISSUED_AT_US, timedelta(microseconds=1)), ("iat", timedelta(seconds=1))):
        value = payload.get(claim)
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                return _EPOCH + math.floor(value) * unit
            except (OverflowError, ValueError):  # out of datetime's range, inf, nan: try the next
                continue
    return None
