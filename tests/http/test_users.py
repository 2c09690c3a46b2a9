"""``/users``: the own profile, visibility sync, other people's profiles and search (behaviour.md §3),
with local accounts and with accounts in (fake) Supabase Auth."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from .httpkit import DATETIME, call, insert, register, rows, tables

pytestmark = pytest.mark.supabase_too

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def public_profile(user: dict) -> dict:
    return {
        key: user[key]
        for key in (
            "id",
            "username",
            "display_name",
            "bio",
            "profile_visibility",
            "streak_days",
            "created_at",
        )
    }


async def test_me_returns_every_user_response_field(client):
    user, headers = await register(client, "alice", display_name="Alice")
    me = await call(client, "GET", "/users/me", headers, expect=200)
    assert me == {
        "id": user["id"],
        "email": "alice@example.com",
        "username": "alice",
        "display_name": "Alice",
        "bio": None,
        "is_profile_public": False,
        "profile_visibility": "private",
        "streak_days": 0,
        "last_active_date": None,
        "created_at": DATETIME,
        "updated_at": DATETIME,
    }


async def test_updating_me_changes_only_the_fields_sent(client, db):
    user, headers = await register(client, "alice")
    updated = await call(client, "PUT", "/users/me", headers, json={"bio": "Hello"}, expect=200)
    assert updated == user | {"bio": "Hello", "updated_at": updated["updated_at"]}
    assert updated["updated_at"] != user["updated_at"]
    assert await call(client, "GET", "/users/me", headers, expect=200) == updated
    cleared = await call(client, "PUT", "/users/me", headers, json={"display_name": None}, expect=200)
    assert cleared["display_name"] is None
    assert cleared["bio"] == "Hello"
    assert rows(db, tables.users)[0]["display_name"] is None


@pytest.mark.parametrize(
    ("body", "visibility", "is_public"),
    [
        ({"profile_visibility": "public"}, "public", True),
        ({"profile_visibility": "followers"}, "followers", False),
        ({"profile_visibility": "groups"}, "groups", False),
        ({"is_profile_public": True}, "public", True),
        ({"is_profile_public": True, "profile_visibility": "followers"}, "followers", False),
        ({"is_profile_public": False, "profile_visibility": "public"}, "public", True),
    ],
)
async def test_visibility_and_the_public_flag_stay_in_sync(client, body, visibility, is_public):
    _, headers = await register(client, "alice")
    updated = await call(client, "PUT", "/users/me", headers, json=body, expect=200)
    assert (updated["profile_visibility"], updated["is_profile_public"]) == (visibility, is_public)


async def test_clearing_the_public_flag_makes_a_public_profile_private(client):
    _, headers = await register(client, "alice")
    await call(client, "PUT", "/users/me", headers, json={"profile_visibility": "public"}, expect=200)
    updated = await call(client, "PUT", "/users/me", headers, json={"is_profile_public": False}, expect=200)
    assert (updated["profile_visibility"], updated["is_profile_public"]) == ("private", False)


async def test_an_unknown_visibility_is_a_422_listing_the_values(client):
    _, headers = await register(client, "alice")
    body = await call(client, "PUT", "/users/me", headers, json={"profile_visibility": "friends"}, expect=422)
    [error] = body["detail"]
    assert error["type"] == "enum"
    assert error["loc"] == ["body", "profile_visibility"]
    assert error["msg"] == "Input should be 'private', 'followers', 'groups' or 'public'"


async def test_the_owner_always_sees_their_own_private_profile(client):
    user, headers = await register(client, "alice")
    profile = await call(client, "GET", f"/users/{user['id']}", headers, expect=200)
    assert profile == public_profile(user)


async def test_a_private_profile_is_hidden_from_others(client):
    alice, _ = await register(client, "alice")
    _, bob_headers = await register(client, "bob")
    body = await call(client, "GET", f"/users/{alice['id']}", bob_headers, expect=403)
    assert body == {"detail": "Profile is private"}


async def test_a_public_profile_is_seen_by_everyone_with_exactly_the_public_fields(client):
    alice, alice_headers = await register(client, "alice", display_name="Alice")
    await call(client, "PUT", "/users/me", alice_headers, json={"bio": "Hi", "is_profile_public": True})
    _, bob_headers = await register(client, "bob")
    profile = await call(client, "GET", f"/users/{alice['id']}", bob_headers, expect=200)
    assert profile == {
        "id": alice["id"],
        "username": "alice",
        "display_name": "Alice",
        "bio": "Hi",
        "profile_visibility": "public",
        "streak_days": 0,
        "created_at": alice["created_at"],
    }


async def test_a_followers_profile_is_seen_only_by_followers(client, db):
    alice, alice_headers = await register(client, "alice")
    await call(
        client, "PUT", "/users/me", alice_headers, json={"profile_visibility": "followers"}, expect=200
    )
    bob, bob_headers = await register(client, "bob")
    _, carol_headers = await register(client, "carol")
    # Alice following Bob does not let Bob in: only Alice's followers may look.
    insert(db, tables.follows, id=uuid.uuid4(), follower_id=uuid.UUID(alice["id"]),
           following_id=uuid.UUID(bob["id"]), created_at=NOW)  # fmt: skip
    assert await call(client, "GET", f"/users/{alice['id']}", bob_headers, expect=403) == {
        "detail": "Profile is private"
    }
    insert(db, tables.follows, id=uuid.uuid4(), follower_id=uuid.UUID(bob["id"]),
           following_id=uuid.UUID(alice["id"]), created_at=NOW)  # fmt: skip
    profile = await call(client, "GET", f"/users/{alice['id']}", bob_headers, expect=200)
    assert profile["profile_visibility"] == "followers"
    await call(client, "GET", f"/users/{alice['id']}", carol_headers, expect=403)


def make_group(db, creator_id: str, *members: str) -> uuid.UUID:
    group_id = uuid.uuid4()
    insert(db, tables.social_groups, id=group_id, name=f"g-{group_id.hex[:6]}", description=None,
           created_by=uuid.UUID(creator_id), is_public=True, created_at=NOW, updated_at=NOW)  # fmt: skip
    for index, member in enumerate((creator_id, *members)):
        insert(db, tables.group_members, id=uuid.uuid4(), group_id=group_id, user_id=uuid.UUID(member),
               role="admin" if index == 0 else "member", joined_at=NOW)  # fmt: skip
    return group_id


async def test_a_groups_profile_is_seen_only_by_people_sharing_a_group(client, db):
    alice, alice_headers = await register(client, "alice")
    await call(client, "PUT", "/users/me", alice_headers, json={"profile_visibility": "groups"}, expect=200)
    bob, bob_headers = await register(client, "bob")
    carol, carol_headers = await register(client, "carol")
    make_group(db, carol["id"], bob["id"])  # Bob and Carol, not Alice
    await call(client, "GET", f"/users/{alice['id']}", bob_headers, expect=403)
    make_group(db, alice["id"], bob["id"])
    profile = await call(client, "GET", f"/users/{alice['id']}", bob_headers, expect=200)
    assert profile["profile_visibility"] == "groups"
    await call(client, "GET", f"/users/{alice['id']}", carol_headers, expect=403)


async def test_an_unknown_user_is_a_404(client):
    _, headers = await register(client, "alice")
    body = await call(client, "GET", f"/users/{uuid.uuid4()}", headers, expect=404)
    assert body == {"detail": "User not found"}


async def test_a_malformed_user_id_is_a_422_on_the_path(client):
    _, headers = await register(client, "alice")
    body = await call(client, "GET", "/users/not-a-uuid", headers, expect=422)
    assert [e["loc"] for e in body["detail"]] == [["path", "user_id"]]


async def test_search_with_a_blank_query_is_empty(client):
    _, headers = await register(client, "alice")
    await call(client, "PUT", "/users/me", headers, json={"profile_visibility": "public"}, expect=200)
    assert await call(client, "GET", "/users/search", headers, expect=200) == []
    assert await call(client, "GET", "/users/search?q=", headers, expect=200) == []
    assert await call(client, "GET", "/users/search", headers, params={"q": "   "}, expect=200) == []


async def _user(client, username: str, visibility: str, display_name: str | None = None):
    extra = {"display_name": display_name} if display_name else {}
    user, headers = await register(client, username, **extra)
    await call(client, "PUT", "/users/me", headers, json={"profile_visibility": visibility}, expect=200)
    return user, headers


async def test_search_matches_username_or_display_name_case_insensitively(client):
    _, me = await register(client, "viewer")
    dev, _ = await _user(client, "devon", "public")
    sam, _ = await _user(client, "samuel", "public", display_name="The DEVELOPER")
    await _user(client, "unrelated", "public")
    found = await call(client, "GET", "/users/search", me, params={"q": "dEv"}, expect=200)
    assert sorted(p["username"] for p in found) == ["devon", "samuel"]
    by_name = {p["username"]: p for p in found}
    assert by_name["samuel"] == public_profile(sam | {"display_name": "The DEVELOPER"}) | {
        "profile_visibility": "public"
    }
    assert set(by_name["devon"]) == {
        "id", "username", "display_name", "bio", "profile_visibility", "streak_days", "created_at"
    }  # fmt: skip
    assert by_name["devon"]["id"] == dev["id"]


async def test_search_returns_only_profiles_the_caller_may_see_with_their_real_visibility(client, db):
    viewer, me = await register(client, "viewer")
    await _user(client, "match_private", "private")
    await _user(client, "match_public", "public")
    followed, _ = await _user(client, "match_followers", "followers")
    await _user(client, "match_groups", "groups")
    insert(db, tables.follows, id=uuid.uuid4(), follower_id=uuid.UUID(viewer["id"]),
           following_id=uuid.UUID(followed["id"]), created_at=NOW)  # fmt: skip
    found = await call(client, "GET", "/users/search", me, params={"q": "match"}, expect=200)
    assert sorted((p["username"], p["profile_visibility"]) for p in found) == [
        ("match_followers", "followers"),
        ("match_public", "public"),
    ]


async def test_search_paginates_after_filtering_in_username_order(client):
    _, me = await register(client, "viewer")
    for index in range(6):
        # Hidden profiles sort between the visible ones, so filtering after paging would leave gaps.
        await _user(client, f"cand{index}a", "public")
        await _user(client, f"cand{index}b", "private")
    pages = [
        await call(
            client, "GET", "/users/search", me, params={"q": "cand", "skip": skip, "limit": 2}, expect=200
        )
        for skip in (0, 2, 4, 6)
    ]
    assert [[p["username"] for p in page] for page in pages] == [
        ["cand0a", "cand1a"],
        ["cand2a", "cand3a"],
        ["cand4a", "cand5a"],
        [],
    ]


async def test_search_default_limit_is_twenty(client):
    _, me = await register(client, "viewer")
    for index in range(21):
        await _user(client, f"many{index:02d}", "public")
    found = await call(client, "GET", "/users/search", me, params={"q": "many"}, expect=200)
    assert len(found) == 20


async def test_profile_updates_are_validated(client):
    _, headers = await register(client, "alice")
    body = await call(
        client,
        "PUT",
        "/users/me",
        headers,
        json={"display_name": "d" * 101, "is_profile_public": "yes", "bio": 3},
        expect=422,
    )
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [
        (["body", "display_name"], "string_too_long"),
        (["body", "bio"], "string_type"),
        (["body", "is_profile_public"], "bool_type"),
    ]
    me = await call(client, "GET", "/users/me", headers)
    assert (me["display_name"], me["bio"], me["is_profile_public"]) == ("alice", None, False)
