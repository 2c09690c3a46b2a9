"""``/social/groups``: groups, membership, member counts and private groups (behaviour.md §10)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from offertracker_core import pages
from offertracker_core.milestones import milestone_id

from .httpkit import DATETIME, UUID_STR, call, count, insert, register, rows, tables
from .test_query_count import counting

UNKNOWN = "00000000-0000-4000-8000-000000000000"


async def create_group(client, headers, **fields: Any) -> dict[str, Any]:
    body = {"name": "Backend job hunters", **fields}
    return await call(client, "POST", "/social/groups", headers, json=body, expect=201)


def joined_counter(db, user_id: str) -> int:
    """The kept ``groups_joined`` counter of ``user_id`` (0 without a counters row)."""
    found = rows(db, tables.user_progress, user_id=uuid.UUID(user_id))
    return found[0]["groups_joined"] if found else 0


def memberships(db, user_id: str) -> int:
    """``user_id``'s membership rows: what the counter must equal."""
    return count(db, tables.group_members, user_id=uuid.UUID(user_id))


# --- create ------------------------------------------------------------------------


async def test_creating_a_group_answers_every_field_and_makes_the_creator_its_admin(client, db):
    alice, headers = await register(client, "alice")
    group = await create_group(client, headers, description="We ship.", is_public=False)
    assert group == {
        "id": UUID_STR,
        "name": "Backend job hunters",
        "description": "We ship.",
        "created_by": alice["id"],
        "is_public": False,
        "member_count": 1,
        "created_at": DATETIME,
        "updated_at": DATETIME,
    }
    [stored] = rows(db, tables.social_groups)
    assert (str(stored["id"]), stored["name"], stored["is_public"]) == (group["id"], group["name"], False)
    [member] = rows(db, tables.group_members)
    assert (str(member["group_id"]), str(member["user_id"]), member["role"]) == (
        group["id"],
        alice["id"],
        "admin",
    )
    assert joined_counter(db, alice["id"]) == memberships(db, alice["id"]) == 1


async def test_creating_a_group_counts_as_joining_one_and_wins_part_of_a_circle(client, db):
    alice, headers = await register(client, "alice")
    await create_group(client, headers)
    held = {row["milestone_id"] for row in rows(db, tables.user_milestones, user_id=uuid.UUID(alice["id"]))}
    assert milestone_id("Part of a Circle") in held
    me = await call(client, "GET", "/users/me", headers, expect=200)
    assert me["streak_days"] == 1  # a tracked action


async def test_a_new_group_is_public_without_a_description_by_default(client):
    _, headers = await register(client, "alice")
    group = await create_group(client, headers)
    assert (group["description"], group["is_public"]) == (None, True)


async def test_a_group_needs_a_name_of_at_most_100_characters_and_stores_nothing_otherwise(client, db):
    _, headers = await register(client, "alice")
    missing = await call(client, "POST", "/social/groups", headers, json={}, expect=422)
    assert missing["detail"] == [
        {"type": "missing", "loc": ["body", "name"], "msg": "Field required", "input": {}}
    ]
    too_long = await call(
        client,
        "POST",
        "/social/groups",
        headers,
        json={"name": "x" * 101, "description": "d" * 20_001, "is_public": "yes"},
        expect=422,
    )
    assert [(e["type"], e["loc"]) for e in too_long["detail"]] == [
        ("string_too_long", ["body", "name"]),
        ("string_too_long", ["body", "description"]),
        ("bool_type", ["body", "is_public"]),
    ]
    await create_group(client, headers, name="x" * 100, description="d" * 20_000)
    assert count(db, tables.social_groups) == 1
    assert count(db, tables.group_members) == 1


async def test_emoji_right_to_left_text_and_combining_marks_round_trip_byte_for_byte(client, db):
    _, headers = await register(client, "alice")
    name = "מחפשי עבודה 🚀 e\u0301te\u0301"
    description = "שלום 👩🏽‍💻 مرحبا — a\u0308\u0323 \u202eRTL\u202c"
    group = await create_group(client, headers, name=name, description=description)
    assert (group["name"], group["description"]) == (name, description)
    read = await call(client, "GET", f"/social/groups/{group['id']}", headers, expect=200)
    assert (read["name"], read["description"]) == (name, description)
    [stored] = rows(db, tables.social_groups)
    assert stored["name"].encode() == name.encode()
    assert stored["description"].encode() == description.encode()


# --- lists -------------------------------------------------------------------------


async def test_the_public_list_holds_public_groups_newest_first_with_real_member_counts(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    _, carol = await register(client, "carol")
    older = await create_group(client, alice, name="older")
    await create_group(client, alice, name="hidden", is_public=False)
    newer = await create_group(client, bob, name="newer")
    await call(client, "POST", f"/social/groups/{older['id']}/join", bob, expect=201)
    await call(client, "POST", f"/social/groups/{older['id']}/join", carol, expect=201)

    listed = await call(client, "GET", "/social/groups", carol, expect=200)

    assert listed == [newer, {**older, "member_count": 3}]
    page = await call(client, "GET", "/social/groups", carol, params={"skip": 1, "limit": 1}, expect=200)
    assert page == listed[1:]


async def test_list_paging_is_validated(client):
    _, headers = await register(client, "alice")
    for path in ("/social/groups", "/social/groups/mine"):
        body = await call(client, "GET", path, headers, params={"limit": 1001, "skip": -1}, expect=422)
        assert [e["loc"] for e in body["detail"]] == [["query", "skip"], ["query", "limit"]]


async def test_mine_lists_the_callers_groups_private_ones_too_most_recently_joined_first(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    bobs = await create_group(client, bob, name="bob's")
    private = await create_group(client, alice, name="alice's private", is_public=False)
    await create_group(client, bob, name="not joined")
    await call(client, "POST", f"/social/groups/{bobs['id']}/join", alice, expect=201)

    mine = await call(client, "GET", "/social/groups/mine", alice, expect=200)

    assert mine == [{**bobs, "member_count": 2}, private]
    await call(client, "DELETE", f"/social/groups/{bobs['id']}/leave", alice, expect=200)
    assert await call(client, "GET", "/social/groups/mine", alice, expect=200) == [private]
    assert await call(client, "GET", "/social/groups/mine", alice, params={"limit": 1}, expect=200) == [
        private
    ]


# --- details -----------------------------------------------------------------------


async def test_a_public_group_reads_the_same_for_anyone(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    group = await create_group(client, alice)
    assert await call(client, "GET", f"/social/groups/{group['id']}", bob, expect=200) == group


async def test_a_private_group_is_not_found_for_anyone_outside_it(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    group = await create_group(client, alice, is_public=False)
    path = f"/social/groups/{group['id']}"
    for sub in ("", "/members"):
        assert await call(client, "GET", path + sub, bob, expect=404) == {"detail": "Group not found"}
    assert await call(client, "GET", path, alice, expect=200) == group


async def test_an_unknown_group_is_not_found_and_a_malformed_id_is_a_422(client):
    _, headers = await register(client, "alice")
    for method, sub in (
        ("GET", ""),
        ("PUT", ""),
        ("DELETE", ""),
        ("POST", "/join"),
        ("DELETE", "/leave"),
        ("GET", "/members"),
    ):
        body = {"name": "x"} if method == "PUT" else None
        found = await call(client, method, f"/social/groups/{UNKNOWN}{sub}", headers, json=body, expect=404)
        assert found == {"detail": "Group not found"}, (method, sub)
        malformed = await call(client, method, f"/social/groups/nope{sub}", headers, json=body, expect=422)
        assert [e["loc"] for e in malformed["detail"]] == [["path", "group_id"]]


# --- update and delete -------------------------------------------------------------


async def test_the_creator_updates_partially_null_clears_the_description(client, db):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    group = await create_group(client, alice, description="old")
    await call(client, "POST", f"/social/groups/{group['id']}/join", bob, expect=201)

    updated = await call(
        client,
        "PUT",
        f"/social/groups/{group['id']}",
        alice,
        json={"description": None, "is_public": False},
        expect=200,
    )

    assert updated == {
        **group,
        "description": None,
        "is_public": False,
        "member_count": 2,
        "updated_at": DATETIME,
    }
    assert updated["updated_at"] != group["updated_at"]
    [stored] = rows(db, tables.social_groups)
    assert (stored["name"], stored["description"], stored["is_public"]) == (group["name"], None, False)
    assert await call(client, "GET", f"/social/groups/{group['id']}", bob, expect=200) == updated


async def test_a_null_name_or_public_flag_is_a_422(client, db):
    _, alice = await register(client, "alice")
    group = await create_group(client, alice)
    body = await call(
        client,
        "PUT",
        f"/social/groups/{group['id']}",
        alice,
        json={"name": None, "is_public": None},
        expect=422,
    )
    assert [e["loc"] for e in body["detail"]] == [["body", "name"], ["body", "is_public"]]
    [stored] = rows(db, tables.social_groups)
    assert (stored["name"], stored["is_public"]) == (group["name"], True)


async def test_only_the_creator_updates_or_deletes_and_others_change_nothing(client, db):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    _, carol = await register(client, "carol")
    public = await create_group(client, alice, name="public")
    private = await create_group(client, alice, name="private", is_public=False)
    await call(client, "POST", f"/social/groups/{public['id']}/join", bob, expect=201)
    # bob is a member of the public group, carol of nothing; neither sees the private group.
    for who in (bob, carol):
        path = f"/social/groups/{public['id']}"
        put = await call(client, "PUT", path, who, json={"name": "mine now"}, expect=403)
        assert put == {"detail": "Only group creator can update"}
        assert await call(client, "DELETE", path, who, expect=403) == {
            "detail": "Only group creator can delete"
        }
        path = f"/social/groups/{private['id']}"
        put = await call(client, "PUT", path, who, json={"name": "mine now"}, expect=404)
        assert put == {"detail": "Group not found"}
        assert await call(client, "DELETE", path, who, expect=404) == {"detail": "Group not found"}
    assert sorted(row["name"] for row in rows(db, tables.social_groups)) == ["private", "public"]
    assert count(db, tables.group_members) == 3


async def test_a_member_who_is_not_the_creator_may_not_update_a_private_group(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    group = await create_group(client, alice)
    await call(client, "POST", f"/social/groups/{group['id']}/join", bob, expect=201)
    await call(client, "PUT", f"/social/groups/{group['id']}", alice, json={"is_public": False}, expect=200)
    # bob is inside, so he sees it; still not his to change.
    body = await call(client, "PUT", f"/social/groups/{group['id']}", bob, json={"name": "x"}, expect=403)
    assert body == {"detail": "Only group creator can update"}


async def test_deleting_a_group_removes_it_its_memberships_and_posts_and_uncounts_them(client, db):
    alice, alice_h = await register(client, "alice")
    bob, bob_h = await register(client, "bob")
    group = await create_group(client, alice_h)
    kept = await create_group(client, bob_h, name="kept")
    await call(client, "POST", f"/social/groups/{group['id']}/join", bob_h, expect=201)
    # Posts as the posts service will write them: the row and its count in user_progress.
    now = datetime.now(UTC)
    group_id = uuid.UUID(group["id"])
    for author, where in ((bob, group_id), (bob, group_id), (bob, None), (alice, group_id)):
        insert(
            db,
            tables.posts,
            id=uuid.uuid4(),
            user_id=uuid.UUID(author["id"]),
            group_id=where,
            post_type="Update",
            title=None,
            content="hello",
            is_public=True,
            created_at=now,
            updated_at=now,
        )
    with db.begin() as conn:
        for author, n in ((bob, 3), (alice, 1)):
            conn.execute(
                tables.user_progress.update()
                .where(tables.user_progress.c.user_id == uuid.UUID(author["id"]))
                .values(posts=tables.user_progress.c.posts + n)
            )

    body = await call(client, "DELETE", f"/social/groups/{group['id']}", alice_h, expect=200)

    assert body == {"detail": "Group deleted"}
    assert [str(row["id"]) for row in rows(db, tables.social_groups)] == [kept["id"]]
    assert count(db, tables.group_members, group_id=group_id) == 0
    assert [row["group_id"] for row in rows(db, tables.posts)] == [None]
    for user in (alice, bob):
        [progress] = rows(db, tables.user_progress, user_id=uuid.UUID(user["id"]))
        assert progress["groups_joined"] == memberships(db, user["id"])
        assert progress["posts"] == count(db, tables.posts, user_id=uuid.UUID(user["id"]))
    assert (joined_counter(db, alice["id"]), joined_counter(db, bob["id"])) == (0, 1)
    await call(client, "GET", f"/social/groups/{group['id']}", alice_h, expect=404)


# --- join, leave, members ----------------------------------------------------------


async def test_joining_answers_the_membership_counts_it_and_wins_part_of_a_circle(client, db):
    _, alice = await register(client, "alice")
    bob, bob_h = await register(client, "bob")
    group = await create_group(client, alice)

    member = await call(client, "POST", f"/social/groups/{group['id']}/join", bob_h, expect=201)

    assert member == {
        "id": UUID_STR,
        "group_id": group["id"],
        "user_id": bob["id"],
        "role": "member",
        "joined_at": DATETIME,
    }
    [row] = rows(db, tables.group_members, user_id=uuid.UUID(bob["id"]))
    assert (str(row["id"]), row["role"]) == (member["id"], "member")
    assert joined_counter(db, bob["id"]) == 1
    held = {r["milestone_id"] for r in rows(db, tables.user_milestones, user_id=uuid.UUID(bob["id"]))}
    assert milestone_id("Part of a Circle") in held
    read = await call(client, "GET", f"/social/groups/{group['id']}", bob_h, expect=200)
    assert read["member_count"] == 2


async def test_joining_twice_is_a_400_and_changes_nothing(client, db):
    alice, alice_h = await register(client, "alice")
    _, bob = await register(client, "bob")
    group = await create_group(client, alice_h)
    await call(client, "POST", f"/social/groups/{group['id']}/join", bob, expect=201)
    for who in (alice_h, bob):  # the creator is a member already too
        body = await call(client, "POST", f"/social/groups/{group['id']}/join", who, expect=400)
        assert body == {"detail": "Already a member of this group"}
    assert count(db, tables.group_members) == 2
    assert joined_counter(db, alice["id"]) == 1


async def test_a_private_group_cannot_be_joined(client, db):
    _, alice = await register(client, "alice")
    bob, bob_h = await register(client, "bob")
    group = await create_group(client, alice, is_public=False)
    body = await call(client, "POST", f"/social/groups/{group['id']}/join", bob_h, expect=403)
    assert body == {"detail": "This group is private"}
    assert count(db, tables.group_members) == 1
    assert joined_counter(db, bob["id"]) == 0


async def test_leaving_removes_the_membership_and_uncounts_it(client, db):
    _, alice = await register(client, "alice")
    bob, bob_h = await register(client, "bob")
    group = await create_group(client, alice)
    await call(client, "POST", f"/social/groups/{group['id']}/join", bob_h, expect=201)

    body = await call(client, "DELETE", f"/social/groups/{group['id']}/leave", bob_h, expect=200)

    assert body == {"detail": "Left group successfully"}
    assert count(db, tables.group_members, user_id=uuid.UUID(bob["id"])) == 0
    assert joined_counter(db, bob["id"]) == 0
    read = await call(client, "GET", f"/social/groups/{group['id']}", bob_h, expect=200)
    assert read["member_count"] == 1
    again = await call(client, "DELETE", f"/social/groups/{group['id']}/leave", bob_h, expect=404)
    assert again == {"detail": "Not a member of this group"}
    assert joined_counter(db, bob["id"]) == 0


async def test_leaving_a_private_group_one_is_not_in_is_group_not_found(client, db):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    group = await create_group(client, alice, is_public=False)
    body = await call(client, "DELETE", f"/social/groups/{group['id']}/leave", bob, expect=404)
    assert body == {"detail": "Group not found"}
    assert count(db, tables.group_members) == 1


async def test_a_creator_who_left_a_private_group_still_sees_edits_and_may_rejoin_it_as_admin(client):
    _, alice = await register(client, "alice")
    group = await create_group(client, alice, is_public=False)
    await call(client, "DELETE", f"/social/groups/{group['id']}/leave", alice, expect=200)
    read = await call(client, "GET", f"/social/groups/{group['id']}", alice, expect=200)
    assert read["member_count"] == 0
    assert await call(client, "GET", f"/social/groups/{group['id']}/members", alice, expect=200) == []
    member = await call(client, "POST", f"/social/groups/{group['id']}/join", alice, expect=201)
    assert member["role"] == "admin"


async def test_members_are_listed_earliest_joined_first_and_page(client):
    alice, alice_h = await register(client, "alice")
    _, bob = await register(client, "bob")
    _, carol = await register(client, "carol")
    group = await create_group(client, alice_h)
    bobs = await call(client, "POST", f"/social/groups/{group['id']}/join", bob, expect=201)
    carols = await call(client, "POST", f"/social/groups/{group['id']}/join", carol, expect=201)

    members = await call(client, "GET", f"/social/groups/{group['id']}/members", carol, expect=200)

    assert members == [
        {
            "id": UUID_STR,
            "group_id": group["id"],
            "user_id": alice["id"],
            "role": "admin",
            "joined_at": DATETIME,
        },
        bobs,
        carols,
    ]
    page = await call(
        client,
        "GET",
        f"/social/groups/{group['id']}/members",
        carol,
        params={"skip": 1, "limit": 1},
        expect=200,
    )
    assert page == [bobs]


async def test_members_of_a_private_group_see_it_its_members_and_it_in_mine(client):
    _, alice = await register(client, "alice")
    bob, bob_h = await register(client, "bob")
    group = await create_group(client, alice)
    await call(client, "POST", f"/social/groups/{group['id']}/join", bob_h, expect=201)
    private = await call(
        client, "PUT", f"/social/groups/{group['id']}", alice, json={"is_public": False}, expect=200
    )
    assert await call(client, "GET", f"/social/groups/{group['id']}", bob_h, expect=200) == private
    members = await call(client, "GET", f"/social/groups/{group['id']}/members", bob_h, expect=200)
    assert [m["user_id"] for m in members][1:] == [bob["id"]]
    assert await call(client, "GET", "/social/groups/mine", bob_h, expect=200) == [private]
    assert await call(client, "GET", "/social/groups", bob_h, expect=200) == []


async def test_group_endpoints_need_a_token(client):
    for method, path in (
        ("GET", "/social/groups"),
        ("POST", "/social/groups"),
        ("GET", "/social/groups/mine"),
    ):
        body = await call(client, method, path, expect=401)
        assert body == {"detail": "Not authenticated"}


async def test_group_lists_end_at_the_page_budget_and_page_on_by_rows_received(client, monkeypatch):
    # Each group counts 1,024 + its texts (about 2,530 bytes): a 3,000-byte budget keeps two.
    monkeypatch.setattr(pages, "PAGE_BYTES", 3_000)
    _, headers = await register(client, "alice")
    made = [await create_group(client, headers, name=f"g{n}", description="d" * 1_500) for n in range(3)]
    newest_first = made[::-1]
    for path in ("/social/groups", "/social/groups/mine"):
        first = await call(client, "GET", path, headers, expect=200)
        assert first == newest_first[:2], path
        rest = await call(client, "GET", path, headers, params={"skip": len(first)}, expect=200)
        assert rest == newest_first[2:], path


async def test_a_page_of_groups_is_one_statement_whatever_its_size(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    for n in range(12):
        group = await create_group(client, alice, name=f"g{n}")
        await call(client, "POST", f"/social/groups/{group['id']}/join", bob, expect=201)

    async def statements_of(path: str, limit: int) -> int:
        with counting(client.app) as statements:
            page = await call(client, "GET", path, bob, params={"limit": limit}, expect=200)
        assert len(page) == limit
        assert {g["member_count"] for g in page} == {2}
        return len(statements)

    for path in ("/social/groups", "/social/groups/mine"):
        assert await statements_of(path, 2) == await statements_of(path, 12) == 1, path
