"""``GuardedFetcher``: importers read the web only through it (SSRF guard, size and time caps).

A real aiohttp server on 127.0.0.1 plays the web. Where a test needs one address
allowed and another refused, it passes ``address_rule`` allowing 127.0.0.1 only:
every other loopback address (127.0.0.2, ::1) then stands for "private".
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from offertracker_core.importers import ImportRefused
from offertracker_http.fetching import GuardedFetcher, IPAddress, address_is_public

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]

ONLY_127_0_0_1 = ipaddress.ip_address("127.0.0.1")


def only_127_0_0_1(address: IPAddress) -> bool:
    return address == ONLY_127_0_0_1


async def jobs(request: web.Request) -> web.Response:
    return web.json_response({"jobs": [{"id": 1}]})


async def serve(aiohttp_server: ServerFactory, *routes: web.RouteDef) -> str:
    app = web.Application()
    app.add_routes([web.get("/jobs", jobs), *routes])
    server = await aiohttp_server(app)
    return f"http://127.0.0.1:{server.port}"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # the cloud metadata endpoint is link-local
        ("100.100.100.200", False),  # shared address space (another cloud's metadata)
        ("224.0.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00:ec2::254", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:8.8.8.8", True),
        ("2002:7f00:1::", False),  # 6to4 around 127.0.0.1
        ("ff02::1", False),
    ],
)
def test_only_global_unicast_addresses_are_public(address: str, public: bool) -> None:
    assert address_is_public(ipaddress.ip_address(address)) is public


async def test_a_page_is_fetched_whole_with_its_final_url_and_type(aiohttp_server: ServerFactory) -> None:
    base = await serve(aiohttp_server)
    async with GuardedFetcher(allow_private=True) as fetcher:
        page = await fetcher.fetch(f"{base}/jobs")
    assert (page.url, page.status, page.content_type) == (f"{base}/jobs", 200, "application/json")
    assert page.body == b'{"jobs": [{"id": 1}]}'


async def test_redirects_are_followed_to_the_page_they_lead_to(aiohttp_server: ServerFactory) -> None:
    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/jobs")

    base = await serve(aiohttp_server, web.get("/old", moved))
    async with GuardedFetcher(address_rule=only_127_0_0_1) as fetcher:
        page = await fetcher.fetch(f"{base}/old")
    assert page.url == f"{base}/jobs"
    assert page.body == b'{"jobs": [{"id": 1}]}'


async def test_a_loopback_address_is_refused_by_default(aiohttp_server: ServerFactory) -> None:
    base = await serve(aiohttp_server)
    async with GuardedFetcher() as fetcher:
        with pytest.raises(ImportRefused) as refused:
            await fetcher.fetch(f"{base}/jobs")
    assert str(refused.value) == f"{base}/jobs: refused, a private or reserved address"


async def test_a_name_that_resolves_to_a_private_address_is_refused_after_resolution(
    aiohttp_server: ServerFactory,
) -> None:
    base = await serve(aiohttp_server)
    url = base.replace("127.0.0.1", "localhost") + "/jobs"
    async with GuardedFetcher() as fetcher:
        with pytest.raises(ImportRefused) as refused:
            await fetcher.fetch(url)
    message = f"{url}: refused, localhost resolves to a private or reserved address ("
    assert str(refused.value).startswith(message)


async def test_a_redirect_to_a_private_address_is_refused(aiohttp_server: ServerFactory) -> None:
    async def to_private(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://127.0.0.2:{request.url.port}/jobs")

    base = await serve(aiohttp_server, web.get("/away", to_private))
    async with GuardedFetcher(address_rule=only_127_0_0_1) as fetcher:
        with pytest.raises(ImportRefused) as refused:
            await fetcher.fetch(f"{base}/away")
    port = base.rsplit(":", 1)[1]
    assert str(refused.value) == (
        f"http://127.0.0.2:{port}/jobs: refused, a private or reserved address (redirected from {base}/away)"
    )


async def test_a_redirect_to_another_scheme_is_refused(aiohttp_server: ServerFactory) -> None:
    async def to_file(request: web.Request) -> web.Response:
        raise web.HTTPFound("file:///etc/passwd")

    base = await serve(aiohttp_server, web.get("/file", to_file))
    async with GuardedFetcher(allow_private=True) as fetcher:
        with pytest.raises(ImportRefused) as refused:
            await fetcher.fetch(f"{base}/file")
    assert str(refused.value) == "file:///etc/passwd: only http and https URLs can be imported"


async def test_endless_redirects_stop_after_five(aiohttp_server: ServerFactory) -> None:
    hops = 0

    async def loop(request: web.Request) -> web.Response:
        nonlocal hops
        hops += 1
        raise web.HTTPFound("/loop")

    base = await serve(aiohttp_server, web.get("/loop", loop))
    async with GuardedFetcher(allow_private=True) as fetcher:
        with pytest.raises(ImportRefused) as refused:
            await fetcher.fetch(f"{base}/loop")
    assert str(refused.value) == f"{base}/loop: more than 5 redirects"
    assert hops == 6


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/jobs.csv", "file:///etc/passwd", "gopher://example.com/", "javascript:alert(1)"],
)
async def test_only_http_and_https_are_fetched(url: str) -> None:
    async with GuardedFetcher(allow_private=True) as fetcher:
        with pytest.raises(ImportRefused) as refused:
            await fetcher.fetch(url)
    assert str(refused.value) == f"{url}: only http and https URLs can be imported"


async def test_credentials_in_a_url_are_refused() -> None:
    async with GuardedFetcher(allow_private=True) as fetcher:
        with pytest.raises(ImportRefused) as refused:
            await fetcher.fetch("http://admin:secret@127.0.0.1/")
    assert str(refused.value) == "http://admin:secret@127.0.0.1/: URLs with credentials are not fetched"


async def test_an_http_error_is_refused_with_its_status(aiohttp_server: ServerFactory) -> None:
    base = await serve(aiohttp_server)
    async with GuardedFetcher(allow_private=True) as fetcher:
        with pytest.raises(ImportRefused) as refused:
            await fetcher.fetch(f"{base}/missing")
    assert str(refused.value) == f"{base}/missing answered HTTP 404"


async def test_a_body_larger_than_the_cap_is_refused_even_without_a_content_length(
    aiohttp_server: ServerFactory,
) -> None:
    async def streamed(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(4):
            await response.write(b"x" * 400)
        await response.write_eof()
        return response

    async def declared(request: web.Request) -> web.Response:
        return web.Response(body=b"y" * 2000)

    base = await serve(aiohttp_server, web.get("/streamed", streamed), web.get("/declared", declared))
    async with GuardedFetcher(allow_private=True, max_bytes=1000) as fetcher:
        for path in ("/streamed", "/declared"):
            with pytest.raises(ImportRefused) as refused:
                await fetcher.fetch(f"{base}{path}")
            assert str(refused.value) == f"{base}{path}: larger than 1000 bytes"
        assert (await fetcher.fetch(f"{base}/jobs")).status == 200


async def test_a_server_that_does_not_answer_in_time_is_refused(aiohttp_server: ServerFactory) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(text="too late")

    base = await serve(aiohttp_server, web.get("/slow", slow))
    async with GuardedFetcher(allow_private=True, timeout=0.3) as fetcher:
        started = asyncio.get_running_loop().time()
        with pytest.raises(ImportRefused) as refused:
            await fetcher.fetch(f"{base}/slow")
        elapsed = asyncio.get_running_loop().time() - started
    assert str(refused.value) == f"{base}/slow: no complete answer within 0.3 s"
    assert elapsed < 2


async def test_a_closed_port_is_refused_as_unreachable() -> None:
    async with GuardedFetcher(allow_private=True) as fetcher:
        with pytest.raises(ImportRefused) as refused:
            await fetcher.fetch("http://127.0.0.1:9/jobs")
    assert str(refused.value).startswith("http://127.0.0.1:9/jobs: cannot connect (")


async def test_a_page_is_decoded_by_the_charset_its_server_names(aiohttp_server: ServerFactory) -> None:
    async def latin(request: web.Request) -> web.Response:
        return web.Response(body="Zürich".encode("latin-1"), content_type="text/html", charset="latin-1")

    base = await serve(aiohttp_server, web.get("/latin", latin))
    async with GuardedFetcher(allow_private=True) as fetcher:
        page = await fetcher.fetch(f"{base}/latin")
    assert (page.charset, page.text()) == ("latin-1", "Zürich")
