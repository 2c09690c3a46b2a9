"""Listing a page of applications costs a constant number of SQL statements, whatever the page size."""

from __future__ import annotations

from .httpkit import (
    API,
    add_stage,
    call,
    counted_get,
    counting,
    create_application,
    create_outcome,
    create_reflection,
    create_reminder,
    create_tag,
    register,
)


async def test_a_page_of_five_and_a_page_of_fifty_run_the_same_number_of_statements(client):
    _, headers = await register(client, "alice")
    for index in range(60):
        application = await create_application(client, headers, company_name=f"C{index}")
        await add_stage(client, headers, application["id"], stage_name="one")
        await add_stage(client, headers, application["id"], stage_name="two", stage_date="2026-01-01")
        if index % 3 == 0:
            await create_outcome(client, headers, application["id"])
        if index % 4 == 0:
            await create_reflection(client, headers, application["id"])

    small_count, small = await counted_get(client, "/applications/", headers, {"limit": 5})
    large_count, large = await counted_get(client, "/applications/", headers, {"limit": 50})

    assert (len(small), len(large)) == (5, 50)
    assert all(len(a["stages"]) == 2 for a in large)
    assert sum(a["outcome"] is not None for a in large) > 0
    assert sum(a["reflection"] is not None for a in large) > 0
    assert small_count == large_count
    assert large_count <= 6, f"{large_count} statements for one page"


async def test_a_warm_authenticated_get_runs_only_its_own_statement(client, clock):
    # One statement each, as before tokens were checked against the users table: the
    # existence of the caller is remembered, and only asked again once that memory expires.
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)

    async def statements_of(path: str) -> int:
        with counting(client.app) as statements:
            resp = await client.get(f"{API}{path}", headers=headers)
            await resp.read()
        assert resp.status == 200
        return len(statements)

    assert [
        await statements_of("/users/me"),
        await statements_of("/applications/"),
        await statements_of(f"/applications/{application['id']}"),
    ] == [1, 1, 1]
    clock.advance(seconds=30)
    assert [await statements_of("/users/me"), await statements_of("/users/me")] == [2, 1]


# --- reminders and tags ----------------------------------------------------------


async def test_reminder_and_tag_lists_run_the_same_statements_for_five_rows_as_for_fifty(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    for index in range(50):
        await create_reminder(client, headers, title=f"r{index}", remind_at=f"2026-04-01T00:{index:02}:00Z")
        tag = await create_tag(client, headers, name=f"t{index:02}")
        await call(
            client, "POST", f"/tags/application/{application['id']}/assign/{tag['id']}", headers, expect=201
        )

    async def statements_of(path: str, limit: int) -> int:
        statements, body = await counted_get(client, path, headers, {"limit": limit})
        assert len(body) == limit
        return statements

    for path, warm in (
        ("/reminders/", 1),
        ("/reminders/upcoming", 1),
        ("/tags/", 1),
        (f"/tags/application/{application['id']}", 2),  # the application's owner, then its tags
    ):
        assert [await statements_of(path, 5), await statements_of(path, 50)] == [warm, warm], path


# --- posts ------------------------------------------------------------------------


async def test_post_lists_run_one_statement_for_five_posts_as_for_fifty_reaction_counts_included(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    for index in range(50):
        post = await call(client, "POST", "/social/posts", alice, json={"content": f"p{index}"}, expect=201)
        await call(client, "POST", f"/social/posts/{post['id']}/react", bob, expect=201)
        await call(client, "POST", f"/social/posts/{post['id']}/react", alice, expect=201)

    async def statements_of(path: str, limit: int) -> int:
        with counting(client.app) as statements:
            resp = await client.get(f"{API}{path}", params={"limit": limit}, headers=alice)
            body = await resp.json()
        assert resp.status == 200
        assert len(body) == limit
        assert {post["reaction_count"] for post in body} == {2}
        return len(statements)

    for path in ("/social/posts/feed", "/social/posts/mine"):
        assert [await statements_of(path, 5), await statements_of(path, 50)] == [1, 1], path
