"""HS256 access tokens shaped like Supabase's (behaviour.md §2)."""

from __future__ import annotations

from datetime import timedelta
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


def _invalid(reason: str) -> InvalidToken:
    return InvalidToken(f"Invalid or expired token: {reason}")


class JwtTokens:
    """The ``TokenIssuer`` and ``TokenVerifier`` ports for locally signed tokens.

    Tokens carry ``sub`` (the user id), ``aud`` and ``role`` ("authenticated"),
    ``iat`` and ``exp`` -- deliberately no ``email``: a token is readable by
    anyone who holds it (logs, proxies, browser storage) and the server needs
    only ``sub``. An ``email`` claim in a token from elsewhere (Supabase) is
    still read into the claims. Verification accepts HS256 only
    (``alg: none`` and everything else is refused), requires ``exp``, ``sub`` and
    ``aud``, and judges expiry by the injected clock (the system clock by
    default) so tests control time.
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
