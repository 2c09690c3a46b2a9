"""Profile visibility, the whole matrix: four settings, five kinds of viewer, three places a profile shows.

behaviour.md §3: the owner always sees their own profile; ``public`` lets
everyone in, ``followers`` those who follow the owner, ``groups`` those who
share at least one group with the owner, ``private`` nobody else. Two of the
places apply it per viewer: ``GET /users/{id}`` (403 "Profile is private"
otherwise) and ``GET /users/search`` (the profile is left out). The third,
``GET /progress/community``, is not per viewer: behaviour.md §6 makes it the
list of *public* profiles, so it shows a ``public`` owner to everyone and a
``private``, ``followers`` or ``groups`` owner to nobody, not even to their
followers, their group mates or themselves.

Follows go through ``POST /social/follow``; groups are inserted as rows (their
endpoints are built alongside).
"""

from __future__ import annotations

import pytest

from .httpkit import API, call, register
from .test_users import make_group, public_profile

VIEWERS = ("owner", "stranger", "follower", "followed", "group_mate")

SEES = {
    "private": {"owner"},
    "followers": {"owner", "follower"},
    "groups": {"owner", "group_mate"},
    "public": set(VIEWERS),
}
"""Who may see the owner's profile under each setting (``followed``: someone the owner follows,
which grants nothing; a stranger shares a group with the group mate, not with the owner)."""

LISTED_IN_COMMUNITY = {"private": False, "followers": False, "groups": False, "public": True}


@pytest.mark.parametrize("setting", list(SEES))
async def test_each_setting_shows_the_profile_to_exactly_the_viewers_it_names_in_all_three_places(
    client, db, setting
):
    owner, owner_headers = await register(client, f"owner_{setting}", display_name="The Owner")
    owner = await call(
        client, "PUT", "/users/me", owner_headers, json={"profile_visibility": setting}, expect=200
    )
    people = {"owner": (owner, owner_headers)}
    for role in VIEWERS[1:]:
        people[role] = await register(client, role.replace("_", ""))
    await call(client, "POST", f"/social/follow/{owner['id']}", people["follower"][1], expect=201)
    await call(client, "POST", f"/social/follow/{people['followed'][0]['id']}", owner_headers, expect=201)
    make_group(db, owner["id"], people["group_mate"][0]["id"])
    make_group(db, people["group_mate"][0]["id"], people["stranger"][0]["id"])
    owner = await call(client, "GET", "/users/me", owner_headers, expect=200)  # following began a streak
    profile = public_profile(owner)
    assert profile["profile_visibility"] == setting

    seen = {}
    for role, (_, headers) in people.items():
        resp = await client.get(f"{API}/users/{owner['id']}", headers=headers)
        resp_profile = await resp.json()
        assert resp.status == (200 if resp_profile == profile else 403), role
        found = await call(client, "GET", "/users/search", headers, params={"q": "OWNER_"}, expect=200)
        community = await call(client, "GET", "/progress/community", headers, expect=200)
        seen[role] = resp_profile == profile
        if seen[role]:
            assert found == [profile], role
        else:
            assert resp_profile == {"detail": "Profile is private"}, role
            assert found == [], role
        listed = [member for member in community if member["user_id"] == owner["id"]]
        expected_entry = {
            "user_id": owner["id"],
            "username": owner["username"],
            "display_name": "The Owner",
            "streak_days": owner["streak_days"],
        }
        assert listed == ([expected_entry] if LISTED_IN_COMMUNITY[setting] else []), role
    assert {role for role, yes in seen.items() if yes} == SEES[setting]


async def test_following_opens_a_followers_profile_and_unfollowing_closes_it_again(client):
    owner, owner_headers = await register(client, "owner")
    await call(
        client, "PUT", "/users/me", owner_headers, json={"profile_visibility": "followers"}, expect=200
    )
    _, fan = await register(client, "fan")
    path = f"/users/{owner['id']}"

    await call(client, "GET", path, fan, expect=403)
    await call(client, "POST", f"/social/follow/{owner['id']}", fan, expect=201)
    assert (await call(client, "GET", path, fan, expect=200))["id"] == owner["id"]
    assert [p["id"] for p in await call(client, "GET", "/users/search", fan, params={"q": "own"})] == [
        owner["id"]
    ]
    await call(client, "DELETE", f"/social/follow/{owner['id']}", fan, expect=200)
    assert await call(client, "GET", path, fan, expect=403) == {"detail": "Profile is private"}
    assert await call(client, "GET", "/users/search", fan, params={"q": "own"}, expect=200) == []
