"""``GET /``, the router's own 404/405 answers and the 500 that never leaks a traceback."""

from __future__ import annotations

import logging

from aiohttp import web

from offertracker_http.middlewares import public

from .httpkit import API, HEX_ID, register


async def test_the_root_welcomes_without_a_token(client):
    resp = await client.get("/")
    assert resp.status == 200
    assert await resp.json() == {"message": "Welcome to OfferTracker API"}


async def test_an_unknown_path_is_a_json_404_even_without_a_token(client):
    resp = await client.get(f"{API}/nothing-here")
    assert resp.status == 404
    assert resp.content_type == "application/json"
    assert await resp.json() == {"detail": "Not Found"}


async def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(client):
    resp = await client.patch(f"{API}/applications/")
    assert resp.status == 405
    assert resp.content_type == "application/json"
    assert await resp.json() == {"detail": "Method Not Allowed"}
    assert "GET" in resp.headers["Allow"]
    assert "POST" in resp.headers["Allow"]


async def test_a_failing_handler_answers_500_with_an_error_id_and_no_traceback(
    aiohttp_client, make_app, caplog
):
    @public
    async def explode(request: web.Request) -> web.Response:
        raise RuntimeError("secret internals: password=hunter2")

    app = make_app()
    app.router.add_get(f"{API}/test-only/explode", explode)
    client = await aiohttp_client(app)

    with caplog.at_level(logging.ERROR):
        resp = await client.get(f"{API}/test-only/explode")

    assert resp.status == 500
    body = await resp.json()
    assert body == {"detail": "Internal server error", "error_id": HEX_ID}
    text = await resp.text()
    assert "Traceback" not in text
    assert "hunter2" not in text
    assert body["error_id"] in caplog.text


async def test_an_unknown_path_under_a_real_resource_is_a_404_with_a_token(client):
    _, headers = await register(client, "alice")
    resp = await client.get(f"{API}/applications/00000000-0000-4000-8000-000000000000/notes", headers=headers)
    assert resp.status == 404
    assert await resp.json() == {"detail": "Not Found"}


async def test_a_wrong_method_on_an_id_path_is_a_405(client):
    resp = await client.post(f"{API}/applications/00000000-0000-4000-8000-000000000000")
    assert resp.status == 405
    assert await resp.json() == {"detail": "Method Not Allowed"}
