"""``GET /metrics``: off unless asked for, behind its own token when given, counting exactly.

Every label value must come from a fixed set: route templates, methods, statuses
and limit names; never an id, an email or a concrete path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from limits import parse

from offertracker_http.keys import SERVICES
from offertracker_http.metrics import UNMATCHED
from offertracker_http.ops_settings import OpsSettings
from offertracker_http.throttle import LIMITS

from .httpkit import API, PASSWORD, auth, create_application, register
from .opskit import samples, scrape, value

REQUESTS = "offertracker_http_requests_total"
LATENCY = "offertracker_http_request_duration_seconds"
CONNECTIONS = "offertracker_db_connections_in_use"
REFUSALS = "offertracker_rate_limit_refusals_total"
TOKEN = "metrics-token-0123456789abcdef"
ONE_APPLICATION = f"{API}/applications/{{application_id}}"


@pytest.fixture
async def metrics_client(
    aiohttp_client: Callable[..., Any], make_app: Callable[..., web.Application]
) -> TestClient:
    client: TestClient = await aiohttp_client(make_app(ops=OpsSettings(metrics=True)))
    return client


async def test_metrics_are_not_served_unless_turned_on(client: TestClient) -> None:
    resp = await client.get("/metrics")
    assert resp.status == 404
    assert await resp.json() == {"detail": "Not Found"}


async def test_a_metrics_token_is_required_when_one_is_set(
    aiohttp_client: Callable[..., Any], make_app: Callable[..., web.Application]
) -> None:
    client = await aiohttp_client(make_app(ops=OpsSettings(metrics=True, metrics_token=TOKEN)))
    _, api_headers = await register(client, "alice")
    for headers in (
        {},
        auth(TOKEN[:-1]),
        auth(TOKEN + "x"),
        api_headers,
        {"Authorization": f"Basic {TOKEN}"},
    ):
        resp = await client.get("/metrics", headers=headers)
        assert resp.status == 401
        assert await resp.json() == {"detail": "Not authenticated"}
        assert resp.headers["WWW-Authenticate"] == "Bearer"
    text = await scrape(client, auth(TOKEN))
    assert value(text, REQUESTS, route="/metrics", method="GET", status="401") == 5


async def test_counters_and_histograms_move_by_exactly_the_requests_made(metrics_client: TestClient) -> None:
    client = metrics_client
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    for _ in range(3):
        assert (await client.get(f"{API}/applications/{application['id']}", headers=headers)).status == 200
    missing = "00000000-0000-4000-8000-000000000000"
    assert (await client.get(f"{API}/applications/{missing}", headers=headers)).status == 404
    assert (await client.get(f"{API}/applications/{application['id']}")).status == 401
    for _ in range(2):
        assert (await client.get("/no/such/path")).status == 404
    assert (await client.request("PROPFIND", "/healthz")).status == 405

    text = await scrape(client)

    assert value(text, REQUESTS, route=ONE_APPLICATION, method="GET", status="200") == 3
    assert value(text, REQUESTS, route=ONE_APPLICATION, method="GET", status="404") == 1
    assert value(text, REQUESTS, route=ONE_APPLICATION, method="GET", status="401") == 1
    assert value(text, REQUESTS, route=f"{API}/applications/", method="POST", status="201") == 1
    assert value(text, REQUESTS, route=f"{API}/auth/register", method="POST", status="201") == 1
    assert value(text, REQUESTS, route=UNMATCHED, method="GET", status="404") == 2
    assert value(text, REQUESTS, route=UNMATCHED, method="other", status="405") == 1
    assert value(text, f"{LATENCY}_count", route=ONE_APPLICATION, method="GET") == 5
    assert value(text, f"{LATENCY}_bucket", route=ONE_APPLICATION, method="GET", le="+Inf") == 5
    assert value(text, f"{LATENCY}_sum", route=ONE_APPLICATION, method="GET") > 0
    total = sum(s.value for s in samples(text) if s.name == REQUESTS)
    assert total == 10  # register, create, 3 + 1 + 1 reads, 2 unknown paths, 1 unknown method

    again = await scrape(client)
    assert value(again, REQUESTS, route="/metrics", method="GET", status="200") == 1
    assert value(again, REQUESTS, route=ONE_APPLICATION, method="GET", status="200") == 3


async def test_no_label_carries_an_id_an_email_or_a_concrete_path(metrics_client: TestClient) -> None:
    client = metrics_client
    user, headers = await register(client, "carol", email="carol.42@example.com")
    application = await create_application(client, headers, company="Acme 1234")
    await client.get(f"{API}/applications/{application['id']}", headers=headers)
    await client.get(f"{API}/applications/{application['id']}/stages", headers=headers)
    await client.get(f"{API}/users/{user['id']}", headers=headers)
    await client.get(f"{API}/applications/12345", headers=headers)
    await client.get(f"/carol.42@example.com/{user['id']}")
    await client.get(f"{API}/applications/?limit=7&status=Applied", headers=headers)

    text = await scrape(client)

    templates = {r.resource.canonical for r in client.app.router.routes() if r.resource is not None}
    labels = [(s.name, s.labels) for s in samples(text)]
    routes = {labels_["route"] for _, labels_ in labels if "route" in labels_}
    assert f"{API}/users/{{user_id}}" in routes
    assert routes <= templates | {UNMATCHED}
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}")
    for name, labels_ in labels:
        for key, label in labels_.items():
            if key == "le":
                continue  # a histogram bucket's bound
            assert not uuid.search(label), (name, labels_)
            for concrete in ("@", "12345", "?", "carol"):
                assert concrete not in label, (name, labels_)
            assert key != "status" or re.fullmatch(r"[1-5]\d\d", label), (name, labels_)


async def test_every_rate_limit_refusal_is_counted_under_its_limit(
    aiohttp_client: Callable[..., Any], make_app: Callable[..., web.Application]
) -> None:
    app = make_app(
        ops=OpsSettings(metrics=True),
        login_limit_account=parse("2/hour"),
        register_limit_address=parse("2/hour"),
    )
    client = await aiohttp_client(app)
    await register(client, "dave")
    wrong = {"email": "dave@example.com", "password": PASSWORD + "!"}
    statuses = [(await client.post(f"{API}/auth/login", json=wrong)).status for _ in range(4)]
    assert statuses == [401, 401, 429, 429]
    body = {"email": "erin@example.com", "username": "erin", "password": PASSWORD}
    assert (await client.post(f"{API}/auth/register", json=body)).status == 201
    assert (await client.post(f"{API}/auth/register", json=body)).status == 429

    text = await scrape(client)

    assert {limit: value(text, REFUSALS, limit=limit) for limit in LIMITS} == {
        "login_account": 2,
        "login_address": 0,
        "password_account": 0,
        "register_address": 1,
    }
    assert value(text, REQUESTS, route=f"{API}/auth/login", method="POST", status="429") == 2


async def test_the_connections_gauge_counts_a_held_connection_and_none_when_idle(
    metrics_client: TestClient,
) -> None:
    client = metrics_client
    await register(client, "frank")
    assert value(await scrape(client), CONNECTIONS) == 0

    storage = client.app[SERVICES].context.storage
    async with storage.read() as uow:
        await uow.users.get_by_email("frank@example.com")
        assert value(await scrape(client), CONNECTIONS) == 1

    assert value(await scrape(client), CONNECTIONS) == 0


async def test_openmetrics_is_served_to_a_scraper_that_asks_for_it(metrics_client: TestClient) -> None:
    resp = await metrics_client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("application/openmetrics-text")
    assert (await resp.text()).endswith("# EOF\n")
