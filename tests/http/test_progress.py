"""``/progress``: the milestone catalogue, the caller's milestones, the community list and the stats."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from offertracker_core.milestones import milestone_id

from .httpkit import (
    API,
    DATETIME,
    PASSWORD,
    UUID_STR,
    add_stage,
    call,
    counting,
    create_application,
    create_contact,
    create_outcome,
    create_reflection,
    create_reminder,
    register,
    rows,
    tables,
)

# behaviour.md §6, copied rather than imported: the catalogue the API must serve.
CATALOGUE = [
    ("Getting Started", "You created your account and took the first step.", {"action": "register"}),
    (
        "First Application",
        "You applied to your first role. The journey begins.",
        {"action": "create_application", "count": 1},
    ),
    (
        "Building Momentum",
        "Ten applications in. You are putting yourself out there.",
        {"action": "create_application", "count": 10},
    ),
    (
        "In the Zone",
        "Twenty-five applications. Consistent effort pays off.",
        {"action": "create_application", "count": 25},
    ),
    (
        "Self-Reflective",
        "You wrote your first reflection. Growth starts with honesty.",
        {"action": "create_reflection", "count": 1},
    ),
    (
        "Growth Mindset",
        "Ten reflections. You are learning from every experience.",
        {"action": "create_reflection", "count": 10},
    ),
    (
        "One Week Strong",
        "Seven consecutive days of activity. Consistency is key.",
        {"action": "streak", "days": 7},
    ),
    (
        "Thirty Day Streak",
        "A full month of showing up. That takes real dedication.",
        {"action": "streak", "days": 30},
    ),
    (
        "Connected",
        "You are following five people. Job searching is better together.",
        {"action": "follow", "count": 5},
    ),
    (
        "Part of a Circle",
        "You joined your first group. Shared journeys go further.",
        {"action": "join_group", "count": 1},
    ),
    (
        "Sharing Insights",
        "You shared your first post. Helping others helps you grow.",
        {"action": "create_post", "count": 1},
    ),
    (
        "Offer Received",
        "You received a job offer. All the effort was worth it.",
        {"action": "outcome_offer", "count": 1},
    ),
]
MILESTONE_BODY = {
    name: {
        "id": str(milestone_id(name)),
        "name": name,
        "description": description,
        "criteria": criteria,
        "created_at": "2026-01-01T00:00:00.000Z",
    }
    for name, description, criteria in CATALOGUE
}
PATHS = ("/progress/milestones", "/progress/milestones/mine", "/progress/community", "/progress/stats")


def stamp(moment: datetime) -> str:
    """``moment`` in the wire format of behaviour.md §1."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


async def login(client, username: str) -> dict:
    body = {"email": f"{username}@example.com", "password": PASSWORD}
    return await call(client, "POST", "/auth/login", json=body, expect=200)


async def make_public(client, username: str, **extra):
    user, headers = await register(client, username, **extra)
    await call(client, "PUT", "/users/me", headers, json={"profile_visibility": "public"}, expect=200)
    return user, headers


# --- auth -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
async def test_every_progress_endpoint_needs_a_token(client, path):
    resp = await client.get(API + path)
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    assert await resp.json() == {"detail": "Not authenticated"}


@pytest.mark.parametrize("path", PATHS)
async def test_every_progress_endpoint_refuses_a_forged_token(client, path):
    resp = await client.get(API + path, headers={"Authorization": "Bearer not.a.token"})
    assert resp.status == 401
    assert (await resp.json())["detail"].startswith("Invalid or expired token")


# --- the catalogue ----------------------------------------------------------------------


async def test_the_catalogue_lists_the_twelve_milestones_in_their_defined_order(client):
    _, headers = await register(client, "alice")
    body = await call(client, "GET", "/progress/milestones", headers, expect=200)
    assert body == [MILESTONE_BODY[name] for name, _, _ in CATALOGUE]


# --- my milestones ----------------------------------------------------------------------


async def test_my_milestones_are_newest_first_each_with_its_milestone(client, db, clock):
    user, headers = await register(client, "alice")
    _, bob = await register(client, "bob")
    clock.advance(minutes=5)
    application = await create_application(client, headers)
    clock.advance(minutes=5)
    await create_outcome(client, headers, application["id"], status="Offer")
    await create_application(client, bob)

    body = await call(client, "GET", "/progress/milestones/mine", headers, expect=200)

    stored = {r["milestone_id"]: r for r in rows(db, tables.user_milestones, user_id=uuid.UUID(user["id"]))}
    assert body == [
        {
            "id": str(stored[milestone_id(name)]["id"]),
            "user_id": user["id"],
            "milestone_id": str(milestone_id(name)),
            "reached_at": stamp(stored[milestone_id(name)]["reached_at"]),
            "milestone": MILESTONE_BODY[name],
        }
        for name in ("Offer Received", "First Application", "Getting Started")
    ]


async def test_milestones_won_by_one_action_are_listed_last_in_catalogue_first(
    aiohttp_client, make_app, db, clock
):
    # Six days of logins, then on the seventh a first application: it wins First Application and
    # One Week Strong together, with one reached_at. (Tokens outlive the days the clock skips.)
    client = await aiohttp_client(make_app(token_ttl_seconds=30 * 86400))
    _, headers = await register(client, "alice")
    for _ in range(6):
        await login(client, "alice")
        clock.advance(days=1)
    await create_application(client, headers)

    body = await call(client, "GET", "/progress/milestones/mine", headers, expect=200)

    assert [m["milestone"]["name"] for m in body] == [
        "One Week Strong",
        "First Application",
        "Getting Started",
    ]
    assert body[0]["reached_at"] == body[1]["reached_at"] != body[2]["reached_at"]


async def test_a_user_without_milestones_but_getting_started_sees_only_that(client):
    user, headers = await register(client, "alice")
    body = await call(client, "GET", "/progress/milestones/mine", headers, expect=200)
    assert body == [
        {
            "id": UUID_STR,
            "user_id": user["id"],
            "milestone_id": str(milestone_id("Getting Started")),
            "reached_at": DATETIME,
            "milestone": MILESTONE_BODY["Getting Started"],
        }
    ]


# --- community --------------------------------------------------------------------------


def member(user: dict, streak_days: int) -> dict:
    return {
        "user_id": user["id"],
        "username": user["username"],
        "display_name": user["display_name"],
        "streak_days": streak_days,
    }


async def test_the_community_lists_public_profiles_most_recently_active_first(client, clock):
    alice, _ = await make_public(client, "alice")
    bob, _ = await make_public(client, "bob", display_name="Bob B.")
    carol, carol_headers = await make_public(client, "carol")
    erin, _ = await make_public(client, "erin")  # never active: last, by username
    dan, _ = await make_public(client, "dan")
    await register(client, "zed")  # private: never listed, however active
    _, frank_headers = await register(client, "frank")  # followers only: not public
    await call(
        client, "PUT", "/users/me", frank_headers, json={"profile_visibility": "followers"}, expect=200
    )
    await create_application(client, carol_headers)  # day 0
    clock.advance(days=1)
    await login(client, "bob")
    await login(client, "frank")
    clock.advance(days=1)
    await login(client, "bob")  # a two-day streak: ahead of alice, active the same day
    await login(client, "alice")
    await login(client, "frank")
    viewer = await login(client, "zed")
    headers = {"Authorization": f"Bearer {viewer['access_token']}"}

    body = await call(client, "GET", "/progress/community", headers, expect=200)

    assert body == [member(bob, 2), member(alice, 1), member(carol, 1), member(dan, 0), member(erin, 0)]
    assert body[0]["display_name"] == "Bob B."
    two = await call(client, "GET", "/progress/community", headers, params={"limit": 2}, expect=200)
    assert two == body[:2]


async def test_the_community_includes_the_caller_when_public_and_skips_them_when_not(client):
    alice, headers = await make_public(client, "alice")
    assert await call(client, "GET", "/progress/community", headers, expect=200) == [member(alice, 0)]
    await call(client, "PUT", "/users/me", headers, json={"is_profile_public": False}, expect=200)
    assert await call(client, "GET", "/progress/community", headers, expect=200) == []


async def test_the_community_lists_twenty_by_default_and_up_to_a_thousand(client):
    for index in range(22):
        _, headers = await make_public(client, f"member{index:02d}")
    assert len(await call(client, "GET", "/progress/community", headers, expect=200)) == 20
    everyone = await call(client, "GET", "/progress/community", headers, params={"limit": 1000}, expect=200)
    assert [m["username"] for m in everyone] == [f"member{index:02d}" for index in range(22)]


@pytest.mark.parametrize(
    ("limit", "error"),
    [
        (
            "0",
            {
                "type": "greater_than_equal",
                "loc": ["query", "limit"],
                "msg": "Input should be greater than or equal to 1",
                "input": "0",
                "ctx": {"ge": 1},
            },
        ),
        (
            "1001",
            {
                "type": "less_than_equal",
                "loc": ["query", "limit"],
                "msg": "Input should be less than or equal to 1000",
                "input": "1001",
                "ctx": {"le": 1000},
            },
        ),
        (
            "ten",
            {
                "type": "int_parsing",
                "loc": ["query", "limit"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
                "input": "ten",
            },
        ),
    ],
)
async def test_a_community_limit_out_of_bounds_is_a_422(client, limit, error):
    _, headers = await register(client, "alice")
    body = await call(client, "GET", "/progress/community", headers, params={"limit": limit}, expect=422)
    assert body == {"detail": [error]}


# --- stats ------------------------------------------------------------------------------


async def test_a_fresh_account_has_zero_stats_but_its_first_milestone(client):
    _, headers = await register(client, "alice")
    assert await call(client, "GET", "/progress/stats", headers, expect=200) == {
        "total_applications": 0,
        "total_offers": 0,
        "total_rejections": 0,
        "total_reflections": 0,
        "total_stages": 0,
        "streak_days": 0,
        "milestones_reached": 1,
        "total_contacts": 0,
        "total_reminders_pending": 0,
    }


async def test_the_stats_count_the_callers_own_rows_as_behaviour_says(client):
    _, headers = await register(client, "alice")
    _, bob_headers = await register(client, "bob")
    # Offer outcome on an interviewed application: an offer, two stages, not a rejection.
    offered = await create_application(client, headers, status="Applied")
    await add_stage(client, headers, offered["id"])
    await add_stage(client, headers, offered["id"], stage_name="Onsite")
    await create_outcome(client, headers, offered["id"], status="Offer")
    # Rejected outcome: moves the application to Rejected, so it is a rejection (not an offer).
    turned_down = await create_application(client, headers, status="Interviewing")
    await add_stage(client, headers, turned_down["id"])
    await create_outcome(client, headers, turned_down["id"], status="Rejected")
    await create_reflection(client, headers, turned_down["id"], what_failed="system design")
    # Created Rejected, no outcome: a rejection all the same.
    await create_application(client, headers, status="Rejected")
    # An Offer outcome on an Accepted application leaves it Accepted: an offer.
    accepted = await create_application(client, headers, status="Accepted")
    accepted_offer = await create_outcome(client, headers, accepted["id"], status="Offer")
    # Withdrawn: neither.
    withdrawn = await create_application(client, headers)
    await create_outcome(client, headers, withdrawn["id"], status="Withdrawn")
    # Rejected once, then moved on: not a rejection any more.
    reopened = await create_application(client, headers, status="Rejected")
    await call(
        client, "PUT", f"/applications/{reopened['id']}", headers, json={"status": "Saved"}, expect=200
    )
    await create_contact(client, headers, name="Rita Recruiter")
    await create_contact(client, headers, name="Hank Manager", application_id=withdrawn["id"])
    now = datetime.now(UTC)
    await create_reminder(client, headers, remind_at=stamp(now - timedelta(days=3)))  # overdue: pending
    await create_reminder(client, headers, remind_at=stamp(now + timedelta(days=2)))
    done = await create_reminder(client, headers, remind_at=stamp(now - timedelta(days=1)))
    await call(client, "POST", f"/reminders/{done['id']}/complete", headers, expect=200)
    # Bob's rows count for Bob only.
    bobs = await create_application(client, bob_headers, status="Rejected")
    await add_stage(client, bob_headers, bobs["id"])
    await create_outcome(client, bob_headers, bobs["id"], status="Offer")
    await create_contact(client, bob_headers, name="Someone")
    await create_reminder(client, bob_headers)

    stats = await call(client, "GET", "/progress/stats", headers, expect=200)

    assert stats == {
        "total_applications": 6,
        "total_offers": 2,
        "total_rejections": 2,
        "total_reflections": 1,
        "total_stages": 3,
        "streak_days": 1,
        "milestones_reached": 4,  # Getting Started, First Application, Self-Reflective, Offer Received
        "total_contacts": 2,
        "total_reminders_pending": 2,
    }
    assert await call(client, "GET", "/progress/stats", bob_headers, expect=200) == {
        "total_applications": 1,
        "total_offers": 1,
        "total_rejections": 0,  # the Offer outcome moved it from Rejected to Offer
        "total_reflections": 0,
        "total_stages": 1,
        "streak_days": 1,
        "milestones_reached": 3,
        "total_contacts": 1,
        "total_reminders_pending": 1,
    }

    # Changes show at once: an offer turned into a rejection (the application follows it), and the
    # offered application deleted with its stages.
    await call(
        client,
        "PUT",
        f"/applications/{accepted['id']}/outcome/{accepted_offer['id']}",
        headers,
        json={"status": "Rejected"},
        expect=200,
    )
    await call(client, "DELETE", f"/applications/{offered['id']}", headers, expect=200)
    after = await call(client, "GET", "/progress/stats", headers, expect=200)
    assert after == stats | {
        "total_applications": 5,
        "total_offers": 0,
        "total_rejections": 3,
        "total_stages": 1,
    }


async def test_the_stats_streak_is_the_profiles(client, clock):
    _, headers = await register(client, "alice")
    await create_application(client, headers)
    clock.advance(days=1)
    session = await login(client, "alice")
    headers = {"Authorization": f"Bearer {session['access_token']}"}
    stats = await call(client, "GET", "/progress/stats", headers, expect=200)
    me = await call(client, "GET", "/users/me", headers, expect=200)
    assert stats["streak_days"] == me["streak_days"] == 2


# --- statement counts -------------------------------------------------------------------


async def test_each_progress_read_runs_a_constant_number_of_statements(client, db):
    _, small = await register(client, "small")
    _, large = await register(client, "large")
    await create_application(client, small)
    for index in range(30):
        application = await create_application(client, large, company_name=f"C{index}")
        await add_stage(client, large, application["id"])
        await create_reflection(client, large, application["id"])
        if index % 3 == 0:
            await create_outcome(client, large, application["id"], status="Rejected")
    for index in range(5):
        await make_public(client, f"public{index}")

    async def statements(path: str, headers: dict) -> int:
        with counting(client.app) as seen:
            resp = await client.get(API + path, headers=headers)
            await resp.read()
        assert resp.status == 200
        return len(seen)

    for headers in (small, large):
        await statements("/users/me", headers)  # the caller's existence is remembered from here on
        assert [await statements(path, headers) for path in PATHS] == [1, 1, 1, 2]
    large_mine = await call(client, "GET", "/progress/milestones/mine", large, expect=200)
    assert len(large_mine) == 6  # Getting Started, the three application and two reflection ones
    assert rows(db, tables.users)  # the app and the helper engine see the same database
