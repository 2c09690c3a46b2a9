"""Every response carries the security headers, whatever its status and whoever answered it.

Authenticated responses also forbid caching; public ones leave caching alone.
The ``Server`` header names the product without any version.
"""

from __future__ import annotations

from aiohttp import web

from offertracker_http.middlewares import public

from .httpkit import API, register

SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Server": "OfferTracker",
}


def security_headers_of(resp) -> dict[str, list[str]]:
    return {name: resp.headers.getall(name, []) for name in SECURITY}


def expected() -> dict[str, list[str]]:
    return {name: [value] for name, value in SECURITY.items()}


async def test_a_public_200_carries_the_security_headers_but_no_cache_control(client):
    resp = await client.get("/")
    assert resp.status == 200
    assert security_headers_of(resp) == expected()
    assert "Cache-Control" not in resp.headers


async def test_an_authenticated_200_is_also_marked_no_store(client):
    _, headers = await register(client, "alice")
    resp = await client.get(f"{API}/users/me", headers=headers)
    assert resp.status == 200
    assert security_headers_of(resp) == expected()
    assert resp.headers.getall("Cache-Control") == ["no-store"]


async def test_a_401_for_a_missing_token_carries_the_security_headers_and_no_cache_control(client):
    resp = await client.get(f"{API}/users/me")
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    assert security_headers_of(resp) == expected()
    assert "Cache-Control" not in resp.headers


async def test_the_routers_own_404_and_405_carry_the_security_headers(client):
    not_found = await client.get(f"{API}/nothing-here")
    wrong_method = await client.patch(f"{API}/applications/")
    assert (not_found.status, wrong_method.status) == (404, 405)
    assert security_headers_of(not_found) == expected()
    assert security_headers_of(wrong_method) == expected()


async def test_a_422_after_authentication_carries_the_security_headers_and_no_store(client):
    _, headers = await register(client, "alice")
    resp = await client.post(f"{API}/applications/", headers=headers, json={"company_name": "Acme"})
    assert resp.status == 422
    assert security_headers_of(resp) == expected()
    assert resp.headers.getall("Cache-Control") == ["no-store"]


async def test_a_500_carries_the_security_headers(aiohttp_client, make_app):
    @public
    async def explode(request: web.Request) -> web.Response:
        raise RuntimeError("boom")

    app = make_app()
    app.router.add_get(f"{API}/test-only/explode", explode)
    client = await aiohttp_client(app)

    resp = await client.get(f"{API}/test-only/explode")
    assert resp.status == 500
    assert security_headers_of(resp) == expected()


async def test_a_cors_preflight_carries_the_security_headers(aiohttp_client, make_app):
    client = await aiohttp_client(make_app(cors_origins=("http://localhost:5173",)))
    resp = await client.options(
        f"{API}/applications/",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
    )
    assert resp.status == 200
    assert security_headers_of(resp) == expected()


async def test_the_server_header_names_no_python_or_aiohttp_version(client):
    resp = await client.get("/")
    assert resp.headers.getall("Server") == ["OfferTracker"]
    assert "aiohttp" not in resp.headers["Server"].lower()
