"""``/reminders``: the caller's reminders, listed by when they are due (behaviour.md §9)."""

from __future__ import annotations

import uuid

import pytest

from .httpkit import (
    API,
    DATETIME,
    UUID_STR,
    call,
    count,
    create_application,
    create_reminder,
    register,
    rows,
    tables,
)

TYPES = "'Follow-up', 'Deadline', 'Interview' or 'General'"


def activity(db, user_id: str) -> list[tuple]:
    entries = rows(
        db, tables.activity_log, user_id=uuid.UUID(user_id), order_by=[tables.activity_log.c.created_at]
    )
    return [
        (e["action"], e["description"], e["metadata"], e["application_id"] and str(e["application_id"]))
        for e in entries
    ]


def titles(reminders: list[dict]) -> list[str]:
    return [reminder["title"] for reminder in reminders]


# --- create and read ----------------------------------------------------------------------------


async def test_creating_a_reminder_answers_every_field_and_logs_it(client, db):
    user, headers = await register(client, "alice")
    application = await create_application(client, headers)
    body = {
        "title": "Send thank-you note",
        "remind_at": "2026-03-15T09:00:00",
        "application_id": application["id"],
        "description": "To the panel",
        "reminder_type": "Follow-up",
    }

    reminder = await call(client, "POST", "/reminders/", headers, json=body, expect=201)

    assert reminder == {
        "id": UUID_STR,
        "user_id": user["id"],
        "application_id": application["id"],
        "title": "Send thank-you note",
        "description": "To the panel",
        "remind_at": "2026-03-15T09:00:00.000Z",  # no offset given: UTC
        "reminder_type": "Follow-up",
        "is_completed": False,
        "completed_at": None,
        "created_at": DATETIME,
        "updated_at": DATETIME,
    }
    assert reminder["created_at"] == reminder["updated_at"]
    [row] = rows(db, tables.reminders)
    assert (str(row["id"]), row["title"], row["is_completed"]) == (
        reminder["id"],
        "Send thank-you note",
        False,
    )
    assert activity(db, user["id"])[-1] == (
        "Reminder Created",
        "Reminder: Send thank-you note",
        {},
        application["id"],
    )


async def test_optional_fields_default_as_the_reference_says_and_offsets_become_utc(client, db):
    user, headers = await register(client, "alice")
    reminder = await create_reminder(client, headers, title="Plain", remind_at="2026-03-15T09:00:00+02:00")
    assert {
        key: reminder[key] for key in ("application_id", "description", "reminder_type", "remind_at")
    } == {
        "application_id": None,
        "description": None,
        "reminder_type": "General",
        "remind_at": "2026-03-15T07:00:00.000Z",
    }
    assert activity(db, user["id"]) == [("Reminder Created", "Reminder: Plain", {}, None)]


async def test_a_reminder_reads_back_unchanged(client):
    _, headers = await register(client, "alice")
    reminder = await create_reminder(client, headers, description="d")
    assert await call(client, "GET", f"/reminders/{reminder['id']}", headers, expect=200) == reminder


async def test_a_post_without_the_slash_creates_too(client):
    _, headers = await register(client, "alice")
    body = {"title": "x", "remind_at": "2026-03-15T09:00:00Z"}
    await call(client, "POST", "/reminders", headers, json=body, expect=201)


async def test_the_application_must_be_the_callers_own(client, db, alice, bob):
    _, alice_headers = alice
    _, bob_headers = bob
    bobs = await create_application(client, bob_headers)
    answers = [(bobs["id"], 403, "Not your application"), (str(uuid.uuid4()), 404, "Application not found")]
    for application_id, status, message in answers:
        answer = await call(
            client,
            "POST",
            "/reminders/",
            alice_headers,
            json={"title": "x", "remind_at": "2026-03-15T09:00:00Z", "application_id": application_id},
            expect=status,
        )
        assert answer == {"detail": message}
    assert count(db, tables.reminders) == 0
    assert [r["action"] for r in rows(db, tables.activity_log)] == ["Application Created"]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [("missing", ["body", "title"]), ("missing", ["body", "remind_at"])]),
        ({"title": "x" * 256, "remind_at": "2026-03-15T09:00:00Z"}, [("string_too_long", ["body", "title"])]),
        (
            {"title": "x", "remind_at": "2026-03-15T09:00:00Z", "description": "d" * 20_001},
            [("string_too_long", ["body", "description"])],
        ),
        ({"title": "x", "remind_at": "soon"}, [("datetime_parsing", ["body", "remind_at"])]),
        ({"title": "x", "remind_at": 1767225600}, [("datetime_type", ["body", "remind_at"])]),
        # Before year 1 once moved to UTC: no datetime holds it, and it is no 500.
        (
            {"title": "x", "remind_at": "0001-01-01T00:00:00+05:00"},
            [("datetime_parsing", ["body", "remind_at"])],
        ),
        (
            {"title": "x", "remind_at": "2026-03-15T09:00:00Z", "reminder_type": "Soon"},
            [("enum", ["body", "reminder_type"])],
        ),
        ({"title": 5, "remind_at": "2026-03-15T09:00:00Z"}, [("string_type", ["body", "title"])]),
        (
            {"title": "x", "remind_at": "2026-03-15T09:00:00Z", "application_id": "nope"},
            [("uuid_parsing", ["body", "application_id"])],
        ),
    ],
    ids=[
        "missing",
        "long-title",
        "long-description",
        "bad-time",
        "number-time",
        "before-year-1",
        "bad-type",
        "number-title",
        "bad-application",
    ],
)
async def test_bad_bodies_are_422_and_store_nothing(client, db, body, errors):
    _, headers = await register(client, "alice")
    answer = await call(client, "POST", "/reminders/", headers, json=body, expect=422)
    assert [(e["type"], e["loc"]) for e in answer["detail"]] == errors
    assert count(db, tables.reminders) == 0


async def test_an_unknown_reminder_type_names_the_allowed_values(client):
    _, headers = await register(client, "alice")
    body = {"title": "x", "remind_at": "2026-03-15T09:00:00Z", "reminder_type": "Soon"}
    [error] = (await call(client, "POST", "/reminders/", headers, json=body, expect=422))["detail"]
    assert error["msg"] == f"Input should be {TYPES}"


# --- lists --------------------------------------------------------------------------------------


async def test_the_list_runs_by_remind_at_soonest_first_not_by_creation(client, alice, bob):
    _, headers = alice
    _, bob_headers = bob
    for title, at in (
        ("later", "2026-05-01T08:00:00Z"),
        ("soonest", "2026-01-01T08:00:00Z"),
        ("middle", "2026-03-01T08:00:00Z"),
    ):
        await create_reminder(client, headers, title=title, remind_at=at)
    await create_reminder(client, bob_headers, title="bob's", remind_at="2026-02-01T08:00:00Z")

    with_slash = await call(client, "GET", "/reminders/", headers, expect=200)
    without_slash = await call(client, "GET", "/reminders", headers, expect=200)

    assert titles(with_slash) == ["soonest", "middle", "later"]
    assert without_slash == with_slash
    assert titles(await call(client, "GET", "/reminders/", bob_headers, expect=200)) == ["bob's"]


async def test_reminders_due_at_the_same_moment_list_in_the_order_they_were_made(client):
    _, headers = await register(client, "alice")
    for title in ("first", "second", "third"):
        await create_reminder(client, headers, title=title, remind_at="2026-03-15T09:00:00Z")
    assert titles(await call(client, "GET", "/reminders/", headers, expect=200)) == [
        "first",
        "second",
        "third",
    ]


async def test_the_list_filters_by_completion_and_type_and_pages(client):
    _, headers = await register(client, "alice")
    done = await create_reminder(
        client, headers, title="done", remind_at="2026-01-01T00:00:00Z", reminder_type="Deadline"
    )
    await create_reminder(
        client, headers, title="deadline", remind_at="2026-02-01T00:00:00Z", reminder_type="Deadline"
    )
    await create_reminder(
        client, headers, title="interview", remind_at="2026-03-01T00:00:00Z", reminder_type="Interview"
    )
    await call(client, "POST", f"/reminders/{done['id']}/complete", headers, expect=200)

    async def listed(**params) -> list[str]:
        return titles(await call(client, "GET", "/reminders/", headers, params=params, expect=200))

    assert await listed(is_completed="true") == ["done"]
    assert await listed(is_completed="false") == ["deadline", "interview"]
    assert await listed(reminder_type="Deadline") == ["done", "deadline"]
    assert await listed(reminder_type="Deadline", is_completed="false") == ["deadline"]
    assert await listed(reminder_type="General") == []
    assert await listed(skip=1, limit=1) == ["deadline"]


@pytest.mark.parametrize(
    ("params", "loc", "kind"),
    [
        ({"reminder_type": "Soon"}, ["query", "reminder_type"], "enum"),
        ({"is_completed": "perhaps"}, ["query", "is_completed"], "bool_parsing"),
        ({"limit": 0}, ["query", "limit"], "greater_than_equal"),
        ({"limit": 1001}, ["query", "limit"], "less_than_equal"),
        ({"skip": -1}, ["query", "skip"], "greater_than_equal"),
    ],
)
async def test_bad_list_parameters_are_422(client, params, loc, kind):
    _, headers = await register(client, "alice")
    [error] = (await call(client, "GET", "/reminders/", headers, params=params, expect=422))["detail"]
    assert (error["loc"], error["type"]) == (loc, kind)
    if kind == "enum":
        assert error["msg"] == f"Input should be {TYPES}"


async def test_upcoming_holds_the_incomplete_ones_overdue_included_soonest_first(client, clock):
    _, headers = await register(client, "alice")
    overdue = clock.now().replace(year=2000).isoformat()
    await create_reminder(client, headers, title="far", remind_at="2099-01-01T00:00:00Z")
    await create_reminder(client, headers, title="overdue", remind_at=overdue)
    done = await create_reminder(client, headers, title="done", remind_at="2030-01-01T00:00:00Z")
    await create_reminder(client, headers, title="near", remind_at="2030-06-01T00:00:00Z")
    await call(client, "POST", f"/reminders/{done['id']}/complete", headers, expect=200)

    upcoming = await call(client, "GET", "/reminders/upcoming", headers, expect=200)

    assert titles(upcoming) == ["overdue", "near", "far"]
    assert upcoming[0] == await call(client, "GET", f"/reminders/{upcoming[0]['id']}", headers, expect=200)


async def test_upcoming_gives_ten_unless_told_otherwise(client, bob):
    _, headers = await register(client, "alice")
    for day in range(12):
        await create_reminder(
            client, headers, title=f"day {day + 1:02}", remind_at=f"2026-04-{day + 1:02}T00:00:00Z"
        )
    await create_reminder(client, bob[1], title="bob's", remind_at="2026-01-01T00:00:00Z")

    assert titles(await call(client, "GET", "/reminders/upcoming", headers, expect=200)) == [
        f"day {day:02}" for day in range(1, 11)
    ]
    three = await call(client, "GET", "/reminders/upcoming", headers, params={"limit": 3}, expect=200)
    assert titles(three) == ["day 01", "day 02", "day 03"]
    rest = await call(client, "GET", "/reminders/upcoming", headers, params={"skip": 10}, expect=200)
    assert titles(rest) == ["day 11", "day 12"]
    await call(client, "GET", "/reminders/upcoming", headers, params={"limit": 0}, expect=422)


# --- update, complete, delete ---------------------------------------------------------------------


async def test_updating_is_partial_and_null_clears_the_description(client, db):
    user, headers = await register(client, "alice")
    reminder = await create_reminder(client, headers, description="keep?", reminder_type="Deadline")

    updated = await call(
        client,
        "PUT",
        f"/reminders/{reminder['id']}",
        headers,
        json={"description": None, "title": "Renamed", "remind_at": "2026-04-01T10:30:00+01:00"},
        expect=200,
    )

    assert updated == reminder | {
        "description": None,
        "title": "Renamed",
        "remind_at": "2026-04-01T09:30:00.000Z",
        "updated_at": updated["updated_at"],
    }
    assert updated["updated_at"] != reminder["updated_at"]
    assert await call(client, "GET", f"/reminders/{reminder['id']}", headers, expect=200) == updated
    assert [entry[0] for entry in activity(db, user["id"])] == ["Reminder Created"]  # an edit is not logged


@pytest.mark.parametrize("field", ["title", "remind_at", "reminder_type", "is_completed"])
async def test_null_on_a_required_field_is_422_and_changes_nothing(client, field):
    _, headers = await register(client, "alice")
    reminder = await create_reminder(client, headers)
    answer = await call(
        client, "PUT", f"/reminders/{reminder['id']}", headers, json={field: None}, expect=422
    )
    assert [e["loc"] for e in answer["detail"]] == [["body", field]]
    assert await call(client, "GET", f"/reminders/{reminder['id']}", headers, expect=200) == reminder


async def test_is_completed_true_stamps_completed_at_and_false_clears_it(client, db):
    user, headers = await register(client, "alice")
    reminder = await create_reminder(client, headers)
    path = f"/reminders/{reminder['id']}"

    done = await call(client, "PUT", path, headers, json={"is_completed": True}, expect=200)
    assert done == reminder | {
        "is_completed": True,
        "completed_at": DATETIME,
        "updated_at": done["updated_at"],
    }
    assert done["completed_at"] == done["updated_at"]
    again = await call(client, "PUT", path, headers, json={"is_completed": True, "title": "t2"}, expect=200)
    assert again["completed_at"] == done["completed_at"]  # completed once: it keeps that time
    undone = await call(client, "PUT", path, headers, json={"is_completed": False}, expect=200)
    assert (undone["is_completed"], undone["completed_at"]) == (False, None)
    [row] = rows(db, tables.reminders)
    assert (row["is_completed"], row["completed_at"]) == (False, None)
    # Completion through PUT is an edit, not the tracked "complete" action.
    assert [entry[0] for entry in activity(db, user["id"])] == ["Reminder Created"]


async def test_completing_stamps_the_time_logs_it_and_a_second_time_is_400(client, db):
    user, headers = await register(client, "alice")
    application = await create_application(client, headers)
    reminder = await create_reminder(client, headers, title="Call Ada", application_id=application["id"])
    path = f"/reminders/{reminder['id']}/complete"

    done = await call(client, "POST", path, headers, expect=200)

    assert done == reminder | {
        "is_completed": True,
        "completed_at": DATETIME,
        "updated_at": DATETIME,
    }
    assert done["completed_at"] == done["updated_at"] != reminder["updated_at"]
    assert activity(db, user["id"])[-2:] == [
        ("Reminder Created", "Reminder: Call Ada", {}, application["id"]),
        ("Reminder Completed", "Completed: Call Ada", {}, application["id"]),
    ]
    assert await call(client, "POST", path, headers, expect=400) == {"detail": "Reminder already completed"}
    assert await call(client, "GET", f"/reminders/{reminder['id']}", headers, expect=200) == done
    assert [entry[0] for entry in activity(db, user["id"])].count("Reminder Completed") == 1


async def test_a_reminder_completed_through_put_cannot_be_completed_again(client):
    _, headers = await register(client, "alice")
    reminder = await create_reminder(client, headers)
    await call(
        client, "PUT", f"/reminders/{reminder['id']}", headers, json={"is_completed": True}, expect=200
    )
    answer = await call(client, "POST", f"/reminders/{reminder['id']}/complete", headers, expect=400)
    assert answer == {"detail": "Reminder already completed"}


async def test_completing_a_reminder_is_a_tracked_action(aiohttp_client, make_app, db, clock):
    # Tokens that outlive the days the clock skips, so only the completions move the streak.
    client = await aiohttp_client(make_app(token_ttl_seconds=30 * 86400))
    user, headers = await register(client, "alice")
    first = await create_reminder(client, headers, title="one")
    second = await create_reminder(client, headers, title="two")
    [row] = rows(db, tables.users, id=uuid.UUID(user["id"]))
    assert row["streak_days"] == 0  # creating a reminder is not tracked

    await call(client, "POST", f"/reminders/{first['id']}/complete", headers, expect=200)
    [row] = rows(db, tables.users, id=uuid.UUID(user["id"]))
    assert (row["streak_days"], row["last_active_date"]) == (1, clock.today())
    clock.advance(days=1)
    await call(client, "POST", f"/reminders/{second['id']}/complete", headers, expect=200)
    [row] = rows(db, tables.users, id=uuid.UUID(user["id"]))
    assert (row["streak_days"], row["last_active_date"]) == (2, clock.today())


async def test_deleting_answers_the_reference_message_and_removes_the_row(client, db):
    _, headers = await register(client, "alice")
    reminder = await create_reminder(client, headers)
    other = await create_reminder(client, headers, title="stays")
    body = await call(client, "DELETE", f"/reminders/{reminder['id']}", headers, expect=200)
    assert body == {"detail": "Reminder deleted"}
    assert [str(r["id"]) for r in rows(db, tables.reminders)] == [other["id"]]
    await call(client, "GET", f"/reminders/{reminder['id']}", headers, expect=404)


async def test_deleting_an_application_deletes_its_reminders_only(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    await create_reminder(client, headers, title="linked", application_id=application["id"])
    await create_reminder(client, headers, title="free")
    await call(client, "DELETE", f"/applications/{application['id']}", headers, expect=200)
    assert [r["title"] for r in rows(db, tables.reminders)] == ["free"]
    assert titles(await call(client, "GET", "/reminders/", headers, expect=200)) == ["free"]


# --- ids: unknown, malformed, someone else's ---------------------------------------------------

# (method, path under /reminders/{id}, body)
BY_ID = [
    ("GET", "", None),
    ("PUT", "", {"title": "bob was here", "is_completed": True}),
    ("DELETE", "", None),
    ("POST", "/complete", None),
]


@pytest.mark.parametrize(("method", "suffix", "body"), BY_ID)
async def test_an_unknown_reminder_is_404(client, method, suffix, body):
    _, headers = await register(client, "alice")
    path = f"/reminders/{uuid.uuid4()}{suffix}"
    assert await call(client, method, path, headers, json=body, expect=404) == {
        "detail": "Reminder not found"
    }


@pytest.mark.parametrize(("method", "suffix", "body"), BY_ID)
async def test_a_reminder_id_that_is_no_uuid_is_422(client, method, suffix, body):
    _, headers = await register(client, "alice")
    answer = await call(client, method, f"/reminders/not-a-uuid{suffix}", headers, json=body, expect=422)
    assert [(e["loc"], e["type"]) for e in answer["detail"]] == [(["path", "reminder_id"], "uuid_parsing")]


@pytest.mark.parametrize(("method", "suffix", "body"), BY_ID)
async def test_another_user_cannot_touch_alices_reminder(client, db, alice, bob, method, suffix, body):
    _, alice_headers = alice
    _, bob_headers = bob
    application = await create_application(client, alice_headers)
    reminder = await create_reminder(client, alice_headers, application_id=application["id"])
    path = f"/reminders/{reminder['id']}"

    async def snapshot() -> tuple:
        resp = await client.get(API + path, headers=alice_headers)
        assert resp.status == 200
        return (
            await resp.read(),
            rows(db, tables.reminders),
            rows(db, tables.activity_log),
            rows(db, tables.users),
        )

    before = await snapshot()
    answer = await call(client, method, path + suffix, bob_headers, json=body, expect=403)
    assert answer == {"detail": "Not your reminder"}
    assert await snapshot() == before
    assert await call(client, "GET", "/reminders/", bob_headers, expect=200) == []
    assert await call(client, "GET", "/reminders/upcoming", bob_headers, expect=200) == []
