"""The outbox on the real app: a committed change queues its deliveries in its own transaction.

Each test changes something through the API and then reads ``webhook_deliveries``:
which rows the change left, in which order, and the exact JSON each will send.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any
from uuid import UUID

from aiohttp.test_utils import TestClient
from app_support import add_webhook
from sqlalchemy import Engine, func, select
from tests.http.httpkit import (
    Pattern,
    add_stage,
    call,
    counting,
    create_application,
    create_outcome,
    create_reminder,
    register,
)

from offertracker_core.plugins import hookimpl
from offertracker_webhooks.tables import webhook_deliveries

HOOK = "https://hooks.example.com/offertracker"
TIME = Pattern(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", "<datetime>")
UUID_TEXT = Pattern(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>")


def queued(db: Engine, webhook_id: str | None = None) -> list[Any]:
    """The outbox rows (of one webhook), in ``seq`` order."""
    query = select(webhook_deliveries).order_by(webhook_deliveries.c.seq)
    if webhook_id is not None:
        query = query.where(webhook_deliveries.c.webhook_id == UUID(webhook_id))
    with db.connect() as conn:
        return list(conn.execute(query))


def bodies(rows: list[Any]) -> list[dict[str, Any]]:
    return [json.loads(row.body) for row in rows]


async def test_a_new_application_is_queued_for_each_subscribed_webhook_as_the_api_returns_it(webhook_app, db):
    client, _ = await webhook_app()
    user, headers = await register(client, "alice")
    every = await add_webhook(client, headers, HOOK)
    stages_only = await add_webhook(client, headers, HOOK + "/stages", events=["stage.added"])
    await add_webhook(client, headers, HOOK + "/off", active=False)
    application = await create_application(client, headers, status="Applied")

    rows = queued(db)
    assert [(str(row.webhook_id), row.event_type, row.state, row.attempts) for row in rows] == [
        (every["id"], "application.created", "pending", 0),
        (every["id"], "milestone.reached", "pending", 0),
    ]
    created, milestone = bodies(rows)
    assert created == {
        "id": str(rows[0].event_id),
        "type": "application.created",
        "created_at": TIME,
        "user_id": user["id"],
        "data": await call(client, "GET", f"/applications/{application['id']}", headers, expect=200),
    }
    mine = await call(client, "GET", "/progress/milestones/mine", headers, expect=200)
    [earned] = [entry for entry in mine if entry["milestone"]["name"] == "First Application"]
    assert (milestone["type"], milestone["data"]) == ("milestone.reached", earned)

    await add_stage(client, headers, application["id"], stage_name="Screen")
    assert [row.event_type for row in queued(db, stages_only["id"])] == ["stage.added"]


async def test_an_automatic_move_says_old_new_and_automatic_and_shows_the_application_as_committed(
    webhook_app, db
):
    client, _ = await webhook_app()
    _, headers = await register(client, "alice")
    await add_webhook(client, headers, HOOK)
    application = await create_application(client, headers, status="Applied")
    before = len(queued(db))
    stage = await add_stage(client, headers, application["id"], stage_name="Screen")

    rows = queued(db)[before:]
    assert [row.event_type for row in rows] == ["application.status_changed", "stage.added"]
    moved, added = bodies(rows)
    assert moved["change"] == {"old_status": "Applied", "new_status": "Interviewing", "automatic": True}
    # Read in the transaction of the change, at its end: the new stage is already there.
    assert moved["data"] == await call(
        client, "GET", f"/applications/{application['id']}", headers, expect=200
    )
    assert [s["id"] for s in moved["data"]["stages"]] == [stage["id"]]
    assert added["data"] == stage


async def test_outcomes_reflections_reminders_and_edits_are_queued_as_stored(webhook_app, db):
    client, _ = await webhook_app()
    _, headers = await register(client, "alice")
    await add_webhook(client, headers, HOOK)
    application = await create_application(client, headers, status="Interviewing")
    path = f"/applications/{application['id']}"
    start = len(queued(db))
    outcome = await create_outcome(client, headers, application["id"], status="Offer", salary=120000)
    reflection = await call(
        client, "POST", f"{path}/reflection", headers, json={"what_worked": "prep"}, expect=201
    )
    edited = await call(client, "PUT", path, headers, json={"status": "Accepted", "notes": "yes"}, expect=200)
    reminder = await create_reminder(client, headers)
    done = await call(client, "POST", f"/reminders/{reminder['id']}/complete", headers, expect=200)

    sent = {(body["type"], json.dumps(body["data"], sort_keys=True)) for body in bodies(queued(db)[start:])}
    for kind, item in [
        ("outcome.saved", outcome),
        ("reflection.saved", reflection),
        ("application.updated", edited),
        ("reminder.completed", done),
    ]:
        assert (kind, json.dumps(item, sort_keys=True)) in sent, kind
    kinds = [body["type"] for body in bodies(queued(db)[start:])]
    # The user's edit is an update, then its status move; the offer moved the status first.
    assert kinds.index("application.updated") + 1 == kinds.index("application.status_changed", 3)


async def test_a_deleted_application_is_sent_as_it_was_with_its_children(webhook_app, db):
    client, _ = await webhook_app()
    _, headers = await register(client, "alice")
    await add_webhook(client, headers, HOOK)
    application = await create_application(client, headers, status="Applied")
    await add_stage(client, headers, application["id"], stage_name="Screen")
    last_seen = await call(client, "GET", f"/applications/{application['id']}", headers, expect=200)
    await call(client, "DELETE", f"/applications/{application['id']}", headers, expect=200)

    [deleted] = [body for body in bodies(queued(db)) if body["type"] == "application.deleted"]
    assert deleted["data"] == last_seen
    assert len(deleted["data"]["stages"]) == 1


class Veto:
    """A plugin whose commit hook refuses every new application (after the outbox was written)."""

    @hookimpl
    def offertracker_unit_committing(self, events: list[Any], connection: Any) -> None:
        if any(type(event).__name__ == "ApplicationCreated" for event in events):
            raise RuntimeError("vetoed")


async def test_a_change_that_rolls_back_leaves_no_delivery(webhook_app, db):
    client, _ = await webhook_app(before=[Veto()])
    _, headers = await register(client, "alice")
    await add_webhook(client, headers, HOOK)
    resp = await client.post(
        "/api/v1/applications/", headers=headers, json={"company_name": "Acme", "role_title": "Dev"}
    )
    assert resp.status == 500
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(webhook_deliveries)).scalar_one() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM applications").scalar_one() == 0
    # The veto is what rolled it back: the same change without it is queued.
    other, _ = await webhook_app()
    await create_application(other, headers)
    assert len(queued(db)) == 2  # application.created and the first-application milestone


async def test_someone_elses_changes_never_reach_a_users_webhook(webhook_app, db):
    client, _ = await webhook_app()
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    hook = await add_webhook(client, alice, HOOK)
    await create_application(client, bob)
    assert queued(db, hook["id"]) == []


async def test_a_change_of_a_user_without_webhooks_costs_one_statement_more(webhook_app):
    with_plugin, _ = await webhook_app()
    without_plugin, _ = await webhook_app(webhooks=False)
    _, headers = await register(with_plugin, "alice")
    # Warm both apps (the known-users cache) and get the first-application milestone out of the way.
    await create_application(with_plugin, headers)
    await create_application(without_plugin, headers)

    async def statements(client: TestClient) -> int:
        with counting(client.app) as seen:
            resp = await client.post(
                "/api/v1/applications/", headers=headers, json={"company_name": "B", "role_title": "Dev"}
            )
            assert resp.status == 201
        return len(seen)

    assert await statements(with_plugin) == await statements(without_plugin) + 1


async def test_items_carrying_free_form_json_are_queued_and_wake_the_deliverer(webhook_app, db, receiver):
    # A reflection's skill_gaps is a JSON value: the events carrying it are not hashable.
    client, _ = await webhook_app(in_server=True, allow_private=True, poll=300.0)
    _, headers = await register(client, "alice")
    await add_webhook(client, headers, receiver.url(), events=["reflection.saved", "application.deleted"])
    application = await create_application(client, headers)
    path = f"/applications/{application['id']}"
    gaps = {"system design": ["caching", "queues"]}
    reflection = await call(
        client, "POST", f"{path}/reflection", headers, json={"skill_gaps": gaps}, expect=201
    )
    # Sent at once although the poll is 5 minutes away: the commit woke the deliverer.
    await receiver.wait_for(1, within=5)
    await call(client, "DELETE", path, headers, expect=200)
    await receiver.wait_for(2, within=5)
    saved, deleted = (json.loads(request.body) for request in receiver.requests)
    assert (saved["type"], saved["data"]) == ("reflection.saved", reflection)
    assert (deleted["type"], deleted["data"]["reflection"]["skill_gaps"]) == ("application.deleted", gaps)


class SlowFirstCommit:
    """Holds the first edit it sees for a while after the outbox was written (it is called after
    the webhooks hook), as a slow disk or a busy server might."""

    def __init__(self) -> None:
        self.holding = threading.Event()
        self._first = True

    @hookimpl
    def offertracker_unit_committing(self, events: list[Any], connection: Any) -> None:
        if self._first and any(type(event).__name__ == "ApplicationUpdated" for event in events):
            self._first = False
            self.holding.set()
            time.sleep(0.5)


async def test_a_change_that_queued_first_commits_first_so_delivery_order_is_commit_order(webhook_app, db):
    # Edits of two applications share no row lock but the webhook's: that lock is what makes
    # the second edit's outbox wait, and commit, after the first's.
    slow = SlowFirstCommit()
    client, _ = await webhook_app(before=[slow])
    _, headers = await register(client, "alice")
    hook = await add_webhook(client, headers, HOOK, events=["application.updated"])
    one, two = [(await create_application(client, headers, company_name=name))["id"] for name in "AB"]
    finished: list[str] = []

    async def edit(application_id: str) -> None:
        await call(client, "PUT", f"/applications/{application_id}", headers, json={"notes": "n"}, expect=200)
        finished.append(application_id)

    first = asyncio.create_task(edit(one))
    await asyncio.to_thread(slow.holding.wait, 5)
    await edit(two)
    await first
    assert finished == [one, two]
    assert [json.loads(row.body)["data"]["id"] for row in queued(db, hook["id"])] == [one, two]
