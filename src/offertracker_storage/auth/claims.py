"""What every bearer-token verifier shares (behaviour.md §2).

``JwtTokens`` (tokens this server signs) and ``SupabaseTokens`` (tokens a
Supabase project signs) differ only in where the key comes from. Checking the
signature and the audience, reading the claims, judging expiry by the injected
clock, the reasons given for refusing a token and the memory of tokens that
passed are here, once, so both answer alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

from offertracker_core.errors import InvalidToken
from offertracker_core.ports import TokenClaims

__all__ = [
    "AUDIENCE",
    "EPOCH",
    "ISSUED_AT_US",
    "VerifiedTokens",
    "decode",
    "invalid",
    "issued_at",
]

AUDIENCE = "authenticated"
"""The ``aud`` (and ``role``) of every access token for a signed-in user."""
ISSUED_AT_US = "iat_us"
"""Our claim: the issue time in whole microseconds since the epoch (``iat`` has only seconds)."""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def invalid(reason: str) -> InvalidToken:
    """The 401 a refused token answers: ``Invalid or expired token: <reason>``."""
    return InvalidToken(f"Invalid or expired token: {reason}")


def decode(token: str, key: str | jwt.PyJWK, algorithm: str, *, issuer: str | None = None) -> dict[str, Any]:
    """The payload of ``token`` once its signature (by ``key``, with ``algorithm`` only), its
    audience and, when ``issuer`` is given, its issuer are right; else :func:`invalid`.

    ``exp``, ``sub`` and ``aud`` (and ``iss`` with an ``issuer``) are required; expiry is
    not judged here but by :meth:`VerifiedTokens.admit`, against the injected clock.
    """
    required = ["exp", "sub", "aud"] if issuer is None else ["exp", "sub", "aud", "iss"]
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=AUDIENCE,
            issuer=issuer,
            # Expiry is checked against our clock after decoding; iat/nbf are not ours to judge.
            options={
                "require": required,
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.MissingRequiredClaimError as error:
        raise invalid(f"missing {error.claim}") from None
    except jwt.InvalidAudienceError:
        raise invalid("wrong audience") from None
    except jwt.InvalidIssuerError:
        raise invalid("wrong issuer") from None
    except jwt.InvalidAlgorithmError:
        raise invalid("algorithm not allowed") from None
    except jwt.InvalidSignatureError:
        raise invalid("bad signature") from None
    except jwt.DecodeError:
        raise invalid("malformed token") from None
    except jwt.InvalidTokenError as error:
        raise invalid(str(error) or "rejected") from None


def issued_at(payload: dict[str, Any]) -> datetime | None:
    """``iat_us`` exactly, else the start of the ``iat`` second, else ``None`` (a claim that is
    not a number of datetime's range is ignored)."""
    for claim, unit in ((ISSUED_AT_US, timedelta(microseconds=1)), ("iat", timedelta(seconds=1))):
        value = payload.get(claim)
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                return EPOCH + math.floor(value) * unit
            except (OverflowError, ValueError):  # out of datetime's range, inf, nan: try the next
                continue
    return None


def _claims(payload: dict[str, Any]) -> TokenClaims:
    subject = payload["sub"]
    try:
        user_id = UUID(subject)
    except (TypeError, ValueError, AttributeError):
        raise invalid("subject is not a user id") from None
    email = payload.get("email")
    metadata = payload.get("user_metadata")
    return TokenClaims(
        user_id=user_id,
        email=email if isinstance(email, str) else None,
        metadata=metadata if isinstance(metadata, dict) else {},
        issued_at=issued_at(payload),
    )


class VerifiedTokens:
    """Tokens that passed verification, remembered by their exact text with their claims.

    A front end sends the same token with every request for an hour; re-verifying
    the signature and re-parsing the claims each time was a tenth of the cost of a
    small read. Only tokens whose signature was checked are admitted, so a tampered
    twin of a remembered token is still judged in full; expiry is judged on every
    use. At most ``size`` tokens are remembered, the oldest forgotten first.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._tokens: dict[str, tuple[float, TokenClaims]] = {}

    def recall(self, token: str, now: float) -> TokenClaims | None:
        """The claims of ``token`` if it is remembered (``None`` if not); ``invalid("token has
        expired")`` once ``now`` (seconds since the epoch) reached its ``exp``."""
        remembered = self._tokens.get(token)
        if remembered is None:
            return None
        exp, claims = remembered
        if exp <= now:
            del self._tokens[token]
            raise invalid("token has expired")
        return claims

    def admit(self, token: str, payload: dict[str, Any], now: float) -> TokenClaims:
        """The claims of ``token``, whose signature was just verified and whose ``payload``
        :func:`decode` returned, remembering them; :func:`invalid` if it has expired by
        ``now`` or its ``exp`` or ``sub`` is not what it must be."""
        exp = payload["exp"]
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            raise invalid("exp is not a number")
        if exp <= now:
            raise invalid("token has expired")
        claims = _claims(payload)
        if len(self._tokens) >= self._size:
            del self._tokens[next(iter(self._tokens))]  # the oldest entry
        self._tokens[token] = (exp, claims)
        return claims

    def clear(self) -> None:
        """Forget every token (a signing key was withdrawn: what it vouched for is judged again)."""
        self._tokens.clear()

    def __iter__(self) -> Iterator[str]:
        """The remembered tokens, oldest first."""
        return iter(self._tokens)

    def __len__(self) -> int:
        return len(self._tokens)
