"""Throttled guessing: how many failed logins and registrations one client may try.

Three moving windows (``limits``' moving-window strategy), each configured in
:class:`~offertracker_http.settings.Settings`: failed logins per account (the
lower-cased email, stored hashed), failed logins per client address, and
registration attempts per client address. A login is checked *before* its
password is verified, so a correct password inside a spent window is refused
like a wrong one, and only failures are counted; every registration that
reaches the service counts, successful or not. A refusal is
:class:`TooManyAttempts`, which the error middleware answers with 429 and
``Retry-After``; each refusal is also reported, by the name of the limit that
refused it (one of :data:`LIMITS`), to the observers added with
:meth:`Throttle.on_refusal` (the metrics count them).

The counters live in this process's memory, or in Redis (``redis_url``) so that
several server processes share them; both through ``limits``' asyncio API, so
no blocking Redis call runs on the event loop.

The client address is the peer address. ``X-Forwarded-For`` is believed only
when the peer is one of ``trusted_proxies``; then the client is the right-most
address of the chain that is not itself a trusted proxy. IPv6 clients are
counted per /64 network, the block a single subscriber is usually handed, so
one machine cannot rotate through its addresses to dodge the per-address limits.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import math
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from uuid import UUID

from aiohttp import web
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.storage.redis.redispy import RedispyBridge
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from offertracker_core.errors import InvalidCredentials, Unavailable, WrongPassword

from .settings import (
    DEFAULT_LOGIN_LIMIT_ACCOUNT,
    DEFAULT_LOGIN_LIMIT_ADDRESS,
    DEFAULT_REGISTER_LIMIT_ADDRESS,
    IPNetwork,
    Settings,
)

__all__ = ["LIMITS", "Throttle", "TooManyAttempts", "client_address", "open_throttle"]

LIMITS = ("login_account", "login_address", "password_account", "register_address")
"""The names refusals are reported under: failed logins per account and per address, failed
password confirmations per signed-in account, registrations per address."""

_UNAVAILABLE = "Attempts cannot be counted right now; please try again"
_MAX_OPAQUE_CLIENT = 100
"""Characters kept of a forwarded client that is not an IP address (it becomes part of a key)."""


class TooManyAttempts(Exception):
    """A window is spent; ``retry_after`` whole seconds (at least 1) until it allows another attempt: 429."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        self.detail = f"Too many attempts. Try again in {self.retry_after} seconds."
        super().__init__(self.detail)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # a dual-stack socket's view of an IPv4 client
    return address


def _counted_as(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def client_address(request: web.Request, trusted_proxies: Sequence[IPNetwork] = ()) -> str:
    """The client a request is counted against (see the module docstring).

    A forwarded entry that is not an IP address (written by a trusted proxy, so
    not chosen by the client) counts as itself, cut to 100 characters.
    """
    peer_text = request.remote or ""
    peer = _ip(peer_text)
    if peer is None:
        return peer_text[:_MAX_OPAQUE_CLIENT] or "unknown"  # e.g. a Unix socket
    if not any(peer in network for network in trusted_proxies):
        return _counted_as(peer)
    forwarded = ",".join(request.headers.getall("X-Forwarded-For", ()))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        address = _ip(hop)
        if address is None:
            return hop[:_MAX_OPAQUE_CLIENT]
        client = address
        if not any(address in network for network in trusted_proxies):
            break
    return _counted_as(client)


def _account(email: str) -> str:
    # Hashed so the counter store holds no email addresses, and keys have one length.
    return hashlib.sha256(email.lower().encode("utf-8")).hexdigest()[:32]


class Throttle:
    """The three attempt limits over one counter store; used by the auth routes around the core calls."""

    def __init__(
        self,
        storage: Storage,
        *,
        login_limit_account: RateLimitItem,
        login_limit_address: RateLimitItem,
        register_limit_address: RateLimitItem,
        trusted_proxies: Sequence[IPNetwork] = (),
    ) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._login_account = login_limit_account
        self._login_address = login_limit_address
        self._register_address = register_limit_address
        self._trusted = tuple(trusted_proxies)
        self._refusal_observers: list[Callable[[str], None]] = []

    @classmethod
    def in_memory(cls) -> Throttle:
        """This process's memory and the default limits; for apps built without settings."""
        return cls(
            MemoryStorage(wrap_exceptions=True),
            login_limit_account=parse(DEFAULT_LOGIN_LIMIT_ACCOUNT),
            login_limit_address=parse(DEFAULT_LOGIN_LIMIT_ADDRESS),
            register_limit_address=parse(DEFAULT_REGISTER_LIMIT_ADDRESS),
        )

    def on_refusal(self, observer: Callable[[str], None]) -> None:
        """Call ``observer`` with the limit's name (one of :data:`LIMITS`) on every refusal."""
        self._refusal_observers.append(observer)

    def _refused(self, limit: str) -> None:
        for observer in self._refusal_observers:
            observer(limit)

    def client(self, request: web.Request) -> str:
        """The client address ``request`` is counted against."""
        return client_address(request, self._trusted)

    def logging_in(self, request: web.Request, email: str) -> AbstractAsyncContextManager[None]:
        """Around a login: refused while the account (``email``) or the address has no failed
        login left, checked before the password is; counted when the core raises ``InvalidCredentials``."""
        account = ("login-account", _account(email))
        return self._guessing(request, account, InvalidCredentials, "login_account")

    def confirming_password(self, request: web.Request, user_id: UUID) -> AbstractAsyncContextManager[None]:
        """Around a core call that checks a signed-in caller's password (a password change, an
        account deletion), counted like a login (``WrongPassword``): a stolen token must not
        become a way to guess. The address shares the failed-login window."""
        return self._guessing(request, ("password-account", str(user_id)), WrongPassword, "password_account")

    @asynccontextmanager
    async def _guessing(
        self, request: web.Request, account: tuple[str, str], failure: type[Exception], limit: str
    ) -> AsyncIterator[None]:
        address = self.client(request)
        account_wait, address_wait = await asyncio.gather(
            self._wait(self._login_account, *account),
            self._wait(self._login_address, "login-address", address),
        )
        if max(account_wait, address_wait) > 0:
            # The wait is the longer of the two, and so is the limit the refusal is reported under.
            self._refused(limit if account_wait >= address_wait else "login_address")
            raise TooManyAttempts(max(account_wait, address_wait))
        try:
            yield
        except failure:
            await asyncio.gather(
                self._hit(self._login_account, *account),
                self._hit(self._login_address, "login-address", address),
            )
            raise

    async def register_attempt(self, address: str) -> None:
        """Count a registration attempt; raise :class:`TooManyAttempts` if the address has none left."""
        if not await self._hit(self._register_address, "register-address", address):
            self._refused("register_address")
            raise TooManyAttempts(await self._wait(self._register_address, "register-address", address))

    async def _hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        try:
            return await self._limiter.hit(item, *identifiers)
        except StorageError as exc:
            raise Unavailable(_UNAVAILABLE) from exc

    async def _wait(self, item: RateLimitItem, *identifiers: str) -> int:
        """Whole seconds until the window allows another attempt; 0 if it allows one now."""
        try:
            stats = await self._limiter.get_window_stats(item, *identifiers)
        except StorageError as exc:
            raise Unavailable(_UNAVAILABLE) from exc
        if stats.remaining > 0:
            return 0
        return max(1, math.ceil(stats.reset_time - time.time()))  # limits' windows run on time.time()


@asynccontextmanager
async def open_throttle(settings: Settings) -> AsyncIterator[Throttle]:
    """The throttle for ``settings``: counters in memory, or in Redis when ``redis_url`` is set.

    A Redis that does not answer a PING stops the start-up with a clear message;
    its connections are closed when the context is left.
    """
    if settings.redis_url is None:
        storage: Storage = MemoryStorage(wrap_exceptions=True)
    else:
        storage = RedisStorage(
            f"async+{settings.redis_url}",
            implementation="redispy",  # redis.asyncio; limits' default client would be coredis
            key_prefix=settings.server.limits_key_prefix,
            wrap_exceptions=True,
        )
        if not await storage.check():
            await _close(storage)
            raise RuntimeError("OFFERTRACKER_REDIS_URL: Redis did not answer (PING failed)")
    try:
        yield Throttle(
            storage,
            login_limit_account=settings.login_limit_account,
            login_limit_address=settings.login_limit_address,
            register_limit_address=settings.register_limit_address,
            trusted_proxies=settings.trusted_proxies,
        )
    finally:
        await _close(storage)


async def _close(storage: Storage) -> None:
    # limits has no close(); the redis.asyncio client is the bridge's.
    if isinstance(storage, RedisStorage) and isinstance(storage.bridge, RedispyBridge):
        await storage.bridge.storage.aclose()
