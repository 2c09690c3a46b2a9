"""Access tokens a Supabase project signs, checked on every request (README "Deploy on Supabase")."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import jwt

from offertracker_core.clock import SystemClock
from offertracker_core.ports import Clock, TokenClaims

from ..auth.claims import VerifiedTokens, decode, invalid
from .calls import AUTH, calling, log, unavailable
from .project import SupabaseProject

__all__ = ["SERVICE", "SupabaseTokens"]

SERVICE = AUTH
_ASYMMETRIC = frozenset({"ES256", "RS256"})
"""What Supabase signs with under its JWT signing keys; the keys are in the project's JWKS."""
_LEGACY = "HS256"
"""What a project still on the legacy JWT secret signs with."""


class _UnreadableKeys(Exception):
    """The JWKS endpoint answered, but not with a JWKS (a bad status, another body)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class SupabaseTokens:
    """The ``TokenVerifier`` port for the access tokens of one Supabase project.

    A token signed ES256 or RS256 is checked with the key its header's ``kid``
    names in the project's JWKS; one signed HS256 with the legacy JWT secret,
    only when the project has one (legacy projects, and projects migrating to
    signing keys, accept both); ``none`` and every other algorithm are refused,
    and a key is used only for its own algorithm. ``exp``, ``sub``, ``aud`` and
    ``iss`` are required, ``aud`` must be "authenticated" and ``iss`` the
    project's Auth URL; expiry is judged by the injected clock. Refusals raise
    ``InvalidToken("Invalid or expired token: <reason>")`` with the reasons of
    :class:`~offertracker_storage.auth.JwtTokens` (shared: ``auth/claims.py``),
    plus "wrong issuer" and "unknown signing key".

    The JWKS is fetched with httpx (never blocking the event loop) on first need,
    kept ``jwks_ttl`` seconds, and fetched again early when a token names a key id
    it lacks (a key rotation) -- but at most once per ``refresh_interval`` seconds,
    counting every attempt, so a flood of tokens with made-up key ids costs Supabase
    one request per interval. Requests needing the keys at the same time share one
    fetch; keys past their time are fetched again in the background while they still
    serve. A fetch that fails, answers something other than a JWKS or takes longer
    than the project's timeout answers 503 (``Unavailable``) to the requests that
    could not be judged without it; keys fetched before are kept and still used for
    the key ids they know. Times are the injected clock's, so tests step through
    intervals without sleeping.
    """

    # Tokens that passed are remembered (claims.VerifiedTokens), as JwtTokens does.
    _CACHE_SIZE = 4096

    def __init__(
        self,
        project: SupabaseProject,
        *,
        clock: Clock | None = None,
        http: httpx.AsyncClient | None = None,
        refresh_interval: float = 30.0,
        jwks_ttl: float = 600.0,
    ) -> None:
        self._project = project
        self._clock: Clock = clock or SystemClock()
        self._own_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=project.timeout)
        self._refresh_interval = refresh_interval
        self._jwks_ttl = jwks_ttl
        self._keys: dict[str, jwt.PyJWK] | None = None
        """By key id; ``None`` until a fetch succeeded."""
        self._fetched_at = 0.0
        self._attempted_at: float | None = None
        self._fetching: asyncio.Task[dict[str, jwt.PyJWK]] | None = None
        self._verified = VerifiedTokens(self._CACHE_SIZE)

    async def aclose(self) -> None:
        """Stop a JWKS fetch under way and close the HTTP client if this verifier made it."""
        if self._fetching is not None:
            self._fetching.cancel()
        if self._own_http:
            await self._http.aclose()

    async def verify(self, token: str) -> TokenClaims:
        """The claims of ``token``, or ``InvalidToken("Invalid or expired token: <reason>")``;
        ``Unavailable`` (503) when judging it needs the project's keys and they cannot be fetched."""
        claims = self._verified.recall(token, self._now())
        if claims is None:
            key, algorithm = await self._key_for(token)
            payload = decode(token, key, algorithm, issuer=self._project.issuer)
            claims = self._verified.admit(token, payload, self._now())
        return claims

    def _now(self) -> float:
        return self._clock.now().timestamp()

    async def _key_for(self, token: str) -> tuple[str | jwt.PyJWK, str]:
        """The key ``token`` must be signed with, and the only algorithm it may be signed with."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise invalid("malformed token") from None
        algorithm = header.get("alg")
        # An empty secret (a blank setting) counts as none: it would be a key anyone can sign with,
        # and PyJWT refuses it with an error that is no InvalidToken (a 500 on every HS256 token).
        if algorithm == _LEGACY and self._project.jwt_secret:
            return self._project.jwt_secret, algorithm
        if algorithm not in _ASYMMETRIC:
            raise invalid("algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise invalid("unknown signing key")
        key = await self._signing_key(kid)
        if key.algorithm_name != algorithm:  # an RS256 key never checks an ES256 token, nor back
            raise invalid("algorithm not allowed")
        return key, algorithm

    async def _signing_key(self, kid: str) -> jwt.PyJWK:
        keys = self._keys
        if keys is None:
            keys = await self._fetch()
        elif kid not in keys:
            # A key id we do not know: a rotation, or made up. Fetch again only if no fetch was
            # tried within the interval (or join the one under way), else it stays unknown.
            if self._fetching is not None or self._may_fetch():
                keys = await self._fetch()
        elif not _within(self._now() - self._fetched_at, self._jwks_ttl) and self._may_fetch():
            # Known key, keys past their time: fetched again in the background while the keys
            # in hand still serve, so no request waits on Supabase for a key it has.
            self._start_fetch()
        key = keys.get(kid)
        if key is None:
            raise invalid("unknown signing key")
        return key

    def _may_fetch(self) -> bool:
        """Whether no fetch is under way and none was tried within the refresh interval."""
        if self._fetching is not None:
            return False
        return self._attempted_at is None or not _within(
            self._now() - self._attempted_at, self._refresh_interval
        )

    def _start_fetch(self) -> asyncio.Task[dict[str, jwt.PyJWK]]:
        task = self._fetching
        if task is None:
            self._attempted_at = self._now()
            task = asyncio.create_task(self._download())
            self._fetching = task
            task.add_done_callback(self._fetched)
        return task

    async def _fetch(self) -> dict[str, jwt.PyJWK]:
        """The project's keys fetched now, or by the fetch already under way; ``Unavailable``
        (a fresh one for each caller) when Supabase does not hand them over in time."""
        task = self._start_fetch()
        async with calling(SERVICE, self._project.timeout):
            try:
                # Shielded: a caller that gives up (its client went away) must not cancel the
                # fetch the others wait for.
                return await asyncio.shield(task)
            except _UnreadableKeys as error:
                raise unavailable(SERVICE, error.why) from None

    def _fetched(self, task: asyncio.Task[dict[str, jwt.PyJWK]]) -> None:
        if self._fetching is task:
            self._fetching = None
        if task.cancelled():
            return
        error = task.exception()  # retrieved here, so a failure nobody waited for is not "lost"
        if error is not None:
            log.warning(
                "%s signing keys could not be fetched (keys kept: %s): %r",
                SERVICE,
                self._keys is not None,
                error,
            )

    async def _download(self) -> dict[str, jwt.PyJWK]:
        # Bounded here too, not only by each caller's `calling`: the fetch must end even when
        # every caller stopped waiting.
        async with asyncio.timeout(self._project.timeout):
            try:
                response = await self._http.get(
                    self._project.jwks_url, headers={"apikey": self._project.anon_key}
                )
            except httpx.TransportError:
                raise  # `calling` tells the callers Supabase is unreachable
            except httpx.HTTPError as error:
                raise _UnreadableKeys("its signing keys could not be read") from error
        if response.status_code != 200:
            raise _UnreadableKeys(f"its signing keys answered HTTP {response.status_code}")
        keys = _keys_of(response.content)
        if self._keys is not None and not self._keys.keys() <= keys.keys():
            # A key was withdrawn (revoked): tokens it vouched for must not be taken on memory.
            self._verified.clear()
        self._keys = keys
        self._fetched_at = self._now()
        return keys


def _within(elapsed: float, limit: float) -> bool:
    # A clock that went back counts as time passed: it must not stall refetches.
    return 0.0 <= elapsed < limit


def _keys_of(body: bytes) -> dict[str, jwt.PyJWK]:
    """The ES256/RS256 signing keys of a JWKS document, by key id; keys without an id, for
    another use or of another kind are skipped (a legacy project publishes none at all)."""
    try:
        document: Any = json.loads(body)
    except ValueError:
        raise _UnreadableKeys("its signing keys are not a JWKS") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise _UnreadableKeys("its signing keys are not a JWKS")
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK(entry)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError, AttributeError):
            continue  # one key we cannot use does not spoil the others
        if key.algorithm_name in _ASYMMETRIC:
            keys[entry["kid"]] = key
    return keys
