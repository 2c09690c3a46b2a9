"""The calendar feed: a secret URL per user, serving RFC 5545 iCalendar of their dated items.

Real app on SQLite and PostgreSQL; every feed is parsed back with ``icalendar`` and its
events checked field by field, and the raw bytes checked for CRLF lines folded at 75 octets.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from icalendar import Calendar, Event

from offertracker_core.calendar import MAX_EVENTS_PER_KIND, secret_hash
from offertracker_http.ics import PRODID
from offertracker_storage.sql import tables

from .httpkit import (
    API,
    add_stage,
    call,
    counting,
    create_application,
    create_outcome,
    create_reminder,
    register,
    rows,
    save_job,
)

pytestmark = pytest.mark.usefixtures("database_url")

FEED = "/calendar/feed"
_URL = re.compile(r"http://127\.0\.0\.1:\d+/api/v1/calendar/([A-Za-z0-9_-]{43})\.ics")


async def _new_feed(client: TestClient, headers: dict[str, str]) -> str:
    """Make a feed; its path (``/api/v1/calendar/<secret>.ics``), checked to be on this server."""
    body = await call(client, "POST", FEED, headers, expect=201)
    assert list(body) == ["url"]
    match = _URL.fullmatch(body["url"])
    assert match is not None, body["url"]
    return f"{API}/calendar/{match[1]}.ics"


async def _fetch(client: TestClient, path: str) -> tuple[bytes, dict[str, Event], str]:
    """The feed's raw body, its events by UID and its ETag; the feed must answer 200 as iCalendar."""
    resp = await client.get(path)
    body = await resp.read()
    assert resp.status == 200, body
    assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(body)
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    return body, events, resp.headers["ETag"]


def _day(clock: Any, days: int) -> date:
    return clock.today() + timedelta(days=days)


async def test_every_kind_of_dated_item_is_an_event_with_its_uid_dates_summary_and_categories(
    client: TestClient, alice: tuple[dict[str, Any], dict[str, str]], clock: Any
) -> None:
    _, headers = alice
    follow_up, stage_day, offer_day, apply_by = (_day(clock, n) for n in (3, 5, 7, 10))
    app = await create_application(client, headers, follow_up_date=follow_up.isoformat())
    stage = await add_stage(
        client,
        headers,
        app["id"],
        stage_name="Tech screen",
        stage_type="Technical",
        stage_date=str(stage_day),
    )
    remind_at = datetime.combine(_day(clock, 2), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=9, minutes=30
    )
    reminder = await create_reminder(
        client,
        headers,
        title="Prepare questions",
        remind_at=remind_at.isoformat().replace("+00:00", "Z"),
        reminder_type="Interview",
        application_id=app["id"],
    )
    outcome = await create_outcome(client, headers, app["id"], deadline=str(offer_day))
    job = await save_job(
        client, headers, company_name="Globex", role_title="Designer", deadline=str(apply_by)
    )
    path = await _new_feed(client, headers)

    _, events, _ = await _fetch(client, path)

    assert set(events) == {
        f"stage-{stage['id']}@offertracker",
        f"reminder-{reminder['id']}@offertracker",
        f"follow-up-{app['id']}@offertracker",
        f"saved-job-{job['id']}@offertracker",
        f"offer-{outcome['id']}@offertracker",
    }
    stage_event = events[f"stage-{stage['id']}@offertracker"]
    assert stage_event.decoded("DTSTART") == stage_day
    assert stage_event["DTSTART"].params["VALUE"] == "DATE"
    assert stage_event.decoded("DTEND") == stage_day + timedelta(days=1)
    assert str(stage_event["SUMMARY"]) == "Tech screen: Engineer at Acme"
    assert str(stage_event["DESCRIPTION"]) == (
        "Interview stage Tech screen (Technical) of your application for Engineer at Acme. Result: Pending."
    )
    assert stage_event["CATEGORIES"].cats == ["Interview", "Technical"]

    reminder_event = events[f"reminder-{reminder['id']}@offertracker"]
    assert reminder_event.decoded("DTSTART") == remind_at
    assert "VALUE" not in reminder_event["DTSTART"].params  # a DATE-TIME, the default type
    assert reminder_event["DTSTART"].to_ical() == remind_at.strftime("%Y%m%dT%H%M%SZ").encode()
    assert str(reminder_event["SUMMARY"]) == "Prepare questions (Engineer at Acme)"
    assert reminder_event["CATEGORIES"].cats == ["Reminder", "Interview"]

    follow_event = events[f"follow-up-{app['id']}@offertracker"]
    assert follow_event.decoded("DTSTART") == follow_up
    assert str(follow_event["SUMMARY"]) == "Follow up: Engineer at Acme"
    assert follow_event["CATEGORIES"].cats == ["Follow-up"]

    job_event = events[f"saved-job-{job['id']}@offertracker"]
    assert job_event.decoded("DTSTART") == apply_by
    assert str(job_event["SUMMARY"]) == "Apply by: Designer at Globex"
    assert job_event["CATEGORIES"].cats == ["Deadline", "Saved job"]

    offer_event = events[f"offer-{outcome['id']}@offertracker"]
    assert offer_event.decoded("DTSTART") == offer_day
    assert str(offer_event["SUMMARY"]) == "Offer deadline: Engineer at Acme"
    assert offer_event["CATEGORIES"].cats == ["Deadline", "Offer"]

    for event in events.values():
        assert "://" not in str(event["DESCRIPTION"])  # links nothing, inside or outside the server
        assert event.decoded("SEQUENCE") == 0  # never edited since it was made (within the second)
        assert event.decoded("DTSTAMP") == event.decoded("LAST-MODIFIED")


async def test_the_feed_is_valid_rfc_5545_with_crlf_lines_folded_at_75_octets(
    client: TestClient, alice: tuple[dict[str, Any], dict[str, str]], clock: Any
) -> None:
    _, headers = alice
    long_name = "Zürich Ünïcode Société Générale des Entreprises Numériques " * 3  # forces folding
    app = await create_application(
        client, headers, company_name=long_name.strip(), follow_up_date=str(_day(clock, 1))
    )
    await add_stage(
        client, headers, app["id"], stage_name="Onsite; with, commas", stage_date=str(_day(clock, 4))
    )
    await create_reminder(client, headers, remind_at=f"{_day(clock, 6)}T12:00:00Z")
    path = await _new_feed(client, headers)

    body, events, _ = await _fetch(client, path)

    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines)
    assert b"\r" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # something was folded
    for line in lines:  # a fold never splits a UTF-8 character
        line.decode("utf-8")
    assert lines[0] == b"BEGIN:VCALENDAR"
    assert lines[-1] == b"END:VCALENDAR"
    calendar = Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == PRODID
    assert len(events) == 3
    for event in events.values():
        for required in ("UID", "DTSTAMP", "DTSTART"):
            assert required in event, (required, event)
        assert event["DTSTAMP"].to_ical().endswith(b"Z")  # DTSTAMP must be UTC
    summaries = {str(e["SUMMARY"]) for e in events.values()}
    assert f"Onsite; with, commas: Engineer at {long_name.strip()}" in summaries  # unescaped back


async def test_an_edit_raises_sequence_and_last_modified_and_keeps_the_uid(
    client: TestClient, alice: tuple[dict[str, Any], dict[str, str]], clock: Any
) -> None:
    _, headers = alice
    app = await create_application(client, headers)
    stage = await add_stage(client, headers, app["id"], stage_name="Panel", stage_date=str(_day(clock, 5)))
    path = await _new_feed(client, headers)
    uid = f"stage-{stage['id']}@offertracker"
    _, before, etag_before = await _fetch(client, path)

    clock.advance(seconds=90)
    moved = str(_day(clock, 6))
    await call(
        client,
        "PUT",
        f"/applications/{app['id']}/stages/{stage['id']}",
        headers,
        json={"stage_date": moved, "result": "Passed"},
        expect=200,
    )
    _, after, etag_after = await _fetch(client, path)

    assert set(after) == {uid}
    assert before[uid].decoded("SEQUENCE") == 0
    assert after[uid].decoded("SEQUENCE") >= 90
    assert after[uid].decoded("LAST-MODIFIED") - before[uid].decoded("LAST-MODIFIED") >= timedelta(seconds=90)
    assert after[uid].decoded("DTSTART") == date.fromisoformat(moved)
    assert str(after[uid]["DESCRIPTION"]).endswith("Result: Passed.")
    assert etag_after != etag_before

    # Renaming the application moves the stage's event too: its summary names the company.
    clock.advance(seconds=30)
    await call(
        client, "PUT", f"/applications/{app['id']}", headers, json={"company_name": "Initech"}, expect=200
    )
    _, renamed, _ = await _fetch(client, path)
    assert str(renamed[uid]["SUMMARY"]) == "Panel: Engineer at Initech"
    assert renamed[uid].decoded("SEQUENCE") > after[uid].decoded("SEQUENCE")


async def test_a_completed_reminder_a_deleted_item_and_an_old_one_are_not_in_the_feed(
    client: TestClient, alice: tuple[dict[str, Any], dict[str, str]], clock: Any
) -> None:
    _, headers = alice
    done = await create_reminder(client, headers, remind_at=f"{_day(clock, 1)}T08:00:00Z")
    kept = await create_reminder(client, headers, remind_at=f"{_day(clock, 1)}T09:00:00Z")
    app = await create_application(client, headers)
    gone = await add_stage(client, headers, app["id"], stage_date=str(_day(clock, 2)))
    recent = await add_stage(client, headers, app["id"], stage_date=str(_day(clock, -300)))
    await add_stage(client, headers, app["id"], stage_date=str(_day(clock, -400)))  # older than a year
    archived = await save_job(client, headers, deadline=str(_day(clock, 3)))
    await call(
        client, "PUT", f"/saved-jobs/{archived['id']}", headers, json={"status": "Archived"}, expect=200
    )
    await create_outcome(
        client,
        headers,
        (await create_application(client, headers))["id"],
        status="Rejected",
        deadline=str(_day(clock, 3)),
    )
    path = await _new_feed(client, headers)
    _, events, _ = await _fetch(client, path)
    assert f"reminder-{done['id']}@offertracker" in events

    await call(client, "POST", f"/reminders/{done['id']}/complete", headers, expect=200)
    await call(client, "DELETE", f"/applications/{app['id']}/stages/{gone['id']}", headers, expect=200)
    _, events, _ = await _fetch(client, path)

    assert set(events) == {f"reminder-{kept['id']}@offertracker", f"stage-{recent['id']}@offertracker"}

    await call(client, "DELETE", f"/applications/{app['id']}", headers, expect=200)
    _, events, _ = await _fetch(client, path)
    assert set(events) == {f"reminder-{kept['id']}@offertracker"}


async def test_if_none_match_with_the_etag_is_a_bodiless_304_until_something_changes(
    client: TestClient, alice: tuple[dict[str, Any], dict[str, str]], clock: Any
) -> None:
    _, headers = alice
    await create_application(client, headers, follow_up_date=str(_day(clock, 2)))
    path = await _new_feed(client, headers)
    _, _, etag = await _fetch(client, path)
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)

    resp = await client.get(path, headers={"If-None-Match": etag})
    assert resp.status == 304
    assert await resp.read() == b""
    assert resp.headers["ETag"] == etag
    assert resp.headers["Cache-Control"] == "private, no-cache"
    resp = await client.get(path, headers={"If-None-Match": '"something-else"'})
    assert resp.status == 200

    await create_application(client, headers, follow_up_date=str(_day(clock, 3)))
    resp = await client.get(path, headers={"If-None-Match": etag})
    assert resp.status == 200
    assert resp.headers["ETag"] != etag


async def test_a_feed_shows_only_its_owners_items(
    client: TestClient,
    alice: tuple[dict[str, Any], dict[str, str]],
    bob: tuple[dict[str, Any], dict[str, str]],
    clock: Any,
) -> None:
    _, alice_headers = alice
    _, bob_headers = bob
    alices = await create_application(
        client, alice_headers, company_name="Alice Co", follow_up_date=str(_day(clock, 1))
    )
    await create_reminder(client, alice_headers, title="alice only", remind_at=f"{_day(clock, 1)}T08:00:00Z")
    bobs = await create_application(
        client, bob_headers, company_name="Bob Co", follow_up_date=str(_day(clock, 1))
    )
    alice_path = await _new_feed(client, alice_headers)
    bob_path = await _new_feed(client, bob_headers)

    alice_body, alice_events, _ = await _fetch(client, alice_path)
    bob_body, bob_events, _ = await _fetch(client, bob_path)

    assert f"follow-up-{alices['id']}@offertracker" in alice_events
    assert set(bob_events) == {f"follow-up-{bobs['id']}@offertracker"}
    assert b"Alice Co" not in bob_body
    assert b"alice only" not in bob_body
    assert b"Bob Co" not in alice_body


async def test_a_revoked_or_replaced_url_answers_404_like_an_unknown_path(
    client: TestClient, alice: tuple[dict[str, Any], dict[str, str]], db: sa.Engine
) -> None:
    user, headers = alice
    assert await call(client, "GET", FEED, headers, expect=200) == {"exists": False, "created_at": None}
    first = await _new_feed(client, headers)
    second = await _new_feed(client, headers)
    assert first != second

    not_found = await client.get(first)
    assert not_found.status == 404
    assert await not_found.json() == {"detail": "Not Found"}
    await _fetch(client, second)
    [row] = rows(db, tables.calendar_feeds)
    assert row["user_id"] == uuid.UUID(user["id"])
    assert row["token_hash"] == secret_hash(second.rsplit("/", 1)[1].removesuffix(".ics"))
    status = await call(client, "GET", FEED, headers, expect=200)
    assert status["exists"] is True
    assert datetime.fromisoformat(status["created_at"]) == row["created_at"]

    resp = await client.delete(API + FEED, headers=headers)
    assert resp.status == 204
    assert await resp.read() == b""
    resp = await client.get(second)
    assert resp.status == 404
    assert await resp.json() == {"detail": "Not Found"}
    assert rows(db, tables.calendar_feeds) == []
    assert await call(client, "GET", FEED, headers, expect=200) == {"exists": False, "created_at": None}
    assert (await client.delete(API + FEED, headers=headers)).status == 204  # nothing left to revoke


@pytest.mark.parametrize("secret", ["x", "A" * 43, "A" * 44, "%2e%2e", "é" * 43, "AAAA.ics"])
async def test_an_unknown_or_malformed_secret_is_a_404(
    client: TestClient, alice: tuple[dict[str, Any], dict[str, str]], secret: str
) -> None:
    await _new_feed(client, alice[1])
    resp = await client.get(f"{API}/calendar/{secret}.ics")
    assert resp.status == 404
    assert await resp.json() == {"detail": "Not Found"}


async def test_the_feed_management_endpoints_need_a_token(client: TestClient) -> None:
    for method in ("GET", "POST", "DELETE"):
        resp = await client.request(method, API + FEED)
        assert resp.status == 401, method
        assert await resp.json() == {"detail": "Not authenticated"}
        assert resp.headers["WWW-Authenticate"] == "Bearer"


async def test_the_url_is_built_on_the_configured_public_url(make_app: Any, aiohttp_client: Any) -> None:
    client = await aiohttp_client(make_app(public_url="https://tracker.example.com/jobs"))
    _, headers = await register(client, "alice")
    body = await call(client, "POST", FEED, headers, expect=201)
    match = re.fullmatch(
        r"https://tracker\.example\.com/jobs/api/v1/calendar/([A-Za-z0-9_-]{43})\.ics", body["url"]
    )
    assert match is not None, body["url"]
    resp = await client.get(f"{API}/calendar/{match[1]}.ics")  # the proxy strips /jobs
    assert resp.status == 200


async def test_two_feeds_made_at_once_leave_exactly_one_that_works(
    client: TestClient, alice: tuple[dict[str, Any], dict[str, str]], db: sa.Engine
) -> None:
    _, headers = alice
    answers = await asyncio.gather(*(call(client, "POST", FEED, headers, expect=201) for _ in range(8)))
    [row] = rows(db, tables.calendar_feeds)
    statuses = []
    for answer in answers:
        secret = _URL.fullmatch(answer["url"])[1]  # type: ignore[index]
        statuses.append((await client.get(f"{API}/calendar/{secret}.ics")).status)
        if statuses[-1] == 200:
            assert secret_hash(secret) == row["token_hash"]
    assert sorted(statuses) == [200] + [404] * 7


async def test_a_feed_costs_the_same_statements_for_one_application_or_forty(
    client: TestClient, alice: tuple[dict[str, Any], dict[str, str]], clock: Any
) -> None:
    _, headers = alice
    path = await _new_feed(client, headers)

    async def statements() -> tuple[int, int]:
        with counting(client.app) as executed:
            _, events, _ = await _fetch(client, path)
        return len(executed), len(events)

    async def add_application(n: int) -> None:
        app = await create_application(
            client, headers, company_name=f"C{n}", follow_up_date=str(_day(clock, n % 9))
        )
        await add_stage(client, headers, app["id"], stage_date=str(_day(clock, 1)))
        await create_reminder(
            client, headers, remind_at=f"{_day(clock, 2)}T10:00:00Z", application_id=app["id"]
        )

    await add_application(0)
    one = await statements()
    for n in range(1, 40):
        await add_application(n)
    forty = await statements()

    assert (one[1], forty[1]) == (3, 120)
    assert one[0] == forty[0]
    assert forty[0] <= 8, f"{forty[0]} statements for one feed"


async def test_a_kind_with_more_than_its_cap_shows_the_earliest_ones(
    client: TestClient, alice: tuple[dict[str, Any], dict[str, str]], clock: Any, db: sa.Engine
) -> None:
    user, headers = alice
    now = clock.peek()
    start = datetime.combine(clock.today(), datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
    reminders = [
        {
            "id": uuid.uuid4(),
            "user_id": uuid.UUID(user["id"]),
            "title": f"R{n}",
            "remind_at": start + timedelta(hours=n),
            "reminder_type": "General",
            "is_completed": False,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(MAX_EVENTS_PER_KIND + 1)
    ]
    with db.begin() as conn:
        conn.execute(tables.reminders.insert(), reminders)
    await create_application(client, headers, follow_up_date=str(_day(clock, 1)))
    path = await _new_feed(client, headers)

    _, events, _ = await _fetch(client, path)

    shown = {uid for uid in events if uid.startswith("reminder-")}
    assert len(shown) == MAX_EVENTS_PER_KIND
    assert f"reminder-{reminders[-1]['id']}@offertracker" not in shown  # the latest is left out
    assert f"reminder-{reminders[0]['id']}@offertracker" in shown
    assert len(events) == MAX_EVENTS_PER_KIND + 1  # the other kinds keep their own allowance
