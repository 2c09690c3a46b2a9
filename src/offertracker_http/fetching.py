"""The guarded fetcher importers read the web through (the core's ``importers.Fetcher`` port).

Fetching a URL a user typed is a server-side request forgery risk: the server
would read its own loopback services, the private network or the cloud metadata
endpoint for them. So, unless ``allow_private`` is set:

- only ``http`` and ``https`` are fetched, with no credentials in the URL;
- a host that *is* an address is checked as written; a name is checked after DNS
  resolution, inside the connection's resolver, so the address checked is the
  address connected to (no second lookup a rebinding DNS server could answer
  differently);
- redirects are followed by hand (at most ``MAX_REDIRECTS``), each target checked
  the same way;
- refused: loopback, private (RFC 1918, unique-local), link-local (which holds
  the 169.254.169.254 metadata endpoint), multicast, reserved, unspecified,
  shared (carrier-grade NAT) addresses and the IPv4 addresses mapped or
  embedded in IPv6 ones — anything ``ipaddress`` does not call global.

Every fetch is capped in time (``timeout`` for the whole of it, redirects
included) and size (``max_bytes``, counted as the body streams in, whatever
``Content-Length`` says). Each refusal or failure is an ``ImportRefused`` whose
message can be shown to the person importing; nothing else escapes.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from offertracker_core.import_registry import size_text
from offertracker_core.importers import Fetched, ImportRefused

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "MAX_REDIRECTS",
    "AddressRefused",
    "AddressRule",
    "CheckingResolver",
    "GuardedFetcher",
    "IPAddress",
    "address_is_public",
]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_TIMEOUT = 15.0
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_USER_AGENT = "OfferTracker-importer/1 (+https://github.com/offertracker)"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressRule = Callable[[IPAddress], bool]


def address_is_public(address: IPAddress) -> bool:
    """Whether ``address`` may be fetched from by default: a global unicast address.

    IPv6 addresses that carry an IPv4 one (mapped ``::ffff:a.b.c.d``, 6to4,
    Teredo) are judged by the IPv4 address they lead to.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is not None:
            return address_is_public(embedded)
    return address.is_global and not address.is_multicast


class AddressRefused(OSError):
    """A resolved address the policy refuses (an ``OSError`` so aiohttp reports it as a DNS failure).

    Public, with :class:`CheckingResolver`, for other outbound callers (the webhooks plugin).
    """


class CheckingResolver(AbstractResolver):
    """Resolves through aiohttp's default resolver and refuses a name with any refused address.

    Refusing the whole name (not just dropping the bad addresses) keeps the
    answer simple to explain and denies a mixed public/private record.
    """

    def __init__(self, rule: AddressRule) -> None:
        self._inner = DefaultResolver()
        self._rule = rule

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            address = ipaddress.ip_address(result["host"].split("%")[0])
            if not self._rule(address):
                raise AddressRefused(f"{host} resolves to a private or reserved address ({address})")
        return results

    async def close(self) -> None:
        await self._inner.close()


class GuardedFetcher:
    """Fetches URLs for importers, refusing private addresses and capping size and time.

    An async context manager owning one ``aiohttp.ClientSession``::

        async with GuardedFetcher() as fetcher:
            page = await fetcher.fetch("https://boards-api.greenhouse.io/v1/boards/acme/jobs")

    ``allow_private`` lifts the address rule (intranet job boards; tests serving
    fixtures on 127.0.0.1) — the scheme, size and time caps still hold.
    ``address_rule`` replaces :func:`address_is_public` with another judgement
    (for example: public addresses plus one intranet subnet).
    """

    def __init__(
        self,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float = DEFAULT_TIMEOUT,
        allow_private: bool = False,
        address_rule: AddressRule = address_is_public,
    ) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.allow_private = allow_private
        self.address_rule = address_rule
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        resolver = DefaultResolver() if self.allow_private else CheckingResolver(self.address_rule)
        connector = aiohttp.TCPConnector(resolver=resolver, limit=8)
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": _USER_AGENT},
            # Our own total deadline governs; no ambient proxy settings or cookies carried along.
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.timeout),
            trust_env=False,
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session (idempotent)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch(self, url: str, *, accept: str = "*/*") -> Fetched:
        """GET ``url`` and return the whole response, or raise ``ImportRefused`` saying why not."""
        if self._session is None:
            raise RuntimeError("GuardedFetcher used outside `async with`")
        try:
            async with asyncio.timeout(self.timeout):
                return await self._follow(self._session, url, accept)
        except TimeoutError:
            raise ImportRefused(f"{url}: no complete answer within {self.timeout:g} s") from None

    async def _follow(self, session: aiohttp.ClientSession, url: str, accept: str) -> Fetched:
        target = self._checked(url, url)
        for _ in range(MAX_REDIRECTS + 1):
            try:
                async with session.get(
                    target, allow_redirects=False, headers={"Accept": accept}, auto_decompress=True
                ) as response:
                    if response.status in _REDIRECTS and "Location" in response.headers:
                        target = self._checked(url, str(target.join(URL(response.headers["Location"]))))
                        continue
                    if not 200 <= response.status < 300:
                        raise ImportRefused(f"{target} answered HTTP {response.status}")
                    body = await self._read(response, str(target))
                    return Fetched(
                        url=str(target),
                        status=response.status,
                        content_type=response.content_type,
                        body=body,
                        charset=response.charset,
                    )
            except aiohttp.ClientConnectorError as exc:
                if isinstance(exc.os_error, AddressRefused):
                    raise ImportRefused(f"{target}: refused, {exc.os_error}") from None
                raise ImportRefused(f"{target}: cannot connect ({exc.os_error.strerror or exc})") from None
            except aiohttp.ClientError as exc:
                raise ImportRefused(f"{target}: {type(exc).__name__} {exc}".rstrip()) from None
        raise ImportRefused(f"{url}: more than {MAX_REDIRECTS} redirects")

    async def _read(self, response: aiohttp.ClientResponse, where: str) -> bytes:
        declared = response.content_length
        if declared is not None and declared > self.max_bytes:
            raise ImportRefused(f"{where}: larger than {size_text(self.max_bytes)}")
        body = bytearray()
        async for chunk in response.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > self.max_bytes:
                raise ImportRefused(f"{where}: larger than {size_text(self.max_bytes)}")
        return bytes(body)

    def _checked(self, original: str, url: str) -> URL:
        """The parsed URL, or ``ImportRefused`` when its scheme, form or literal address is refused."""
        try:
            parsed = URL(url)
        except ValueError:
            raise ImportRefused(f"{url}: not a valid URL") from None
        if parsed.scheme not in {"http", "https"}:
            raise ImportRefused(f"{url}: only http and https URLs can be imported")
        if not parsed.host:
            raise ImportRefused(f"{url}: the URL names no host")
        if parsed.user is not None or parsed.password is not None:
            raise ImportRefused(f"{url}: URLs with credentials are not fetched")
        if not self.allow_private:
            try:
                literal = ipaddress.ip_address(parsed.host.strip("[]").split("%")[0])
            except ValueError:
                literal = None  # a name: checked by the resolver when connecting
            if literal is not None and not self.address_rule(literal):
                via = "" if url == original else f" (redirected from {original})"
                raise ImportRefused(f"{url}: refused, a private or reserved address{via}")
        return parsed
