"""HS256 access tokens shaped like Supabase's (behaviour.md §2)."""

from __future__ import annotations

from datetime import timedelta

import jwt

from offertracker_core.clock import SystemClock
from offertracker_core.entities import User
from offertracker_core.ports import Clock, TokenClaims

from .claims import AUDIENCE, EPOCH, ISSUED_AT_US, VerifiedTokens, decode

__all__ = ["AUDIENCE", "JwtTokens"]

_ALGORITHM = "HS256"


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

    # Tokens that passed are remembered (claims.VerifiedTokens): re-verifying the one a
    # front end sends with every request was a tenth of the cost of a small read.
    _CACHE_SIZE = 4096

    def __init__(self, secret: str, ttl_seconds: int = 3600, *, clock: Clock | None = None) -> None:
        self._secret = secret
        self._ttl = timedelta(seconds=ttl_seconds)
        self._clock: Clock = clock or SystemClock()
        self._verified = VerifiedTokens(self._CACHE_SIZE)

    def issue(self, user: User) -> str:
        """A signed access token for ``user``, valid for the configured lifetime."""
        now = self._clock.now()
        claims = {
            "sub": str(user.id),
            "aud": AUDIENCE,
            "role": AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int((now + self._ttl).timestamp()),
            ISSUED_AT_US: (now - EPOCH) // timedelta(microseconds=1),
        }
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    async def verify(self, token: str) -> TokenClaims:
        """The claims of ``token``, or ``InvalidToken("Invalid or expired token: <reason>")``."""
        now = self._clock.now().timestamp()
        claims = self._verified.recall(token, now)
        if claims is None:
            claims = self._verified.admit(token, decode(token, self._secret, _ALGORITHM), now)
        return claims
