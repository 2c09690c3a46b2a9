"""Activity-log rows (behaviour.md §7) and streak/milestone bookkeeping (§6), checked in the database.

The endpoints that read these back belong to a later issue, so the tests look
at the tables directly; the clock is the suite's FakeClock, stepped across UTC days.
"""

from __future__ import annotations

import uuid

from offertracker_core.milestones import milestone_id

from .httpkit import (
    PASSWORD,
    add_stage,
    call,
    create_application,
    create_outcome,
    create_reflection,
    held,
    register,
    rows,
    tables,
    user_row,
)


def log(db, application_id: str) -> list[tuple]:
    entries = rows(
        db,
        tables.activity_log,
        application_id=uuid.UUID(application_id),
        order_by=[tables.activity_log.c.created_at],
    )
    return [(e["action"], e["description"], e["metadata"]) for e in entries]


async def test_the_activity_log_records_each_action_in_order(client, db):
    user, headers = await register(client, "alice")
    application = await create_application(client, headers, company_name="Acme", role_title="Engineer")
    app_id = application["id"]
    path = f"/applications/{app_id}"
    await call(client, "PUT", path, headers, json={"status": "Applied"}, expect=200)
    await call(client, "PUT", path, headers, json={"notes": "n"}, expect=200)
    await call(client, "PUT", path, headers, json={"status": "Applied", "notes": "m"}, expect=200)
    stage = await add_stage(client, headers, app_id, stage_name="Phone")
    await call(
        client, "PUT", f"{path}/stages/{stage['id']}", headers, json={"stage_name": "Phone 2"}, expect=200
    )
    await create_outcome(client, headers, app_id)
    await create_reflection(client, headers, app_id)

    assert log(db, app_id) == [
        ("Application Created", "Created: Acme — Engineer", {}),
        ("Status Changed", "Status: Saved → Applied", {"old_status": "Saved", "new_status": "Applied"}),
        ("Application Updated", "Updated Acme", {}),
        ("Application Updated", "Updated Acme", {}),
        (
            "Status Changed",
            "Status: Applied → Interviewing (auto)",
            {"old_status": "Applied", "new_status": "Interviewing", "auto": True},
        ),
        ("Stage Added", "Added stage: Phone", {}),
        ("Stage Updated", "Updated stage: Phone 2", {}),
        (
            "Status Changed",
            "Status: Interviewing → Offer (outcome recorded)",
            {"old_status": "Interviewing", "new_status": "Offer", "auto": True},
        ),
        ("Offer Added", "Recorded offer details", {}),
        ("Reflection Added", "Added a post-interview reflection", {}),
    ]
    assert {str(r["user_id"]) for r in rows(db, tables.activity_log)} == {user["id"]}


async def test_a_stage_on_a_saved_application_logs_only_the_stage(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    await add_stage(client, headers, application["id"], stage_name="Chat")
    assert [entry[0] for entry in log(db, application["id"])] == ["Application Created", "Stage Added"]


async def test_an_offer_on_an_accepted_application_logs_no_status_change(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers, status="Accepted")
    await create_outcome(client, headers, application["id"], status="Offer")
    assert [entry[0] for entry in log(db, application["id"])] == ["Application Created", "Offer Added"]


async def test_a_rejected_outcome_logs_the_move_to_rejected(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers, status="Interviewing")
    await create_outcome(client, headers, application["id"], status="Rejected")
    assert log(db, application["id"])[1:] == [
        (
            "Status Changed",
            "Status: Interviewing → Rejected (outcome recorded)",
            {"old_status": "Interviewing", "new_status": "Rejected", "auto": True},
        ),
        ("Offer Added", "Recorded offer details", {}),
    ]


async def test_a_failed_request_logs_nothing(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    await create_outcome(client, headers, application["id"])
    before = log(db, application["id"])
    await call(client, "POST", f"/applications/{application['id']}/outcome", headers, json={}, expect=409)
    await call(client, "PUT", f"/applications/{application['id']}", headers, json={"status": "x"}, expect=422)
    assert log(db, application["id"]) == before


async def test_registering_awards_getting_started_and_leaves_the_streak_at_zero(client, db):
    user, _ = await register(client, "alice")
    assert held(db, user["id"]) == {"Getting Started"}
    [award] = rows(db, tables.user_milestones, user_id=uuid.UUID(user["id"]))
    assert award["milestone_id"] == milestone_id("Getting Started")
    row = user_row(db, user["id"])
    assert (row["streak_days"], row["last_active_date"]) == (0, None)


async def test_the_first_application_starts_the_streak_and_awards_first_application(client, db, clock):
    user, headers = await register(client, "alice")
    await create_application(client, headers)
    assert held(db, user["id"]) == {"Getting Started", "First Application"}
    me = await call(client, "GET", "/users/me", headers, expect=200)
    assert (me["streak_days"], me["last_active_date"]) == (1, clock.today().isoformat())
    await create_application(client, headers)
    assert len(rows(db, tables.user_milestones, user_id=uuid.UUID(user["id"]))) == 2
    assert (await call(client, "GET", "/users/me", headers))["streak_days"] == 1


async def login(client, email="alice@example.com"):
    return await call(client, "POST", "/auth/login", json={"email": email, "password": PASSWORD}, expect=200)


async def test_a_login_on_the_next_day_extends_the_streak_and_a_gap_resets_it(client, db, clock):
    _, headers = await register(client, "alice")
    await create_application(client, headers)
    clock.advance(days=1)
    body = await login(client)
    assert (body["user"]["streak_days"], body["user"]["last_active_date"]) == (2, clock.today().isoformat())
    body = await login(client)
    assert body["user"]["streak_days"] == 2
    clock.advance(days=2)
    body = await login(client)
    assert (body["user"]["streak_days"], body["user"]["last_active_date"]) == (1, clock.today().isoformat())


async def test_seven_days_in_a_row_award_one_week_strong(client, db, clock):
    user, _ = await register(client, "alice")
    for day in range(7):
        body = await login(client)
        assert body["user"]["streak_days"] == day + 1
        if day < 6:
            assert "One Week Strong" not in held(db, user["id"])
            clock.advance(days=1)
    assert "One Week Strong" in held(db, user["id"])


async def test_stages_outcomes_and_reflections_are_tracked_actions(aiohttp_client, make_app, db, clock):
    # Tokens that outlive the days the clock skips, so only the actions (not logins) move the streak.
    client = await aiohttp_client(make_app(token_ttl_seconds=30 * 86400))
    user, headers = await register(client, "alice")
    application = await create_application(client, headers)
    for step, action in enumerate(
        (
            lambda: add_stage(client, headers, application["id"]),
            lambda: create_outcome(client, headers, application["id"], status="Rejected"),
            lambda: create_reflection(client, headers, application["id"]),
        ),
        start=2,
    ):
        clock.advance(days=1)
        await action()
        assert user_row(db, user["id"])["streak_days"] == step


async def test_reflections_and_offers_award_their_milestones(client, db):
    user, headers = await register(client, "alice")
    rejected = await create_application(client, headers)
    await create_outcome(client, headers, rejected["id"], status="Rejected")
    assert "Offer Received" not in held(db, user["id"])
    await create_reflection(client, headers, rejected["id"])
    offered = await create_application(client, headers)
    await create_outcome(client, headers, offered["id"])
    assert held(db, user["id"]) == {
        "Getting Started",
        "First Application",
        "Self-Reflective",
        "Offer Received",
    }


async def test_ten_applications_award_building_momentum_once(client, db):
    user, headers = await register(client, "alice")
    for index in range(11):
        await create_application(client, headers, company_name=f"C{index}")
        assert ("Building Momentum" in held(db, user["id"])) == (index >= 9)
    names = [r["milestone_id"] for r in rows(db, tables.user_milestones, user_id=uuid.UUID(user["id"]))]
    assert names.count(milestone_id("Building Momentum")) == 1
