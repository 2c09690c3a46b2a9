"""``/api/v1/webhooks`` on the real app: create, list, edit, delete, rotate, bounds, ownership."""

from __future__ import annotations

import asyncio

import pytest
from app_support import add_webhook
from sqlalchemy import func, select, update
from tests.http.httpkit import Pattern, call, create_application, register

from offertracker_webhooks.outbox import ALL_EVENT_TYPES
from offertracker_webhooks.service import MAX_WEBHOOKS_PER_USER
from offertracker_webhooks.tables import webhook_deliveries, webhooks

HOOK = "https://hooks.example.com/offertracker"
UUID_TEXT = Pattern(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>")
TIME = Pattern(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", "<datetime>")


async def test_a_new_webhook_shows_its_secret_once_and_is_listed_without_it(webhook_app, db):
    client, _ = await webhook_app()
    user, headers = await register(client, "alice")
    created = await add_webhook(client, headers, HOOK)
    assert created == {
        "id": UUID_TEXT,
        "url": HOOK,
        "events": None,
        "active": True,
        "disabled_reason": None,
        "created_at": TIME,
        "updated_at": TIME,
        "secret": Pattern(r"whsec_[A-Za-z0-9_-]{43}", "<secret>"),
    }
    listed = await call(client, "GET", "/webhooks/", headers, expect=200)
    assert listed == [{key: value for key, value in created.items() if key != "secret"}]
    with db.connect() as conn:
        row = conn.execute(select(webhooks)).one()
    assert (str(row.user_id), row.url, row.secret, row.consecutive_failures) == (
        user["id"],
        HOOK,
        created["secret"],
        0,
    )


async def test_chosen_events_are_kept_once_each_in_the_order_given(webhook_app):
    client, _ = await webhook_app()
    _, headers = await register(client, "alice")
    chosen = ["stage.added", "application.created", "stage.added"]
    created = await add_webhook(client, headers, HOOK, events=chosen, active=False)
    assert (created["events"], created["active"]) == (["stage.added", "application.created"], False)


@pytest.mark.parametrize(
    ("body", "loc", "kind", "message"),
    [
        (
            {"url": "ftp://hooks.example.com/x"},
            ["body", "url"],
            "url_scheme",
            "URL scheme should be 'http' or 'https'",
        ),
        (
            {"url": "hooks.example.com/x"},
            ["body", "url"],
            "url_parsing",
            "Input should be a valid URL, relative URL without a base",
        ),
        (
            {"url": "https://"},
            ["body", "url"],
            "url_parsing",
            "Input should be a valid URL, empty host or invalid character",
        ),
        (
            {"url": "https://x.example/" + "a" * 2100},
            ["body", "url"],
            "url_too_long",
            "URL should have at most 2083 characters",
        ),
        (
            {"url": HOOK, "events": ["application.exploded"]},
            ["body", "events", 0],
            "enum",
            "Input should be "
            + ", ".join(f"'{kind}'" for kind in ALL_EVENT_TYPES[:-1])
            + f" or '{ALL_EVENT_TYPES[-1]}'",
        ),
        ({"events": None}, ["body", "url"], "missing", "Field required"),
    ],
)
async def test_a_bad_url_or_event_type_is_a_422_and_writes_nothing(webhook_app, db, body, loc, kind, message):
    client, _ = await webhook_app()
    _, headers = await register(client, "alice")
    answer = await call(client, "POST", "/webhooks/", headers, json=body, expect=422)
    [error] = answer["detail"]
    assert (error["loc"], error["type"], error["msg"]) == (loc, kind, message)
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(webhooks)).scalar_one() == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest",
        "http://[::1]/",
        "https://localhost/hook",
        "http://[::ffff:192.168.0.1]/",
    ],
)
async def test_a_url_naming_a_private_address_is_refused_unless_allowed(webhook_app, url):
    client, _ = await webhook_app()
    _, headers = await register(client, "alice")
    answer = await call(client, "POST", "/webhooks/", headers, json={"url": url}, expect=422)
    assert answer["detail"][0]["loc"] == ["body", "url"]
    assert answer["detail"][0]["msg"].startswith("Value error, the URL points at a loopback, private")
    allowing, _ = await webhook_app(allow_private=True)
    _, bob = await register(allowing, "bob")
    assert (await add_webhook(allowing, bob, url))["url"] == url


async def test_an_edit_changes_only_the_fields_it_names(webhook_app, clock):
    client, _ = await webhook_app()
    _, headers = await register(client, "alice")
    created = await add_webhook(client, headers, HOOK, events=["stage.added"])
    path = f"/webhooks/{created['id']}"
    edited = await call(client, "PUT", path, headers, json={"active": False}, expect=200)
    assert (edited["url"], edited["events"], edited["active"]) == (HOOK, ["stage.added"], False)
    assert edited["updated_at"] > created["updated_at"]
    edited = await call(client, "PUT", path, headers, json={"events": None, "url": HOOK + "/v2"}, expect=200)
    assert (edited["url"], edited["events"], edited["active"]) == (HOOK + "/v2", None, False)
    invalid = await call(client, "PUT", path, headers, json={"active": "maybe"}, expect=422)
    assert invalid["detail"][0]["loc"] == ["body", "active"]


async def test_someone_elses_webhook_is_403_and_an_unknown_one_404(webhook_app):
    client, _ = await webhook_app()
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    hook = await add_webhook(client, alice, HOOK)
    unknown = "/webhooks/00000000-0000-4000-8000-000000000000"
    for method, suffix, body in [
        ("PUT", "", {"active": False}),
        ("DELETE", "", None),
        ("POST", "/secret", None),
        ("GET", "/deliveries", None),
    ]:
        foreign = await call(client, method, f"/webhooks/{hook['id']}{suffix}", bob, json=body, expect=403)
        assert foreign == {"detail": "Not your webhook"}
        missing = await call(client, method, unknown + suffix, bob, json=body, expect=404)
        assert missing == {"detail": "Webhook not found"}
    assert await call(client, "GET", "/webhooks/", bob, expect=200) == []
    resp = await client.get("/api/v1/webhooks/")
    assert resp.status == 401


async def test_rotating_the_secret_replaces_it_and_shows_the_new_one_once(webhook_app, db):
    client, _ = await webhook_app()
    _, headers = await register(client, "alice")
    created = await add_webhook(client, headers, HOOK)
    rotated = await call(client, "POST", f"/webhooks/{created['id']}/secret", headers, expect=200)
    assert rotated["secret"] != created["secret"]
    assert rotated["id"] == created["id"]
    with db.connect() as conn:
        assert conn.execute(select(webhooks.c.secret)).scalar_one() == rotated["secret"]


async def test_deleting_a_webhook_takes_its_waiting_deliveries_with_it(webhook_app, db):
    client, _ = await webhook_app()
    _, headers = await register(client, "alice")
    hook = await add_webhook(client, headers, HOOK)
    await create_application(client, headers)
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(webhook_deliveries)).scalar_one() == 2
    answer = await call(client, "DELETE", f"/webhooks/{hook['id']}", headers, expect=200)
    assert answer == {"detail": "Webhook deleted"}
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(webhook_deliveries)).scalar_one() == 0
    await call(client, "DELETE", f"/webhooks/{hook['id']}", headers, expect=404)


async def test_a_user_has_at_most_twenty_webhooks_even_when_two_requests_race_for_the_last(webhook_app, db):
    client, _ = await webhook_app()
    _, headers = await register(client, "alice")
    for index in range(MAX_WEBHOOKS_PER_USER - 1):
        await add_webhook(client, headers, f"{HOOK}/{index}")
    answers = await asyncio.gather(
        *(
            client.post("/api/v1/webhooks/", headers=headers, json={"url": f"{HOOK}/last{i}"})
            for i in range(2)
        )
    )
    assert sorted(resp.status for resp in answers) == [201, 400]
    [refused] = [resp for resp in answers if resp.status == 400]
    assert await refused.json() == {"detail": "A user can have at most 20 webhooks"}
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(webhooks)).scalar_one() == MAX_WEBHOOKS_PER_USER


async def test_turning_a_disabled_webhook_on_again_clears_why_and_resumes_its_deliveries(
    webhook_app, db, clock
):
    client, _ = await webhook_app()
    _, headers = await register(client, "alice")
    hook = await add_webhook(client, headers, HOOK)
    await create_application(client, headers)
    later = clock.peek().replace(year=clock.peek().year + 1)
    with db.begin() as conn:
        conn.execute(
            update(webhooks).values(
                active=False, disabled_reason="Disabled: it kept failing", consecutive_failures=10
            )
        )
        conn.execute(update(webhook_deliveries).values(next_attempt_at=later))
    disabled = await call(client, "GET", "/webhooks/", headers, expect=200)
    assert (disabled[0]["active"], disabled[0]["disabled_reason"]) == (False, "Disabled: it kept failing")
    edited = await call(client, "PUT", f"/webhooks/{hook['id']}", headers, json={"active": True}, expect=200)
    assert (edited["active"], edited["disabled_reason"]) == (True, None)
    with db.connect() as conn:
        assert conn.execute(select(webhooks.c.consecutive_failures)).scalar_one() == 0
        due = conn.execute(select(webhook_deliveries.c.next_attempt_at)).scalars().all()
    assert len(due) == 2
    assert all(moment < later for moment in due)
