"""The follow endpoints of ``/social`` (behaviour.md §10): follow, unfollow, both lists, the stats."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from offertracker_core.ports import ProgressTotals
from offertracker_http.keys import SERVICES

from .httpkit import API, DATETIME, call, count, register, rows, tables
from .test_query_count import counting


def follow_row(follow: dict) -> dict:
    """The database row behind a FollowResponse."""
    return {
        "id": uuid.UUID(follow["id"]),
        "follower_id": uuid.UUID(follow["follower_id"]),
        "following_id": uuid.UUID(follow["following_id"]),
    }


def stored_follows(db) -> list[dict]:
    return [
        {key: row[key] for key in ("id", "follower_id", "following_id")} for row in rows(db, tables.follows)
    ]


def kept_follows(db, user_id: str) -> int:
    """The ``follows`` running counter of ``user_id`` (0 before anything was counted)."""
    found = rows(db, tables.user_progress, user_id=uuid.UUID(user_id))
    return found[0]["follows"] if found else 0


async def totals_and_recount(client, user_id: str) -> tuple[ProgressTotals, ProgressTotals]:
    ctx = client.app[SERVICES].context
    uid = uuid.UUID(user_id)

    async def work(uow):
        return await uow.progress.totals(uid), await uow.progress.recount(uid)

    return await ctx.read(work)


async def follow(client, headers, user: dict, expect: int = 201):
    return await call(client, "POST", f"/social/follow/{user['id']}", headers, expect=expect)


# --- follow --------------------------------------------------------------------------------


async def test_following_someone_answers_201_with_the_follow_and_stores_and_counts_it(client, db):
    alice, alice_headers = await register(client, "alice")
    bob, _ = await register(client, "bob")

    body = await follow(client, alice_headers, bob)

    assert body == {
        "id": body["id"],
        "follower_id": alice["id"],
        "following_id": bob["id"],
        "created_at": DATETIME,
    }
    assert stored_follows(db) == [follow_row(body)]
    assert kept_follows(db, alice["id"]) == 1
    assert kept_follows(db, bob["id"]) == 0


async def test_following_yourself_is_a_400_and_stores_nothing(client, db):
    alice, headers = await register(client, "alice")
    body = await follow(client, headers, alice, expect=400)
    assert body == {"detail": "Cannot follow yourself"}
    assert count(db, tables.follows) == 0
    assert kept_follows(db, alice["id"]) == 0


async def test_following_someone_twice_is_a_400_and_keeps_one_follow(client, db):
    alice, headers = await register(client, "alice")
    bob, _ = await register(client, "bob")
    first = await follow(client, headers, bob)
    body = await follow(client, headers, bob, expect=400)
    assert body == {"detail": "Already following this user"}
    assert stored_follows(db) == [follow_row(first)]
    assert kept_follows(db, alice["id"]) == 1


async def test_following_back_is_a_follow_of_its_own(client, db):
    alice, alice_headers = await register(client, "alice")
    bob, bob_headers = await register(client, "bob")
    await follow(client, alice_headers, bob)
    back = await follow(client, bob_headers, alice)
    assert (back["follower_id"], back["following_id"]) == (bob["id"], alice["id"])
    assert count(db, tables.follows) == 2


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/social/follow/{id}"),
        ("DELETE", "/social/follow/{id}"),
        ("GET", "/social/followers/{id}"),
        ("GET", "/social/following/{id}"),
        ("GET", "/social/follow-stats/{id}"),
    ],
)
async def test_an_unknown_user_is_a_404_user_not_found_on_every_follow_endpoint(client, db, method, path):
    alice, headers = await register(client, "alice")
    body = await call(client, method, path.format(id=uuid.uuid4()), headers, expect=404)
    assert body == {"detail": "User not found"}
    assert count(db, tables.follows) == 0
    assert kept_follows(db, alice["id"]) == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/social/follow/{id}"),
        ("DELETE", "/social/follow/{id}"),
        ("GET", "/social/followers/{id}"),
        ("GET", "/social/following/{id}"),
        ("GET", "/social/follow-stats/{id}"),
    ],
)
async def test_a_malformed_user_id_is_a_422_on_the_path(client, method, path):
    _, headers = await register(client, "alice")
    body = await call(client, method, path.format(id="not-a-uuid"), headers, expect=422)
    assert [(e["type"], e["loc"]) for e in body["detail"]] == [("uuid_parsing", ["path", "user_id"])]


async def test_every_follow_endpoint_needs_a_bearer_token(client):
    bob_id = uuid.uuid4()
    for method, path in [
        ("POST", f"/social/follow/{bob_id}"),
        ("DELETE", f"/social/follow/{bob_id}"),
        ("GET", f"/social/followers/{bob_id}"),
        ("GET", f"/social/following/{bob_id}"),
        ("GET", f"/social/follow-stats/{bob_id}"),
    ]:
        assert await call(client, method, path, expect=401) == {"detail": "Not authenticated"}


# --- unfollow ------------------------------------------------------------------------------


async def test_unfollowing_removes_the_follow_and_takes_it_back_from_the_counter(client, db):
    alice, headers = await register(client, "alice")
    bob, _ = await register(client, "bob")
    await follow(client, headers, bob)

    body = await call(client, "DELETE", f"/social/follow/{bob['id']}", headers, expect=200)

    assert body == {"detail": "Unfollowed successfully"}
    assert count(db, tables.follows) == 0
    assert kept_follows(db, alice["id"]) == 0
    # Following again works after an unfollow.
    await follow(client, headers, bob)
    assert kept_follows(db, alice["id"]) == 1


async def test_unfollowing_someone_not_followed_is_a_404(client, db):
    alice, headers = await register(client, "alice")
    bob, _ = await register(client, "bob")
    body = await call(client, "DELETE", f"/social/follow/{bob['id']}", headers, expect=404)
    assert body == {"detail": "Not following this user"}
    body = await call(client, "DELETE", f"/social/follow/{alice['id']}", headers, expect=404)
    assert body == {"detail": "Not following this user"}
    assert kept_follows(db, alice["id"]) == 0


async def test_nobody_can_unfollow_on_someone_elses_behalf(client, db):
    alice, alice_headers = await register(client, "alice")
    bob, bob_headers = await register(client, "bob")
    carol, _ = await register(client, "carol")
    kept = await follow(client, alice_headers, carol)
    # Bob's DELETE names Carol, but the follow is Alice's: Bob follows nobody, so nothing goes.
    body = await call(client, "DELETE", f"/social/follow/{carol['id']}", bob_headers, expect=404)
    assert body == {"detail": "Not following this user"}
    # Nor does Bob unfollowing Alice touch Alice's follows.
    body = await call(client, "DELETE", f"/social/follow/{alice['id']}", bob_headers, expect=404)
    assert body == {"detail": "Not following this user"}
    assert stored_follows(db) == [follow_row(kept)]
    assert (kept_follows(db, alice["id"]), kept_follows(db, bob["id"])) == (1, 0)


# --- lists and stats -----------------------------------------------------------------------


async def test_followers_and_following_list_full_follows_newest_first(client):
    alice, alice_headers = await register(client, "alice")
    bob, bob_headers = await register(client, "bob")
    carol, carol_headers = await register(client, "carol")
    a_to_b = await follow(client, alice_headers, bob)
    c_to_b = await follow(client, carol_headers, bob)
    a_to_c = await follow(client, alice_headers, carol)
    b_to_a = await follow(client, bob_headers, alice)

    assert await call(client, "GET", f"/social/followers/{bob['id']}", carol_headers, expect=200) == [
        c_to_b,
        a_to_b,
    ]
    assert await call(client, "GET", f"/social/following/{alice['id']}", bob_headers, expect=200) == [
        a_to_c,
        a_to_b,
    ]
    followers = await call(client, "GET", f"/social/followers/{alice['id']}", alice_headers, expect=200)
    assert followers == [b_to_a]
    following = await call(client, "GET", f"/social/following/{carol['id']}", alice_headers, expect=200)
    assert following == [c_to_b]


async def test_someone_without_follows_has_empty_lists_and_zero_stats(client):
    alice, headers = await register(client, "alice")
    assert await call(client, "GET", f"/social/followers/{alice['id']}", headers, expect=200) == []
    assert await call(client, "GET", f"/social/following/{alice['id']}", headers, expect=200) == []
    assert await call(client, "GET", f"/social/follow-stats/{alice['id']}", headers, expect=200) == {
        "followers_count": 0,
        "following_count": 0,
    }


async def test_follow_stats_count_both_directions(client):
    alice, alice_headers = await register(client, "alice")
    bob, bob_headers = await register(client, "bob")
    carol, carol_headers = await register(client, "carol")
    await follow(client, alice_headers, bob)
    await follow(client, carol_headers, bob)
    await follow(client, bob_headers, alice)
    stats = {
        user["username"]: await call(client, "GET", f"/social/follow-stats/{user['id']}", carol_headers)
        for user in (alice, bob, carol)
    }
    assert stats == {
        "alice": {"followers_count": 1, "following_count": 1},
        "bob": {"followers_count": 2, "following_count": 1},
        "carol": {"followers_count": 0, "following_count": 1},
    }


async def test_the_follow_lists_show_even_a_private_profiles_follows_as_ids_only(client):
    # A FollowResponse is ids and a time, not a profile (ours: see the service's docstring); the
    # profile behind an id keeps its own rule.
    alice, alice_headers = await register(client, "alice")  # private, as every new profile
    bob, bob_headers = await register(client, "bob")
    made = await follow(client, alice_headers, bob)
    assert await call(client, "GET", f"/social/following/{alice['id']}", bob_headers, expect=200) == [made]
    assert await call(client, "GET", f"/users/{alice['id']}", bob_headers, expect=403) == {
        "detail": "Profile is private"
    }


async def test_follow_lists_page_with_skip_and_limit_and_default_to_fifty(client):
    star, star_headers = await register(client, "star")
    fans = [await register(client, f"fan{n:02d}") for n in range(52)]
    for _, headers in fans:
        await follow(client, headers, star)
    path = f"/social/followers/{star['id']}"
    everyone = await call(client, "GET", path, star_headers, params={"limit": 1000}, expect=200)
    assert [f["follower_id"] for f in everyone] == [user["id"] for user, _ in reversed(fans)]
    assert await call(client, "GET", path, star_headers, expect=200) == everyone[:50]
    page = await call(client, "GET", path, star_headers, params={"skip": 50, "limit": 5}, expect=200)
    assert page == everyone[50:]
    (_, first_fan_headers) = fans[0]
    following = await call(client, "GET", f"/social/following/{fans[0][0]['id']}", first_fan_headers)
    assert [f["following_id"] for f in following] == [star["id"]]


@pytest.mark.parametrize(
    ("params", "loc", "kind"),
    [
        ({"limit": 0}, ["query", "limit"], "greater_than_equal"),
        ({"limit": 1001}, ["query", "limit"], "less_than_equal"),
        ({"skip": -1}, ["query", "skip"], "greater_than_equal"),
        ({"limit": "many"}, ["query", "limit"], "int_parsing"),
    ],
)
async def test_follow_list_pagination_is_bounded(client, params, loc, kind):
    alice, headers = await register(client, "alice")
    for which in ("followers", "following"):
        body = await call(client, "GET", f"/social/{which}/{alice['id']}", headers, params=params, expect=422)
        assert [(e["loc"], e["type"]) for e in body["detail"]] == [(loc, kind)]


async def test_a_page_of_followers_runs_the_same_statements_however_long(client):
    star, star_headers = await register(client, "star")
    for n in range(30):
        _, headers = await register(client, f"fan{n:02d}")
        await follow(client, headers, star)

    async def statements(limit: int) -> int:
        with counting(client.app) as seen:
            body = await call(
                client, "GET", f"/social/followers/{star['id']}", star_headers, params={"limit": limit}
            )
        assert len(body) == limit
        return len(seen)

    assert await statements(2) == await statements(30) <= 3


# --- streaks, milestones, counters ---------------------------------------------------------


async def test_following_is_a_tracked_action_and_the_fifth_follow_is_connected(client, db, clock):
    alice, headers = await register(client, "alice")
    others = [(await register(client, f"friend{n}"))[0] for n in range(6)]
    for other in others[:4]:
        await follow(client, headers, other)
    me = await call(client, "GET", "/users/me", headers, expect=200)
    assert (me["streak_days"], me["last_active_date"]) == (1, clock.today().isoformat())
    names = [m["milestone"]["name"] for m in await call(client, "GET", "/progress/milestones/mine", headers)]
    assert names == ["Getting Started"]

    await follow(client, headers, others[4])
    names = [m["milestone"]["name"] for m in await call(client, "GET", "/progress/milestones/mine", headers)]
    assert names == ["Connected", "Getting Started"]

    # Unfollowing does not revoke it, and following again does not award it twice.
    await call(client, "DELETE", f"/social/follow/{others[0]['id']}", headers, expect=200)
    await follow(client, headers, others[5])
    held = await call(client, "GET", "/progress/milestones/mine", headers)
    assert [m["milestone"]["name"] for m in held] == ["Connected", "Getting Started"]
    totals, recount = await totals_and_recount(client, alice["id"])
    assert totals == recount == ProgressTotals(follows=5)


async def test_unfollowing_is_not_a_tracked_action(aiohttp_client, make_app, clock):
    client = await aiohttp_client(make_app(token_ttl_seconds=10 * 24 * 3600))
    _, headers = await register(client, "alice")
    bob, _ = await register(client, "bob")
    await follow(client, headers, bob)
    clock.advance(days=3)
    await call(client, "DELETE", f"/social/follow/{bob['id']}", headers, expect=200)
    me = await call(client, "GET", "/users/me", headers, expect=200)
    assert (me["streak_days"], me["last_active_date"]) == (1, (clock.today() - timedelta(days=3)).isoformat())


# --- races ---------------------------------------------------------------------------------


async def test_eight_simultaneous_follows_of_one_user_make_one_follow(client, db):
    alice, headers = await register(client, "alice")
    bob, _ = await register(client, "bob")

    async def attempt():
        resp = await client.post(f"{API}/social/follow/{bob['id']}", headers=headers)
        return resp.status, await resp.json()

    answers = await asyncio.gather(*(attempt() for _ in range(8)))

    assert sorted(status for status, _ in answers) == [201] + [400] * 7
    refused = [body for status, body in answers if status == 400]
    assert refused == [{"detail": "Already following this user"}] * 7
    [winner] = [body for status, body in answers if status == 201]
    assert stored_follows(db) == [follow_row(winner)]
    totals, recount = await totals_and_recount(client, alice["id"])
    assert totals == recount == ProgressTotals(follows=1)


async def test_eight_simultaneous_unfollows_remove_the_follow_once(client, db):
    alice, headers = await register(client, "alice")
    bob, _ = await register(client, "bob")
    await follow(client, headers, bob)

    async def attempt():
        resp = await client.delete(f"{API}/social/follow/{bob['id']}", headers=headers)
        return resp.status, await resp.json()

    answers = await asyncio.gather(*(attempt() for _ in range(8)))

    assert sorted(status for status, _ in answers) == [200] + [404] * 7
    assert [body for status, body in answers if status == 404] == [{"detail": "Not following this user"}] * 7
    assert count(db, tables.follows) == 0
    totals, recount = await totals_and_recount(client, alice["id"])
    assert totals == recount == ProgressTotals()


async def test_people_following_each_other_at_once_all_land(client, db):
    people = [await register(client, f"person{n}") for n in range(4)]

    async def attempt(follower: int, followed: int) -> int:
        _, headers = people[follower]
        resp = await client.post(f"{API}/social/follow/{people[followed][0]['id']}", headers=headers)
        await resp.read()
        return resp.status

    pairs = [(a, b) for a in range(4) for b in range(4) if a != b]
    assert await asyncio.gather(*(attempt(a, b) for a, b in pairs)) == [201] * len(pairs)
    assert count(db, tables.follows) == len(pairs)
    for user, _ in people:
        totals, recount = await totals_and_recount(client, user["id"])
        assert totals == recount == ProgressTotals(follows=3)
