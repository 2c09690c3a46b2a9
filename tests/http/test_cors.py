"""CORS: a configured browser origin may call the API with bearer tokens (behaviour.md §1)."""

from __future__ import annotations

from .httpkit import API, register

ORIGIN = "http://localhost:5173"


async def test_a_preflight_from_an_allowed_origin_is_answered_without_a_token(aiohttp_client, make_app):
    client = await aiohttp_client(make_app(cors_origins=(ORIGIN,)))
    resp = await client.options(
        f"{API}/applications/",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    assert "authorization" in resp.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in resp.headers


async def test_an_actual_request_from_an_allowed_origin_carries_the_cors_header(aiohttp_client, make_app):
    client = await aiohttp_client(make_app(cors_origins=(ORIGIN,)))
    _, headers = await register(client, "alice")
    resp = await client.get(f"{API}/users/me", headers=headers | {"Origin": ORIGIN})
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN


async def test_a_401_still_reaches_the_browser_with_the_cors_header(aiohttp_client, make_app):
    client = await aiohttp_client(make_app(cors_origins=(ORIGIN,)))
    resp = await client.get(f"{API}/users/me", headers={"Origin": ORIGIN})
    assert resp.status == 401
    assert resp.headers.get("Access-Control-Allow-Origin") == ORIGIN


async def test_another_origin_gets_no_cors_grant(aiohttp_client, make_app):
    client = await aiohttp_client(make_app(cors_origins=(ORIGIN,)))
    resp = await client.options(
        f"{API}/applications/",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "Access-Control-Allow-Origin" not in resp.headers


async def test_without_configured_origins_no_cors_headers_are_sent(client):
    resp = await client.get("/", headers={"Origin": ORIGIN})
    assert resp.status == 200
    assert "Access-Control-Allow-Origin" not in resp.headers
