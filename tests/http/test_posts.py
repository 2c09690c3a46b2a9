"""``/social/posts``: posts, the feed and reactions (behaviour.md §10), on both databases.

Groups are set up by inserting rows (the groups endpoints are another branch's): a group is
public or private, and its members are rows of ``group_members``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from offertracker_core.ports import ProgressTotals
from offertracker_http.keys import SERVICES

from .httpkit import DATETIME, UUID_STR, call, count, insert, register, rows, tables


async def create_post(client, headers, *, expect: int = 201, **fields: Any) -> Any:
    body = {"content": "Hello", **fields}
    return await call(client, "POST", "/social/posts", headers, json=body, expect=expect)


def make_group(db, creator: str, *, public: bool = True, members: tuple[str, ...] = ()) -> str:
    """A group created by ``creator`` (its admin) with ``members`` besides; its id."""
    group_id = uuid.uuid4()
    now = datetime.now(UTC)
    insert(
        db,
        tables.social_groups,
        id=group_id,
        name="Job seekers",
        description=None,
        created_by=uuid.UUID(creator),
        is_public=public,
        created_at=now,
        updated_at=now,
    )
    for user_id, role in ((creator, "admin"), *((m, "member") for m in members)):
        insert(
            db,
            tables.group_members,
            id=uuid.uuid4(),
            group_id=group_id,
            user_id=uuid.UUID(user_id),
            role=role,
            joined_at=now,
        )
    return str(group_id)


async def feed(client, headers, **params: Any) -> list[dict[str, Any]]:
    return await call(client, "GET", "/social/posts/feed", headers, params=params, expect=200)


def contents(posts: list[dict[str, Any]]) -> list[str]:
    return [post["content"] for post in posts]


async def kept_posts(client, user_id: str) -> tuple[int, int]:
    """The kept ``posts`` counter of ``user_id`` and the recount of their rows."""
    storage = client.app[SERVICES].context.storage
    async with storage.read() as uow:
        kept = await uow.progress.totals(uuid.UUID(user_id))
        recount = await uow.progress.recount(uuid.UUID(user_id))
    return kept.posts, recount.posts


# --- creating -------------------------------------------------------------------------------------


async def test_creating_a_post_answers_every_field_counts_it_and_awards_sharing_insights(client, db, alice):
    user, headers = alice
    post = await create_post(client, headers, content="First!", title="Hi", post_type="Tip", is_public=False)
    assert post == {
        "id": UUID_STR,
        "user_id": user["id"],
        "group_id": None,
        "post_type": "Tip",
        "title": "Hi",
        "content": "First!",
        "is_public": False,
        "reaction_count": 0,
        "created_at": DATETIME,
        "updated_at": post["created_at"],
    }
    [row] = rows(db, tables.posts)
    assert (str(row["id"]), row["content"], row["post_type"], row["is_public"]) == (
        post["id"],
        "First!",
        "Tip",
        False,
    )
    assert await kept_posts(client, user["id"]) == (1, 1)
    earned = await call(client, "GET", "/progress/milestones/mine", headers, expect=200)
    assert "Sharing Insights" in [m["milestone"]["name"] for m in earned]


async def test_a_post_takes_the_reference_defaults(client, alice):
    _, headers = alice
    post = await create_post(client, headers)
    assert (post["post_type"], post["title"], post["group_id"], post["is_public"]) == (
        "Update",
        None,
        None,
        True,
    )


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [("missing", ["body", "content"])]),
        ({"content": None}, [("string_type", ["body", "content"])]),
        ({"content": "c" * 20_001}, [("string_too_long", ["body", "content"])]),
        ({"content": "c", "title": "t" * 256}, [("string_too_long", ["body", "title"])]),
        ({"content": "c", "post_type": "Rant"}, [("enum", ["body", "post_type"])]),
        ({"content": "c", "is_public": "yes"}, [("bool_type", ["body", "is_public"])]),
        ({"content": "c", "group_id": "nope"}, [("uuid_parsing", ["body", "group_id"])]),
    ],
)
async def test_a_bad_post_is_422_and_stores_nothing(client, db, alice, body, errors):
    _, headers = alice
    answer = await call(client, "POST", "/social/posts", headers, json=body, expect=422)
    assert [(e["type"], e["loc"]) for e in answer["detail"]] == errors
    assert count(db, tables.posts) == 0


async def test_the_post_type_enum_error_lists_the_allowed_values(client, alice):
    answer = await create_post(client, alice[1], post_type="Rant", expect=422)
    assert answer["detail"][0]["msg"] == (
        "Input should be 'Update', 'Tip', 'Milestone', 'Question', 'Resource' or 'Celebration'"
    )


async def test_texts_exactly_at_their_bounds_are_accepted(client, alice):
    post = await create_post(client, alice[1], content="c" * 20_000, title="t" * 255)
    assert (len(post["content"]), len(post["title"])) == (20_000, 255)


async def test_emoji_right_to_left_text_and_combining_characters_round_trip_byte_for_byte(client, db, alice):
    _, headers = alice
    title = "שלום עולם 👋🏽"
    content = "مرحبا بالعالم — e\u0301 n\u0303 👩‍👩‍👧‍👦 🇺🇦 Z\u0351\u0352algo\u200f ok"
    post = await create_post(client, headers, title=title, content=content)
    assert (post["title"], post["content"]) == (title, content)
    [row] = rows(db, tables.posts)
    assert (row["title"].encode(), row["content"].encode()) == (title.encode(), content.encode())
    assert [(p["title"], p["content"]) for p in await feed(client, headers)] == [(title, content)]
    mine = await call(client, "GET", "/social/posts/mine", headers, expect=200)
    assert [(p["title"], p["content"]) for p in mine] == [(title, content)]


# --- groups ---------------------------------------------------------------------------------------


async def test_a_member_posts_into_a_group(client, db, alice, bob):
    group = make_group(db, bob[0]["id"], public=False, members=(alice[0]["id"],))
    post = await create_post(client, alice[1], group_id=group)
    assert post["group_id"] == group
    assert str(rows(db, tables.posts)[0]["group_id"]) == group


async def test_posting_into_a_group_one_is_not_in_is_refused_and_stores_nothing(client, db, alice, bob):
    user, headers = alice
    public = make_group(db, bob[0]["id"], public=True)
    private = make_group(db, bob[0]["id"], public=False)
    answers = [
        await create_post(client, headers, group_id=public, expect=403),
        await create_post(client, headers, group_id=private, expect=404),
        await create_post(client, headers, group_id=str(uuid.uuid4()), expect=404),
    ]
    assert answers == [
        {"detail": "Not a member of this group"},
        {"detail": "Group not found"},  # a private group exists for its members only
        {"detail": "Group not found"},
    ]
    assert count(db, tables.posts) == 0
    assert await kept_posts(client, user["id"]) == (0, 0)


# --- the feed -------------------------------------------------------------------------------------


async def test_the_feed_holds_public_posts_newest_first_and_nothing_of_private_groups(client, db, alice, bob):
    _, carols = await register(client, "carol")
    public = make_group(db, bob[0]["id"], public=True, members=(alice[0]["id"],))
    private = make_group(db, bob[0]["id"], public=False, members=(alice[0]["id"],))
    await create_post(client, alice[1], content="one")
    await create_post(client, bob[1], content="hidden draft", is_public=False)
    await create_post(client, bob[1], content="in public group", group_id=public)
    await create_post(
        client, bob[1], content="members-only in public group", group_id=public, is_public=False
    )
    await create_post(client, bob[1], content="in private group", group_id=private)
    await create_post(client, carols, content="two")

    expected = ["two", "in public group", "one"]
    for headers in (alice[1], bob[1], carols):  # members or not, authors or not: the same public feed
        assert contents(await feed(client, headers)) == expected
    assert contents(await feed(client, carols, skip=1, limit=1)) == ["in public group"]
    assert contents(await feed(client, carols, skip=3)) == []


async def test_a_group_feed_is_everything_for_members_and_the_public_posts_for_others(client, db, alice, bob):
    _, carols = await register(client, "carol")
    public = make_group(db, bob[0]["id"], public=True, members=(alice[0]["id"],))
    await create_post(client, alice[1], content="open", group_id=public)
    await create_post(client, bob[1], content="members only", group_id=public, is_public=False)
    await create_post(client, bob[1], content="elsewhere")

    for headers in (alice[1], bob[1]):
        assert contents(await feed(client, headers, group_id=public)) == ["members only", "open"]
    assert contents(await feed(client, carols, group_id=public)) == ["open"]


async def test_a_private_groups_feed_is_for_its_members_only(client, db, alice, bob):
    _, carols = await register(client, "carol")
    private = make_group(db, bob[0]["id"], public=False, members=(alice[0]["id"],))
    await create_post(client, alice[1], content="secret", group_id=private)
    assert contents(await feed(client, bob[1], group_id=private)) == ["secret"]
    for group_id in (private, str(uuid.uuid4())):
        answer = await call(
            client, "GET", "/social/posts/feed", carols, params={"group_id": group_id}, expect=404
        )
        assert answer == {"detail": "Group not found"}


async def test_feed_queries_are_validated(client, alice):
    _, headers = alice
    for params, loc in (
        ({"group_id": "x"}, ["query", "group_id"]),
        ({"limit": 0}, ["query", "limit"]),
        ({"limit": 1001}, ["query", "limit"]),
        ({"skip": -1}, ["query", "skip"]),
    ):
        answer = await call(client, "GET", "/social/posts/feed", headers, params=params, expect=422)
        assert [e["loc"] for e in answer["detail"]] == [loc]
    answer = await call(client, "GET", "/social/posts/mine", headers, params={"limit": 1001}, expect=422)
    assert [e["loc"] for e in answer["detail"]] == [["query", "limit"]]


async def test_the_feed_and_my_posts_default_to_fifty(client, db, alice):
    user, headers = alice
    now = datetime.now(UTC)
    for n in range(55):
        insert(
            db,
            tables.posts,
            id=uuid.uuid4(),
            user_id=uuid.UUID(user["id"]),
            group_id=None,
            post_type="Update",
            title=None,
            content=f"p{n}",
            is_public=True,
            created_at=now.replace(microsecond=n * 1000),
            updated_at=now,
        )
    assert len(await feed(client, headers)) == 50
    assert len(await call(client, "GET", "/social/posts/mine", headers, expect=200)) == 50
    assert contents(await feed(client, headers, limit=2)) == ["p54", "p53"]


async def test_my_posts_are_all_the_callers_own_newest_first(client, db, alice, bob):
    group = make_group(db, bob[0]["id"], public=False, members=(alice[0]["id"],))
    await create_post(client, alice[1], content="a1")
    await create_post(client, bob[1], content="b1")
    await create_post(client, alice[1], content="a2 draft", is_public=False)
    await create_post(client, alice[1], content="a3 group", group_id=group)
    mine = await call(client, "GET", "/social/posts/mine", alice[1], expect=200)
    assert contents(mine) == ["a3 group", "a2 draft", "a1"]
    assert {p["user_id"] for p in mine} == {alice[0]["id"]}
    mine = await call(
        client, "GET", "/social/posts/mine", alice[1], params={"skip": 1, "limit": 1}, expect=200
    )
    assert contents(mine) == ["a2 draft"]


# --- editing and deleting -------------------------------------------------------------------------


async def test_the_author_edits_partially_and_the_type_and_group_stay(client, db, alice, bob):
    _, headers = alice
    post = await create_post(client, headers, title="T", content="C", post_type="Question")
    await call(client, "POST", f"/social/posts/{post['id']}/react", bob[1], json={}, expect=201)

    updated = await call(
        client,
        "PUT",
        f"/social/posts/{post['id']}",
        headers,
        json={"content": "C2", "post_type": "Tip", "group_id": str(uuid.uuid4())},
        expect=200,
    )
    assert updated == {
        **post,
        "content": "C2",
        "reaction_count": 1,
        "updated_at": DATETIME,
    }
    assert updated["updated_at"] > post["updated_at"]
    cleared = await call(
        client,
        "PUT",
        f"/social/posts/{post['id']}",
        headers,
        json={"title": None, "is_public": False},
        expect=200,
    )
    assert (cleared["title"], cleared["is_public"], cleared["content"]) == (None, False, "C2")
    [row] = rows(db, tables.posts)
    assert (row["title"], row["content"], row["post_type"], row["group_id"], row["is_public"]) == (
        None,
        "C2",
        "Question",
        None,
        False,
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"content": None}, ("string_type", ["body", "content"])),
        ({"is_public": None}, ("bool_type", ["body", "is_public"])),
        ({"content": "c" * 20_001}, ("string_too_long", ["body", "content"])),
        ({"title": "t" * 256}, ("string_too_long", ["body", "title"])),
    ],
)
async def test_a_bad_edit_is_422_and_changes_nothing(client, db, alice, body, error):
    _, headers = alice
    post = await create_post(client, headers, title="T")
    answer = await call(client, "PUT", f"/social/posts/{post['id']}", headers, json=body, expect=422)
    assert [(e["type"], e["loc"]) for e in answer["detail"]] == [error]
    [row] = rows(db, tables.posts)
    assert (row["title"], row["content"], row["is_public"]) == ("T", "Hello", True)


async def test_deleting_a_post_removes_it_with_its_reactions_and_uncounts_it(client, db, alice, bob):
    user, headers = alice
    post = await create_post(client, headers)
    kept = await create_post(client, headers, content="kept")
    await call(client, "POST", f"/social/posts/{post['id']}/react", bob[1], expect=201)
    await call(client, "POST", f"/social/posts/{kept['id']}/react", bob[1], expect=201)

    answer = await call(client, "DELETE", f"/social/posts/{post['id']}", headers, expect=200)

    assert answer == {"detail": "Post deleted"}
    assert [str(r["id"]) for r in rows(db, tables.posts)] == [kept["id"]]
    assert [str(r["post_id"]) for r in rows(db, tables.reactions)] == [kept["id"]]
    assert await kept_posts(client, user["id"]) == (1, 1)
    again = await call(client, "DELETE", f"/social/posts/{post['id']}", headers, expect=404)
    assert again == {"detail": "Post not found"}


async def test_only_the_author_edits_or_deletes_and_a_post_one_cannot_see_is_not_found(
    client, db, alice, bob
):
    _, carols = await register(client, "carol")
    private = make_group(db, alice[0]["id"], public=False)
    visible = await create_post(client, alice[1], content="visible")
    draft = await create_post(client, alice[1], content="draft", is_public=False)
    secret = await create_post(client, alice[1], content="secret", group_id=private)
    cases = [
        (visible["id"], 403, "Not your post"),
        (draft["id"], 404, "Post not found"),
        (secret["id"], 404, "Post not found"),
        (str(uuid.uuid4()), 404, "Post not found"),
    ]
    for post_id, status, detail in cases:
        for method, body in (("PUT", {"content": "mine now"}), ("DELETE", None)):
            answer = await call(client, method, f"/social/posts/{post_id}", carols, json=body, expect=status)
            assert answer == {"detail": detail}, (method, post_id)
    assert sorted(r["content"] for r in rows(db, tables.posts)) == ["draft", "secret", "visible"]
    # A member of the group sees the group post: not theirs, so 403.
    insert(
        db,
        tables.group_members,
        id=uuid.uuid4(),
        group_id=uuid.UUID(private),
        user_id=uuid.UUID(bob[0]["id"]),
        role="member",
        joined_at=datetime.now(UTC),
    )
    answer = await call(client, "DELETE", f"/social/posts/{secret['id']}", bob[1], expect=403)
    assert answer == {"detail": "Not your post"}
    assert count(db, tables.posts) == 3


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_a_post_id_that_is_not_a_uuid_is_422(client, alice, method):
    answer = await call(client, method, "/social/posts/42", alice[1], json={}, expect=422)
    assert [e["loc"] for e in answer["detail"]] == [["path", "post_id"]]


# --- reactions ------------------------------------------------------------------------------------


async def test_reacting_answers_the_reaction_and_a_new_one_replaces_the_old(client, db, alice, bob):
    post = await create_post(client, alice[1])
    path = f"/social/posts/{post['id']}/react"

    first = await call(client, "POST", path, bob[1], expect=201)  # no body: the default
    assert first == {
        "id": UUID_STR,
        "post_id": post["id"],
        "user_id": bob[0]["id"],
        "reaction": "Like",
        "created_at": DATETIME,
    }
    second = await call(client, "POST", path, bob[1], json={"reaction": "Celebrate"}, expect=201)
    assert second == {**first, "reaction": "Celebrate", "created_at": DATETIME}
    assert second["created_at"] > first["created_at"]
    [row] = rows(db, tables.reactions)
    assert (str(row["id"]), row["reaction"]) == (first["id"], "Celebrate")
    await call(client, "POST", path, alice[1], json={}, expect=201)  # the author may react too
    assert [p["reaction_count"] for p in await feed(client, bob[1])] == [2]
    assert [p["reaction_count"] for p in await call(client, "GET", "/social/posts/mine", alice[1])] == [2]


async def test_a_bad_reaction_is_422_and_stores_nothing(client, db, alice, bob):
    post = await create_post(client, alice[1])
    path = f"/social/posts/{post['id']}/react"
    answer = await call(client, "POST", path, bob[1], json={"reaction": "Love"}, expect=422)
    assert answer["detail"][0]["loc"] == ["body", "reaction"]
    assert answer["detail"][0]["msg"] == "Input should be 'Like', 'Celebrate', 'Support' or 'Insightful'"
    answer = await call(client, "POST", path, bob[1], data=b"{", expect=422)
    assert answer["detail"][0]["type"] == "json_invalid"
    await call(client, "POST", "/social/posts/42/react", bob[1], expect=422)
    assert count(db, tables.reactions) == 0


async def test_reacting_to_a_post_one_cannot_see_is_not_found(client, db, alice, bob):
    private = make_group(db, alice[0]["id"], public=False)
    public = make_group(db, alice[0]["id"], public=True)
    hidden = [
        await create_post(client, alice[1], is_public=False),
        await create_post(client, alice[1], group_id=private),
        await create_post(client, alice[1], group_id=public, is_public=False),
    ]
    for post_id in [p["id"] for p in hidden] + [str(uuid.uuid4())]:
        for method in ("POST", "DELETE"):
            answer = await call(client, method, f"/social/posts/{post_id}/react", bob[1], expect=404)
            assert answer == {"detail": "Post not found"}
    assert count(db, tables.reactions) == 0
    open_post = await create_post(client, alice[1], group_id=public)  # a public post of a public group
    await call(client, "POST", f"/social/posts/{open_post['id']}/react", bob[1], expect=201)


async def test_removing_a_reaction(client, db, alice, bob):
    post = await create_post(client, alice[1])
    path = f"/social/posts/{post['id']}/react"
    await call(client, "POST", path, alice[1], expect=201)
    await call(client, "POST", path, bob[1], json={"reaction": "Support"}, expect=201)

    assert await call(client, "DELETE", path, bob[1], expect=200) == {"detail": "Reaction removed"}

    assert [str(r["user_id"]) for r in rows(db, tables.reactions)] == [alice[0]["id"]]
    again = await call(client, "DELETE", path, bob[1], expect=404)
    assert again == {"detail": "No reaction to remove"}
    assert count(db, tables.reactions) == 1


async def test_a_reaction_can_be_removed_after_its_post_went_out_of_sight(client, db, alice, bob):
    post = await create_post(client, alice[1])
    await call(client, "POST", f"/social/posts/{post['id']}/react", bob[1], expect=201)
    await call(client, "PUT", f"/social/posts/{post['id']}", alice[1], json={"is_public": False}, expect=200)
    await call(client, "DELETE", f"/social/posts/{post['id']}/react", bob[1], expect=200)
    assert count(db, tables.reactions) == 0


async def test_posting_counts_and_deleting_uncounts_in_the_kept_totals(client, alice):
    user, headers = alice
    posts = [await create_post(client, headers, content=str(n)) for n in range(3)]
    await call(client, "DELETE", f"/social/posts/{posts[0]['id']}", headers, expect=200)
    assert await kept_posts(client, user["id"]) == (2, 2)
    storage = client.app[SERVICES].context.storage
    async with storage.read() as uow:
        assert (await uow.progress.totals(uuid.UUID(user["id"]))) == ProgressTotals(posts=2)
